"""services.google.mapper: Google event resources <-> neutral events, and the round trip
through the emulator (what Google stores and answers maps back to the same sync hash)."""

import dataclasses
import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from emulator.google import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from services.google.client import GoogleCalendarClient, Operation, event_id_for
from services.google.mapper import to_body, to_remote
from services.neutral import Attendee, NeutralEvent, sync_hash

ANN = "ann@example.com"


def resource(**extra):
    item = {
        "kind": "calendar#event",
        "etag": '"42"',
        "id": "evt00001",
        "status": "confirmed",
        "iCalUID": "evt00001@google.com",
        "summary": "Sprint review",
        "start": {"dateTime": "2024-03-30T10:00:00+01:00", "timeZone": "Europe/Brussels"},
        "end": {"dateTime": "2024-03-30T11:00:00+01:00", "timeZone": "Europe/Brussels"},
        "organizer": {"email": ANN, "self": True},
    }
    item.update(extra)
    return item


def neutral(**overrides):
    values = {
        "title": "Planning",
        "start": datetime(2024, 7, 1, 7, 30, tzinfo=UTC),
        "end": datetime(2024, 7, 1, 8, 45, tzinfo=UTC),
        "all_day": False,
        "timezone": "Europe/Brussels",
        "organizer_email": ANN,
    }
    values.update(overrides)
    return NeutralEvent(**values)


def test_timed_event_becomes_utc_with_its_own_zone_label():
    remote = to_remote(resource(description="Agenda", location="Room 4"), ANN)
    event = remote.event
    assert event.start == datetime(2024, 3, 30, 9, 0, tzinfo=UTC)
    assert event.end == datetime(2024, 3, 30, 10, 0, tzinfo=UTC)
    assert event.timezone == "Europe/Brussels" and not event.all_day
    assert [event.title, event.description, event.location] == ["Sprint review", "Agenda", "Room 4"]
    assert [remote.external_id, remote.etag] == ["evt00001", '"42"']
    assert remote.ical_uid == event.ical_uid == "evt00001@google.com"
    assert remote.is_organizer and not remote.deleted and not remote.meeting_pending


def test_missing_time_zone_falls_back_to_the_other_end_then_the_calendar_then_utc():
    only_end = resource(
        start={"dateTime": "2024-01-05T09:00:00-05:00"},
        end={"dateTime": "2024-01-05T10:00:00-05:00", "timeZone": "America/New_York"},
    )
    assert to_remote(only_end, ANN).event.timezone == "America/New_York"
    bare = resource(
        start={"dateTime": "2024-01-05T14:00:00Z"}, end={"dateTime": "2024-01-05T15:00:00Z"}
    )
    assert to_remote(bare, ANN, "Asia/Tokyo").event.timezone == "Asia/Tokyo"
    assert to_remote(bare, ANN).event.timezone == "UTC"
    assert to_remote(bare, ANN, "Not/AZone").event.timezone == "UTC"
    assert to_remote(bare, ANN).event.start == datetime(2024, 1, 5, 14, 0, tzinfo=UTC)


def test_all_day_event_keeps_dates_with_exclusive_end():
    event = to_remote(
        resource(start={"date": "2024-10-26"}, end={"date": "2024-10-28"}), ANN, "Europe/Paris"
    ).event
    assert event.all_day
    assert (event.start, event.end) == (date(2024, 10, 26), date(2024, 10, 28))
    assert event.timezone == "Europe/Paris"


def test_cancelled_occurrence_is_deleted_but_says_which_occurrence():
    remote = to_remote(
        {
            "kind": "calendar#event",
            "etag": '"7"',
            "id": "series01_20240324T080000Z",
            "status": "cancelled",
            "recurringEventId": "series01",
            "originalStartTime": {
                "dateTime": "2024-03-24T09:00:00+01:00",
                "timeZone": "Europe/Brussels",
            },
        },
        ANN,
    )
    assert remote.deleted and remote.event is None
    assert remote.recurring_external_id == "series01"
    assert remote.original_start == datetime(2024, 3, 24, 8, 0, tzinfo=UTC)


def test_moved_occurrence_and_series_lines():
    series = to_remote(
        resource(recurrence=["RRULE:FREQ=WEEKLY;COUNT=4", "EXDATE:20240406T090000Z"]), ANN
    )
    assert series.event.recurrence == ("EXDATE:20240406T090000Z", "RRULE:FREQ=WEEKLY;COUNT=4")
    moved = to_remote(
        resource(
            id="evt00001_20240413",
            recurringEventId="evt00001",
            originalStartTime={"date": "2024-04-13"},
            start={"date": "2024-04-14"},
            end={"date": "2024-04-15"},
        ),
        ANN,
    )
    assert moved.recurring_external_id == "evt00001"
    assert moved.original_start == date(2024, 4, 13)
    assert moved.event.start == date(2024, 4, 14) and moved.event.recurrence == ()


def test_attendees_responses_and_rooms():
    remote = to_remote(
        resource(
            attendees=[
                {"email": ANN, "responseStatus": "accepted", "organizer": True, "self": True},
                {"email": "Bob@Example.com", "displayName": "Bob", "responseStatus": "declined"},
                {"email": "cy@example.com", "responseStatus": "tentative", "optional": True},
                {"email": "dee@example.com", "responseStatus": "needsAction"},
                {
                    "email": "c_room4@resource.calendar.google.com",
                    "displayName": "Room 4",
                    "resource": True,
                    "responseStatus": "accepted",
                },
            ]
        ),
        ANN,
    )
    assert remote.event.attendees == (
        Attendee(ANN, "", "accepted", organizer=True),
        Attendee("bob@example.com", "Bob", "declined"),
        Attendee("cy@example.com", "", "tentative", optional=True),
        Attendee("dee@example.com", "", "needs_action"),
    )
    assert remote.self_response == "accepted"
    assert remote.event.organizer_email == ANN


def test_invitation_on_an_attendees_calendar_is_not_organized_by_the_account():
    invitation = resource(
        organizer={"email": "Boss@Example.com"},
        attendees=[
            {"email": "boss@example.com", "responseStatus": "accepted", "organizer": True},
            {"email": ANN, "responseStatus": "tentative", "self": True},
        ],
    )
    remote = to_remote(invitation, ANN)
    assert not remote.is_organizer
    assert remote.self_response == "tentative"
    assert remote.event.organizer_email == "boss@example.com"


def test_organizer_by_email_when_google_omits_self():
    remote = to_remote(resource(organizer={"email": "ANN@example.com"}), ANN)
    assert remote.is_organizer
    assert to_remote(resource(organizer={"email": ANN}), "bob@example.com").is_organizer is False


@pytest.mark.parametrize(
    ("google", "show_as", "privacy", "status"),
    [
        ({}, "busy", "default", "confirmed"),
        ({"transparency": "transparent", "visibility": "public"}, "free", "public", "confirmed"),
        ({"visibility": "private", "status": "tentative"}, "busy", "private", "tentative"),
        ({"visibility": "confidential", "transparency": "opaque"}, "busy", "private", "confirmed"),
    ],
)
def test_free_busy_privacy_and_status(google, show_as, privacy, status):
    event = to_remote(resource(**google), ANN).event
    assert (event.show_as, event.privacy, event.status) == (show_as, privacy, status)


def test_meet_conference_link_and_pending_request():
    done = to_remote(
        resource(
            location="Room 4",
            conferenceData={
                "entryPoints": [
                    {"entryPointType": "phone", "uri": "tel:+1-555-0100"},
                    {"entryPointType": "video", "uri": "https://meet.google.com/abc-defg-hij"},
                ],
                "conferenceSolution": {"key": {"type": "hangoutsMeet"}},
            },
        ),
        ANN,
    )
    assert done.event.online_meeting_provider == "google_meet"
    assert done.event.online_meeting_url == "https://meet.google.com/abc-defg-hij"
    assert done.event.location == "Room 4" and not done.meeting_pending
    legacy = to_remote(resource(hangoutLink="https://meet.google.com/xyz-abcd-efg"), ANN)
    assert legacy.event.online_meeting_url == "https://meet.google.com/xyz-abcd-efg"
    pending = to_remote(
        resource(
            conferenceData={
                "createRequest": {
                    "requestId": "r1",
                    "conferenceSolutionKey": {"type": "hangoutsMeet"},
                    "status": {"statusCode": "pending"},
                }
            }
        ),
        ANN,
    )
    assert pending.meeting_pending
    assert pending.event.online_meeting_provider == "google_meet"
    assert pending.event.online_meeting_url == ""


def test_other_conferences_and_typed_links_stay_as_they_are():
    remote = to_remote(
        resource(
            location="https://zoom.us/j/123",
            conferenceData={
                "entryPoints": [{"entryPointType": "video", "uri": "https://zoom.us/j/123"}],
                "conferenceSolution": {"key": {"type": "addOn"}},
            },
        ),
        ANN,
    )
    assert remote.event.online_meeting_provider == "none"
    assert remote.event.online_meeting_url == ""
    assert remote.event.location == "https://zoom.us/j/123"


def test_body_sends_the_events_own_zone_label_and_offset():
    body = to_body(neutral())
    assert body["start"] == {
        "date": None,
        "dateTime": "2024-07-01T09:30:00+02:00",
        "timeZone": "Europe/Brussels",
    }
    assert body["end"]["dateTime"] == "2024-07-01T10:45:00+02:00"
    assert "recurrence" not in body and "conferenceData" not in body
    assert (body["visibility"], body["transparency"], body["status"]) == (
        "default",
        "opaque",
        "confirmed",
    )


def test_body_of_an_all_day_event_has_dates_only():
    body = to_body(
        neutral(all_day=True, start=date(2024, 12, 24), end=date(2024, 12, 26), show_as="free")
    )
    assert body["start"]["date"] == "2024-12-24" and body["start"]["dateTime"] is None
    assert body["end"]["date"] == "2024-12-26"
    assert body["transparency"] == "transparent"


def test_body_attendees_without_organizer_flag_and_names_only_when_known():
    body = to_body(
        neutral(
            attendees=(
                Attendee(ANN, organizer=True, response="accepted"),
                Attendee("bob@example.com", "Bob", "declined", optional=True),
            ),
            recurrence=("RRULE:FREQ=DAILY;COUNT=3",),
            privacy="private",
        )
    )
    bob = {"email": "bob@example.com", "responseStatus": "declined"}
    assert body["attendees"] == [
        {"email": ANN, "responseStatus": "accepted"},
        {**bob, "displayName": "Bob", "optional": True},
    ]
    assert body["recurrence"] == ["RRULE:FREQ=DAILY;COUNT=3"]
    assert body["visibility"] == "private"


def test_meet_request_only_when_wanted_and_not_there_yet():
    first = to_body(neutral(), want_meeting=True)["conferenceData"]["createRequest"]
    second = to_body(neutral(), want_meeting=True)["conferenceData"]["createRequest"]
    assert first["conferenceSolutionKey"] == {"type": "hangoutsMeet"}
    assert first["requestId"] != second["requestId"]
    existing = neutral(
        online_meeting_provider="google_meet",
        online_meeting_url="https://meet.google.com/abc-defg-hij",
    )
    assert "conferenceData" not in to_body(existing, want_meeting=True)
    assert "conferenceData" not in to_body(neutral())


def test_a_removed_meet_is_sent_as_null_conference_data_with_version_1():
    body = to_body(neutral(), drop_meeting=True)
    assert "conferenceData" in body and body["conferenceData"] is None
    _body, version = GoogleCalendarClient._meet_body(body, False)
    assert version == 1, "Google ignores conferenceData without conferenceDataVersion=1"
    # a typed event's conference is not Odoo's to change; a wanted Meet wins
    assert "conferenceData" not in to_body(neutral(event_type="focus_time"), drop_meeting=True)
    assert to_body(neutral(), want_meeting=True, drop_meeting=True)["conferenceData"]


ZONES = (
    "UTC Europe/Brussels America/New_York America/Sao_Paulo Asia/Kolkata"
    " Australia/Lord_Howe Pacific/Chatham"
).split()
# days around DST changes in Europe, the US and Australia
DST_DAYS = [date(2024, m, d) for m, d in ((3, 10), (3, 31), (4, 7), (10, 6), (10, 27), (11, 3))]
GUESTS = ("bob@example.com", "cy@example.org", "dee@example.net", "eve@example.com")
RULES = (
    "RRULE:FREQ=WEEKLY;COUNT=6",
    "RRULE:FREQ=DAILY;INTERVAL=2;UNTIL=20250101T000000Z",
    "RRULE:FREQ=MONTHLY;BYMONTHDAY=15;COUNT=3",
)


def random_event(rng):
    zone = rng.choice(ZONES)
    day = rng.choice(DST_DAYS) + timedelta(days=rng.choice((-1, 0, 0, 1, 30)))
    all_day = rng.random() < 0.3
    if all_day:
        start, end = day, day + timedelta(days=rng.randint(1, 4))
    else:
        local = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(zone)) + timedelta(
            minutes=rng.randrange(0, 24 * 60, 15)
        )
        start = local.astimezone(UTC)
        end = start + timedelta(minutes=rng.choice((0, 30, 60, 150, 24 * 60)))
    attendees = [
        Attendee(
            email,
            name=rng.choice(("", email.split("@")[0].title(), "Zoë Ñandú")),
            response=rng.choice(("needs_action", "accepted", "declined", "tentative")),
            optional=rng.random() < 0.3,
        )
        for email in rng.sample(GUESTS, rng.randint(0, len(GUESTS)))
    ]
    if attendees and rng.random() < 0.7:
        attendees.append(Attendee(ANN, response="accepted", organizer=True))
    recurrence = ()
    if rng.random() < 0.4:
        recurrence = (rng.choice(RULES),)
        if rng.random() < 0.5:
            recurrence += (
                f"EXDATE;VALUE=DATE:{day:%Y%m%d}"
                if all_day
                else f"EXDATE:{(start + timedelta(days=14)):%Y%m%dT%H%M%SZ}",
            )
    wants_meet = rng.random() < 0.2
    event = NeutralEvent(
        title=rng.choice(("Standup", "Offsite 🌍", "", "Review\twith tab")),
        start=start,
        end=end,
        all_day=all_day,
        timezone=zone,
        description=rng.choice(("", "Line one\nLine two", "<b>html</b> from Google")),
        location=rng.choice(("", "Room 4", "https://zoom.us/j/123")),
        attendees=tuple(attendees),
        organizer_email=ANN,
        recurrence=recurrence,
        status=rng.choice(("confirmed", "tentative")),
        show_as=rng.choice(("busy", "free")),
        privacy=rng.choice(("default", "public", "private")),
        online_meeting_provider="google_meet" if wants_meet else "none",
    )
    return event, wants_meet


@pytest.fixture
def client(emulator):
    return GoogleCalendarClient(
        api_uri=emulator.url("google"),
        token_uri=emulator.url("google", "/token"),
        client_id=DEMO_CLIENT_ID,
        client_secret=DEMO_CLIENT_SECRET,
        refresh_token=emulator.providers["google"].grant(ANN)["refresh_token"],
        timeout=10,
    )


def test_round_trip_through_google_keeps_the_sync_hash(emulator, client):
    rng = random.Random(20240331)
    generated = [random_event(rng) for _ in range(120)]
    operations = [
        Operation(
            "insert",
            "primary",
            body={**to_body(event, want_meeting=meet), "id": event_id_for("rt", n)},
        )
        for n, (event, meet) in enumerate(generated)
    ]
    answers = client.batch(operations)
    assert all(isinstance(answer, dict) for answer in answers), answers
    for (event, meet), answer in zip(generated, answers, strict=True):
        remote = to_remote(answer, ANN)
        assert sync_hash(remote.event) == sync_hash(event), (event, answer)
        assert remote.meeting_pending is meet
    stored = {e["id"]: e for e in emulator.providers["google"].events_of(ANN)}
    for n, (event, _meet) in enumerate(generated):
        assert sync_hash(to_remote(stored[event_id_for("rt", n)], ANN).event) == sync_hash(event)


def test_patch_round_trip_switches_timed_and_all_day(client):
    rng = random.Random(7)
    for n in range(40):
        first, first_meet = random_event(rng)
        second, second_meet = random_event(rng)
        # a patch keeps what it does not send: recurrence lines and an existing conference
        second = dataclasses.replace(
            second,
            recurrence=first.recurrence,
            online_meeting_provider="google_meet" if first_meet or second_meet else "none",
        )
        created = client.insert_event(
            "primary", {**to_body(first, first_meet), "id": event_id_for("p", n)}
        )
        patched = client.patch_event(
            "primary",
            created["id"],
            to_body(second, want_meeting=second_meet and not first_meet),
            etag=created["etag"],
        )
        assert sync_hash(to_remote(patched, ANN).event) == sync_hash(second), (second, patched)


def _typed(event_type, **extra):
    return {
        "id": "t1",
        "etag": '"1"',
        "summary": "Away",
        "start": {"dateTime": "2024-05-06T09:00:00Z", "timeZone": "UTC"},
        "end": {"dateTime": "2024-05-06T17:00:00Z", "timeZone": "UTC"},
        "organizer": {"email": "ann@example.com", "self": True},
        "eventType": event_type,
        **extra,
    }


def test_event_types_are_read_with_their_meaning():
    away = to_remote(_typed("outOfOffice", transparency="transparent"), "ann@example.com").event
    assert (away.event_type, away.show_as) == ("out_of_office", "busy")
    where = to_remote(
        _typed("workingLocation", attendees=[{"email": "bob@example.com"}]), "ann@example.com"
    ).event
    assert (where.event_type, where.show_as, where.attendees) == ("working_location", "free", ())
    assert to_remote(_typed("birthday"), "ann@example.com").event.show_as == "free"


def test_a_typed_event_is_sent_with_what_google_lets_change_only():
    away = to_remote(_typed("outOfOffice"), "ann@example.com").event
    body = to_body(away, want_meeting=True)
    assert body["eventType"] == "outOfOffice"
    assert set(body) == {"eventType", "summary", "description", "start", "end", "status"}
    gmail = to_remote(_typed("fromGmail"), "ann@example.com").event
    assert set(to_body(gmail)) == {"eventType", "transparency", "visibility"}


def test_omitted_guests_are_kept_by_google():
    item = _typed("default", attendeesOmitted=True, attendees=[{"email": "ann@example.com"}])
    event = to_remote(item, "ann@example.com").event
    assert event.attendees_omitted
    assert to_body(event)["attendeesOmitted"] is True
