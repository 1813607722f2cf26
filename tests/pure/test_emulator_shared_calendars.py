"""Calendars shared with another user, and rooms, in both emulators: what the sharee sees
and may do is bounded by the role the owner granted, as the providers document."""

from google_api import GoogleApi
from graph_api import GraphApi

ANN, BOB = "ann@example.com", "bob@example.com"
EVENT = {
    "summary": "Board",
    "start": {"dateTime": "2030-05-06T09:00:00Z"},
    "end": {"dateTime": "2030-05-06T10:00:00Z"},
}
GRAPH_EVENT = {
    "subject": "Board",
    "start": {"dateTime": "2030-05-06T09:00:00", "timeZone": "UTC"},
    "end": {"dateTime": "2030-05-06T10:00:00", "timeZone": "UTC"},
}


def test_google_roles_bound_what_a_sharee_reads_and_writes(emulator):
    google = emulator.providers["google"]
    ann, bob = GoogleApi(emulator, ANN), GoogleApi(emulator, BOB)
    team = google.add_calendar(BOB, "Team")
    google.put_event(BOB, EVENT, calendar_id=team)
    room = google.add_room("Room Everest")
    assert room.endswith("@resource.calendar.google.com")
    google.share_calendar(BOB, team, ANN, "reader")
    google.share_calendar(BOB, "primary", ANN, "freeBusyReader")
    google.share_calendar(room, "primary", ANN, "writer")
    listed = {i["id"]: i for i in ann("GET", "/users/me/calendarList").json()["items"]}
    assert {k: v["accessRole"] for k, v in listed.items()} == {
        ANN: "owner",
        team: "reader",
        BOB: "freeBusyReader",
        room: "writer",
    }
    assert listed[room]["summary"] == "Room Everest"
    # a reader lists the events, and may not add one
    items = ann("GET", f"/calendars/{team}/events").json()["items"]
    assert [i["summary"] for i in items] == ["Board"]
    refused = ann("POST", f"/calendars/{team}/events", json=EVENT)
    assert refused.status_code == 403
    assert refused.json()["error"]["errors"][0]["reason"] == "requiredAccessLevel"
    # a reader sees a private event's time, not its details
    google.put_event(BOB, dict(EVENT, summary="Surgery", visibility="private"), calendar_id=team)
    items = ann("GET", f"/calendars/{team}/events").json()["items"]
    private = [i for i in items if i.get("visibility") == "private"]
    assert [("summary" in i, i["start"]) for i in private] == [(False, EVENT["start"])]
    assert ann("GET", f"/calendars/{team}/events/{private[0]['id']}").json().get("summary") is None
    # the owner sees both in full (events.list promises no order without orderBy)
    owned = bob("GET", f"/calendars/{team}/events").json()["items"]
    assert sorted(i["summary"] for i in owned) == ["Board", "Surgery"]
    # free/busy only: no events, but freebusy.query answers
    assert ann("GET", f"/calendars/{BOB}/events").status_code == 403
    google.put_event(BOB, EVENT)
    answer = ann(
        "POST",
        "/freeBusy",
        json={
            "timeMin": "2030-05-06T00:00:00Z",
            "timeMax": "2030-05-07T00:00:00Z",
            "items": [{"id": BOB}],
        },
    ).json()
    assert answer["calendars"][BOB]["busy"] == [
        {"start": "2030-05-06T09:00:00Z", "end": "2030-05-06T10:00:00Z"}
    ]
    # a writer writes, and the owner sees it; a calendar not shared is not found
    assert ann("POST", f"/calendars/{room}/events", json=EVENT).status_code == 200
    assert [e["summary"] for e in google.events_of(room)] == ["Board"]
    assert bob("GET", f"/calendars/{team}/events").status_code == 200
    google.share_calendar(BOB, team, ANN, None)
    assert ann("GET", f"/calendars/{team}/events").status_code == 404


def test_google_a_sharee_watches_a_shared_calendar_and_stops_its_channel(emulator):
    google = emulator.providers["google"]
    ann = GoogleApi(emulator, ANN)
    team = google.add_calendar(BOB, "Team")
    google.share_calendar(BOB, team, ANN, "reader")
    channel = {"id": "ch-1", "type": "web_hook", "address": "http://127.0.0.1:1/hook"}
    answer = ann("POST", f"/calendars/{team}/events/watch", json=channel).json()
    stopped = ann("POST", "/channels/stop", json={"id": "ch-1", "resourceId": answer["resourceId"]})
    assert stopped.status_code == 204


def test_graph_shared_calendar_shows_its_owner_and_rights(emulator):
    microsoft = emulator.providers["microsoft"]
    ann, bob = GraphApi(emulator, ANN), GraphApi(emulator, BOB)
    team = microsoft.add_calendar(BOB, "Team")
    microsoft.put_event_in(BOB, team, GRAPH_EVENT)
    microsoft.share_calendar(BOB, team, ANN, can_edit=False)
    room = microsoft.add_room("everest@example.com", "Room Everest")
    writable = microsoft.share_calendar(room, None, ANN, can_edit=True)
    listed = {c["id"]: c for c in ann("GET", "/me/calendars").json()["value"]}
    assert listed[team]["owner"]["address"] == BOB
    assert (listed[team]["canEdit"], listed[team]["isDefaultCalendar"]) == (False, False)
    assert (listed[writable]["canEdit"], listed[writable]["name"]) == (True, "Room Everest")
    assert listed[writable]["owner"]["address"] == "everest@example.com"
    # read through /me/calendars/{id}: events and delta; writes refused when read-only
    events = ann("GET", f"/me/calendars/{team}/events").json()["value"]
    assert [e["subject"] for e in events] == ["Board"]
    refused = ann("POST", f"/me/calendars/{team}/events", json=GRAPH_EVENT)
    assert refused.status_code == 403
    assert ann("POST", f"/me/calendars/{writable}/events", json=GRAPH_EVENT).status_code == 201
    window = {"startDateTime": "2030-05-01T00:00:00Z", "endDateTime": "2030-06-01T00:00:00Z"}
    page = ann("GET", f"/me/calendars/{team}/calendarView/delta", params=window).json()
    assert [i["subject"] for i in page["value"]] == ["Board"]
    microsoft.put_event_in(BOB, team, dict(GRAPH_EVENT, subject="Later"))
    page = ann("GET", page["@odata.deltaLink"]).json()
    assert [i["subject"] for i in page["value"]] == ["Later"]
    # the owner's own view is unchanged; unsharing removes the calendar from the sharee
    assert bob("GET", f"/me/calendars/{team}").json()["canEdit"] is True
    microsoft.share_calendar(BOB, team, ANN, can_edit=None)
    assert team not in {c["id"] for c in ann("GET", "/me/calendars").json()["value"]}
