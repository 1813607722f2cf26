"""Invitations from organizers outside Google, filed on a Google user's calendar."""

import pytest
import requests

from emulator.google_store import ApiError

GRACE, ALICE, BOB = "grace@example.com", "alice@example.com", "bob@example.com"
UID = "040000008200E00074C5B7101A82E00800000000@outlook.example"
BODY = {
    "summary": "Roadmap",
    "start": {"dateTime": "2024-05-06T09:00:00Z"},
    "end": {"dateTime": "2024-05-06T10:00:00Z"},
}


def api(emulator, email, method, path, **kwargs):
    token = emulator.providers["google"].add_user(email)
    response = requests.request(
        method,
        emulator.url("google", "/calendar/v3/calendars/primary" + path),
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
        **kwargs,
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_the_invitation_is_the_outside_organizers_event_awaiting_an_answer(emulator):
    google = emulator.providers["google"]
    stored = google.receive_invitation(GRACE, BODY, UID, ALICE, organizer_name="Alice")
    [item] = api(emulator, GRACE, "GET", "/events")["items"]
    assert item["id"] == stored["id"]
    assert item["iCalUID"] == UID
    assert item["organizer"] == {"email": ALICE, "displayName": "Alice"}
    assert item["summary"] == "Roadmap"
    [me] = item["attendees"]
    assert me == {"email": GRACE, "responseStatus": "needsAction", "self": True}


def test_listed_attendees_keep_the_organizer_flag_on_the_organizer(emulator):
    google = emulator.providers["google"]
    body = dict(BODY, attendees=[{"email": ALICE}, {"email": GRACE}])
    google.receive_invitation(GRACE, body, UID, ALICE)
    [item] = google.events_of(GRACE)
    flags = {
        a["email"]: (a.get("organizer", False), a.get("self", False)) for a in item["attendees"]
    }
    assert flags == {ALICE: (True, False), GRACE: (False, True)}


def test_the_answer_stays_on_the_attendees_copy_and_reaches_no_other_google_user(emulator):
    google = emulator.providers["google"]
    google.add_user(BOB)
    body = dict(BODY, attendees=[{"email": GRACE}, {"email": BOB}])
    stored = google.receive_invitation(GRACE, body, UID, ALICE)
    item = api(emulator, GRACE, "GET", f"/events/{stored['id']}")
    for attendee in item["attendees"]:
        if attendee.get("self"):
            attendee["responseStatus"] = "accepted"
    patched = api(
        emulator, GRACE, "PATCH", f"/events/{stored['id']}", json={"attendees": item["attendees"]}
    )
    answers = {a["email"]: a["responseStatus"] for a in patched["attendees"]}
    assert answers == {GRACE: "accepted", BOB: "needsAction"}
    assert patched["organizer"] == {"email": ALICE}
    # Bob's invitation comes from Alice's server, never from Grace's copy
    assert google.events_of(BOB) == []


def test_a_second_invitation_with_the_same_uid_is_refused(emulator):
    google = emulator.providers["google"]
    google.receive_invitation(GRACE, BODY, UID, ALICE)
    with pytest.raises(ApiError) as caught:
        google.receive_invitation(GRACE, BODY, UID, ALICE)
    assert caught.value.status == 409
    assert len(google.events_of(GRACE)) == 1
