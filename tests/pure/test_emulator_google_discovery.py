"""The Google emulator judges request bodies by Google's discovery document of Calendar v3
(the one google-api-python-client ships), not by a list of our own."""

import json
from pathlib import Path

import googleapiclient
import pytest
from google_api import GoogleApi

DOCUMENT = json.loads(
    (
        Path(googleapiclient.__file__).parent / "discovery_cache/documents/calendar.v3.json"
    ).read_text()
)


def timed(**extra):
    return {
        "summary": "Planning",
        "start": {"dateTime": "2024-05-06T09:00:00+02:00", "timeZone": "Europe/Brussels"},
        "end": {"dateTime": "2024-05-06T10:00:00+02:00", "timeZone": "Europe/Brussels"},
        **extra,
    }


@pytest.fixture
def api(emulator):
    return GoogleApi(emulator, "ann@example.com")


def error_of(response):
    error = response.json()["error"]
    return error["code"], error["errors"][0]["reason"]


@pytest.mark.parametrize(
    "body",
    [
        # enums the document lists under "Possible values are"
        timed(birthdayProperties={"type": "wedding"}),
        timed(workingLocationProperties={"type": "beach"}),
        timed(gadget={"display": "banner"}),
        timed(attendees=[{"email": "bob@example.com", "responseStatus": "maybe"}]),
        # and under "Valid values are ..., meaning"
        timed(outOfOfficeProperties={"autoDeclineMode": "declineSome"}),
        # names and types inside nested objects
        timed(source={"url": ["https://example.com"]}),
        timed(source={"href": "https://example.com"}),
        timed(extendedProperties={"private": {"odoo": {"id": 1}}}),
        timed(attendees=[{"email": "bob@example.com", "additionalGuests": "2"}]),
        timed(reminders={"overrides": [{"method": "popup", "minutes": 10, "when": "now"}]}),
        timed(focusTimeProperties={"declineMessage": ["busy"]}),
        # formats: int32 and RFC 3339
        timed(sequence=2**31),
        timed(originalStartTime={"dateTime": "next tuesday"}),
        timed(start={"date": "2024-02-30"}, end={"date": "2024-03-01"}),
    ],
)
def test_bodies_the_discovery_document_refuses_are_400(api, body):
    response = api("POST", "/calendars/primary/events", json=body)
    assert error_of(response) == (400, "invalid"), response.text
    assert api("GET", "/calendars/primary/events").json()["items"] == []


def test_a_number_where_a_string_is_expected_is_taken_as_its_text(api):
    # Odoo's own google_calendar sends its record id as a number in extendedProperties, and
    # Google takes it (every event that module pushes carries one)
    event = api.insert(timed(extendedProperties={"shared": {"db_odoo_id": 204}}))
    assert event["extendedProperties"]["shared"]["db_odoo_id"] in (204, "204")


def test_every_event_property_of_the_document_is_a_known_name(api):
    names = set(DOCUMENT["schemas"]["Event"]["properties"])
    body = timed(
        **{
            name: None
            for name in names - {"start", "end", "summary", "id", "iCalUID", "recurrence"}
        }
    )
    response = api("POST", "/calendars/primary/events", json=body)
    assert response.status_code == 200, response.text


def test_a_full_out_of_office_body_from_the_document_is_accepted(api):
    event = api.insert(
        timed(
            eventType="outOfOffice",
            transparency="opaque",
            outOfOfficeProperties={
                "autoDeclineMode": "declineOnlyNewConflictingInvitations",
                "declineMessage": "Away",
            },
            extendedProperties={"private": {"odoo": "1"}},
            source={"url": "https://odoo.example.com", "title": "Odoo"},
        )
    )
    assert (
        api.insert(
            timed(attendees=[{"email": "bob@example.com", "additionalGuests": 1, "optional": True}])
        )["attendees"][0]["additionalGuests"]
        == 1
    )
    assert event["outOfOfficeProperties"]["autoDeclineMode"] == (
        "declineOnlyNewConflictingInvitations"
    )


@pytest.mark.parametrize(
    "extra",
    [
        {"params": {"ttl": ["3600"]}},  # params are strings
        {"expiration": "next year"},  # int64, as a string or a number
        {"payload": "yes"},
        {"callback": "https://example.com"},
    ],
)
def test_watch_channels_are_judged_by_the_document(api, extra):
    body = {"id": "chan-1", "type": "web_hook", "address": "https://example.com/hook", **extra}
    response = api("POST", "/calendars/primary/events/watch", json=body)
    assert error_of(response) == (400, "invalid"), response.text
