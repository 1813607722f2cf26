"""Event types and omitted attendees on the Google emulator, as Google's guides describe them."""

import pytest
from google_api import GoogleApi

ANN, BOB, CAROL, DAN = "ann@example.com", "bob@example.com", "carol@example.com", "dan@x.org"


def timed(**extra):
    return {
        "summary": "Planning",
        "start": {"dateTime": "2024-05-06T09:00:00Z"},
        "end": {"dateTime": "2024-05-06T10:00:00Z"},
        **extra,
    }


def birthday(**extra):
    return {
        "summary": "Bob's birthday",
        "start": {"date": "2024-05-06"},
        "end": {"date": "2024-05-07"},
        "recurrence": ["RRULE:FREQ=YEARLY"],
        "eventType": "birthday",
        "transparency": "transparent",
        "birthdayProperties": {"type": "birthday"},
        **extra,
    }


@pytest.fixture
def ann(emulator):
    return GoogleApi(emulator, ANN)


@pytest.fixture
def bob(emulator):
    return GoogleApi(emulator, BOB)


def error_of(response):
    error = response.json()["error"]
    return error["code"], error["errors"][0]["reason"]


def patch(api, event, body):
    return api("PATCH", f"/calendars/primary/events/{event['id']}", json=body)


@pytest.mark.parametrize(
    "body",
    [
        timed(eventType="fromGmail"),
        timed(eventType="outOfOffice", attendees=[{"email": BOB}]),
        timed(eventType="focusTime", transparency="transparent"),
        timed(eventType="workingLocation", transparency="transparent", visibility="public"),
        timed(
            eventType="workingLocation",
            visibility="public",
            workingLocationProperties={"type": "homeOffice"},
        ),
        birthday(recurrence=None),
        birthday(
            start={"dateTime": "2024-05-06T09:00:00Z"}, end={"dateTime": "2024-05-06T10:00:00Z"}
        ),
    ],
)
def test_inserts_google_refuses_for_the_type(ann, body):
    body = {k: v for k, v in body.items() if v is not None}
    assert error_of(ann("POST", "/calendars/primary/events", json=body)) == (400, "invalid")


def test_the_type_never_changes_and_restricted_types_keep_their_fields(emulator, ann):
    ooo = ann.insert(timed(eventType="outOfOffice", summary="Away"))
    assert error_of(patch(ann, ooo, {"eventType": "default"})) == (400, "invalid")
    assert error_of(patch(ann, ooo, {"attendees": [{"email": BOB}]})) == (400, "invalid")
    assert patch(ann, ooo, {"summary": "Holidays"}).json()["summary"] == "Holidays"

    bday = ann.insert(birthday())
    assert error_of(patch(ann, bday, {"start": {"date": "2024-05-05"}})) == (400, "invalid")
    assert error_of(patch(ann, bday, {"description": "cake"})) == (400, "invalid")
    assert patch(ann, bday, {"summary": "Bob turns 40"}).status_code == 200

    mail = emulator.providers["google"].put_event(ANN, timed(eventType="fromGmail"))
    assert error_of(patch(ann, mail, {"summary": "Flight"})) == (400, "invalid")
    assert patch(ann, mail, {"transparency": "transparent"}).status_code == 200
    # a full update must keep the type (unset means 'default')
    replaced = ann("PUT", f"/calendars/primary/events/{ooo['id']}", json=timed(summary="x"))
    assert error_of(replaced) == (400, "invalid")


def test_hidden_guests_are_omitted_and_kept_on_a_write(emulator, ann, bob):
    GoogleApi(emulator, CAROL)
    event = ann.insert(
        timed(
            attendees=[{"email": BOB}, {"email": CAROL}, {"email": DAN}],
            guestsCanSeeOtherGuests=False,
        )
    )
    mine = bob("GET", "/calendars/primary/events").json()["items"][0]
    assert mine["attendeesOmitted"] is True
    assert [a["email"] for a in mine["attendees"]] == [BOB]

    # sending the partial list as the whole list would drop the others: Google refuses it
    dropped = patch(bob, mine, {"attendees": [{"email": BOB, "responseStatus": "accepted"}]})
    assert error_of(dropped) == (403, "forbiddenForNonOrganizer")
    answered = patch(
        bob,
        mine,
        {"attendeesOmitted": True, "attendees": [{"email": BOB, "responseStatus": "accepted"}]},
    )
    assert answered.status_code == 200, answered.text

    seen = ann("GET", f"/calendars/primary/events/{event['id']}").json()
    assert {a["email"]: a["responseStatus"] for a in seen["attendees"]} == {
        BOB: "accepted",
        CAROL: "needsAction",
        DAN: "needsAction",
    }
    few = ann("GET", f"/calendars/primary/events/{event['id']}", params={"maxAttendees": 1})
    assert few.json()["attendeesOmitted"] is True
