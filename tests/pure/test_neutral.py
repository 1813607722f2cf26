"""The neutral event: validation, time handling, snapshots and the sync hash."""

import dataclasses
import json
import random
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from services.neutral import (
    SYNCED_FIELDS,
    Attendee,
    NeutralEvent,
    changed_fields,
    from_snapshot,
    sync_hash,
    to_snapshot,
)

BRUSSELS = ZoneInfo("Europe/Brussels")


def timed(**overrides):
    values = {
        "title": "Sprint review",
        "start": datetime(2024, 3, 30, 10, 0, tzinfo=BRUSSELS),
        "end": datetime(2024, 3, 30, 11, 0, tzinfo=BRUSSELS),
        "all_day": False,
        "timezone": "Europe/Brussels",
        "description": "Agenda:\n- demo\n- retro",
        "location": "Room 4",
        "attendees": (
            Attendee("bob@example.com", "Bob", "accepted"),
            Attendee("Alice@Example.com", "Alice", "needs_action", organizer=True),
        ),
        "organizer_email": "alice@example.com",
        "recurrence": ("RRULE:FREQ=WEEKLY;BYDAY=SA;COUNT=4",),
    }
    values.update(overrides)
    return NeutralEvent(**values)


def all_day(**overrides):
    values = {
        "title": "Offsite",
        "start": date(2024, 10, 26),
        "end": date(2024, 10, 28),
        "all_day": True,
        "timezone": "Europe/Brussels",
    }
    values.update(overrides)
    return NeutralEvent(**values)


def test_timed_event_is_stored_in_utc():
    event = timed()
    assert event.start == datetime(2024, 3, 30, 9, 0, tzinfo=UTC)
    assert event.start.tzinfo is UTC and event.end.tzinfo is UTC
    assert event.timezone == "Europe/Brussels", "the label is kept, never a fixed offset"


def test_dst_crossing_keeps_the_real_duration():
    # Brussels springs forward at 02:00 on 2024-03-31: 01:30 -> 03:30 local is one hour.
    event = timed(
        start=datetime(2024, 3, 31, 1, 30, tzinfo=BRUSSELS),
        end=datetime(2024, 3, 31, 3, 30, tzinfo=BRUSSELS),
    )
    assert event.end - event.start == timedelta(hours=1)
    assert event.start.isoformat() == "2024-03-31T00:30:00+00:00"


def test_same_wall_clock_on_both_sides_of_dst_differs_in_utc():
    before = timed(
        start=datetime(2024, 10, 26, 9, tzinfo=BRUSSELS),
        end=datetime(2024, 10, 26, 10, tzinfo=BRUSSELS),
    )
    after = timed(
        start=datetime(2024, 10, 28, 9, tzinfo=BRUSSELS),
        end=datetime(2024, 10, 28, 10, tzinfo=BRUSSELS),
    )
    assert (before.start.hour, after.start.hour) == (7, 8)


def test_equal_instants_in_other_zones_are_the_same_event():
    a = timed()
    b = timed(
        start=datetime(2024, 3, 30, 5, 0, tzinfo=timezone(timedelta(hours=-4))),
        end=datetime(2024, 3, 30, 10, 0, tzinfo=UTC),
    )
    assert a == b
    assert sync_hash(a) == sync_hash(b)


def test_all_day_uses_dates_with_exclusive_end():
    event = all_day(start=date(2024, 12, 25), end=date(2024, 12, 26))
    assert event.end - event.start == timedelta(days=1)
    with pytest.raises(ValueError, match="exclusive"):
        all_day(start=date(2024, 12, 25), end=date(2024, 12, 25))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"start": datetime(2024, 1, 1, tzinfo=UTC), "end": date(2024, 1, 2)}, "must be a date"),
        ({"start": date(2024, 1, 3), "end": date(2024, 1, 2)}, "after start"),
    ],
)
def test_all_day_validation(overrides, message):
    with pytest.raises(ValueError, match=message):
        all_day(**overrides)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"start": datetime(2024, 1, 1, 10), "end": datetime(2024, 1, 1, 11)}, "timezone-aware"),
        ({"start": date(2024, 1, 1)}, "must be a datetime"),
        (
            {
                "start": datetime(2024, 1, 1, 11, tzinfo=UTC),
                "end": datetime(2024, 1, 1, 10, tzinfo=UTC),
            },
            "before start",
        ),
        ({"timezone": "Mars/Olympus"}, "IANA"),
        ({"timezone": ""}, "IANA"),
        ({"timezone": "../../etc/passwd"}, "IANA"),
        ({"status": "deleted"}, "status"),
        ({"show_as": "oof"}, "show_as"),
        ({"privacy": "secret"}, "privacy"),
        ({"online_meeting_provider": "zoom"}, "online_meeting_provider"),
        ({"recurrence": ("DTSTART:20240101T100000Z",)}, "RRULE"),
        ({"recurrence": "RRULE:FREQ=DAILY"}, "sequence"),
        ({"attendees": ("bob@example.com",)}, "Attendee"),
        ({"title": None}, "title"),
    ],
)
def test_timed_validation(overrides, message):
    with pytest.raises(ValueError, match=message):
        timed(**overrides)


def test_zero_length_timed_event_is_allowed():
    at = datetime(2024, 1, 1, 10, tzinfo=UTC)
    assert timed(start=at, end=at).end == at


def test_attendee_validation_and_normalisation():
    assert Attendee(" Bob@Example.COM ").email == "bob@example.com"
    with pytest.raises(ValueError, match="response"):
        Attendee("bob@example.com", response="maybe")
    with pytest.raises(ValueError, match="empty"):
        Attendee("  ")


def test_attendees_sorted_and_deduplicated_by_email():
    event = timed(
        attendees=(
            Attendee("zed@example.com"),
            Attendee("BOB@example.com", "Bob", "accepted"),
            Attendee("bob@example.com", "Robert", "declined"),
        ),
        organizer_email="Alice@EXAMPLE.com ",
    )
    assert [a.email for a in event.attendees] == ["bob@example.com", "zed@example.com"]
    assert event.attendee("BOB@example.com").name == "Bob", "the first entry for a mailbox wins"
    assert event.attendee("nobody@example.com") is None
    assert event.organizer_email == "alice@example.com"


def test_recurrence_order_and_blank_lines_do_not_matter():
    a = timed(recurrence=("RRULE:FREQ=DAILY;COUNT=5", "EXDATE:20240331T090000Z", " "))
    b = timed(recurrence=(" EXDATE:20240331T090000Z", "RRULE:FREQ=DAILY;COUNT=5"))
    assert a == b and sync_hash(a) == sync_hash(b)
    assert a.recurrence == ("EXDATE:20240331T090000Z", "RRULE:FREQ=DAILY;COUNT=5")
    assert timed(recurrence=("EXDATE;TZID=Europe/Brussels:20240331T100000",)).recurrence
    lines = [f"EXDATE:202404{day:02d}T090000Z" for day in range(1, 30)] + ["RRULE:FREQ=DAILY"]
    assert timed(recurrence=tuple(reversed(lines))).recurrence == tuple(lines)


def test_synced_fields_exclude_provider_assigned_ones():
    names = {f.name for f in dataclasses.fields(NeutralEvent)}
    assert set(SYNCED_FIELDS) == names - {
        "ical_uid",
        "online_meeting_url",
        "event_type",
        "attendees_omitted",
    }


def test_an_event_type_is_not_a_change_and_survives_a_snapshot():
    typed = timed(event_type="out_of_office", attendees_omitted=True)
    assert sync_hash(typed) == sync_hash(timed())
    assert from_snapshot(to_snapshot(typed)) == typed
    with pytest.raises(ValueError, match="event_type"):
        timed(event_type="outOfOffice")


@pytest.mark.parametrize("make", [timed, all_day])
def test_snapshot_round_trips_through_json(make):
    event = make(ical_uid="abc@google.com", online_meeting_url="https://meet.example/x")
    snapshot = to_snapshot(event)
    restored = from_snapshot(json.loads(json.dumps(snapshot)))
    assert restored == event
    assert to_snapshot(restored) == snapshot


def test_snapshot_is_stable_and_sorted():
    a = timed(attendees=(Attendee("b@x.org"), Attendee("a@x.org")))
    b = timed(attendees=(Attendee("a@x.org"), Attendee("b@x.org")))
    assert json.dumps(to_snapshot(a)) == json.dumps(to_snapshot(b))
    assert [x["email"] for x in to_snapshot(a)["attendees"]] == ["a@x.org", "b@x.org"]
    assert to_snapshot(a)["start"] == "2024-03-30T09:00:00+00:00"
    assert to_snapshot(all_day())["start"] == "2024-10-26"


def test_from_snapshot_fills_defaults_ignores_unknown_and_rejects_broken():
    minimal = {
        "title": "x",
        "start": "2024-01-01",
        "end": "2024-01-02",
        "all_day": True,
        "timezone": "UTC",
        "added_by_a_later_version": 1,
    }
    event = from_snapshot(minimal)
    assert event.attendees == () and event.status == "confirmed"
    with pytest.raises(ValueError, match="lacks"):
        from_snapshot({"title": "x"})
    with pytest.raises(ValueError, match="timezone-aware"):
        from_snapshot({**minimal, "all_day": False, "start": "2024-01-01T10:00:00"})
    with pytest.raises(ValueError):
        from_snapshot({**minimal, "start": "2024-01-01T10:00:00+00:00"})


def test_hash_ignores_cosmetic_differences():
    base = timed()
    cosmetic = timed(
        title="  Sprint review ",
        description="Agenda:\r\n- demo\r\n- retro\n",
        attendees=(
            Attendee("ALICE@example.com", " Alice ", organizer=True),
            Attendee("Bob@Example.com", "Bob", "accepted"),
        ),
        organizer_email="ALICE@example.com",
    )
    assert sync_hash(base) == sync_hash(cosmetic)
    assert changed_fields(base, cosmetic) == set()


def test_hash_ignores_provider_assigned_fields():
    assert sync_hash(timed()) == sync_hash(timed(ical_uid="x", online_meeting_url="https://m/1"))


def test_hash_is_a_stable_sha256():
    digest = sync_hash(timed())
    assert len(digest) == 64 and int(digest, 16) >= 0
    assert digest == sync_hash(from_snapshot(to_snapshot(timed())))


def mutations():
    """One change per synced field, to show each one counts."""
    later = datetime(2024, 3, 30, 12, tzinfo=UTC)
    return {
        "title": {"title": "Sprint review (moved)"},
        "start": {"start": datetime(2024, 3, 30, 8, 30, tzinfo=UTC)},
        "end": {"end": later},
        "all_day": {"all_day": True, "start": date(2024, 3, 30), "end": date(2024, 3, 31)},
        "timezone": {"timezone": "America/New_York"},
        "description": {"description": "Agenda:\n- demo"},
        "location": {"location": "Room 5"},
        "attendees": {"attendees": (Attendee("bob@example.com", "Bob", "declined"),)},
        "organizer_email": {"organizer_email": "bob@example.com"},
        "recurrence": {"recurrence": ("RRULE:FREQ=WEEKLY;BYDAY=SA;COUNT=5",)},
        "status": {"status": "cancelled"},
        "show_as": {"show_as": "free"},
        "privacy": {"privacy": "private"},
        "online_meeting_provider": {"online_meeting_provider": "google_meet"},
    }


def test_every_synced_field_is_covered_by_the_mutations():
    assert set(mutations()) == set(SYNCED_FIELDS)


@pytest.mark.parametrize("name", sorted(mutations()))
def test_any_synced_difference_changes_the_hash(name):
    changes = mutations()[name]
    changed = timed(**changes)
    assert sync_hash(changed) != sync_hash(timed())
    assert name in changed_fields(timed(), changed)
    assert changed_fields(timed(), changed) <= set(changes) | {"start", "end"}


@pytest.mark.parametrize(
    "attendee",
    [
        Attendee("bob@example.com", "Bob", "accepted", optional=True),
        Attendee("bob@example.com", "Bob", "accepted", organizer=True),
        Attendee("bob@example.com", "Robert", "accepted"),
        Attendee("bob@example.com", "Bob", "tentative"),
    ],
)
def test_each_attendee_part_counts(attendee):
    base = timed(attendees=(Attendee("bob@example.com", "Bob", "accepted"),))
    assert changed_fields(base, timed(attendees=(attendee,))) == {"attendees"}


def test_random_combinations_of_changes_are_detected_exactly():
    rng = random.Random(11)
    names = sorted(mutations())
    for _ in range(200):
        picked = rng.sample(names, rng.randint(1, 4))
        if "all_day" in picked:
            picked = [n for n in picked if n not in ("start", "end")]
        changes = {}
        for name in picked:
            changes.update(mutations()[name])
        changed = timed(**changes)
        assert changed_fields(timed(), changed) == set(changes), picked
        assert sync_hash(changed) != sync_hash(timed())


def test_changed_fields_with_a_missing_side():
    assert changed_fields(None, timed()) == set(SYNCED_FIELDS)
    assert changed_fields(timed(), None) == set(SYNCED_FIELDS)
    assert changed_fields(None, None) == set()


def test_events_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        timed().title = "x"


def test_rrule_spelling_does_not_change_the_hash():
    from services.neutral import sync_hash

    start = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)
    a = NeutralEvent(
        title="Standup",
        start=start,
        end=start + timedelta(minutes=15),
        all_day=False,
        timezone="Europe/Brussels",
        recurrence=("RRULE:COUNT=5;BYDAY=MO,WE;FREQ=WEEKLY",),
    )
    b = NeutralEvent(
        title="Standup",
        start=start,
        end=start + timedelta(minutes=15),
        all_day=False,
        timezone="Europe/Brussels",
        recurrence=("RRULE:FREQ=WEEKLY;WKST=SU;INTERVAL=1;BYDAY=MO,WE;COUNT=5",),
    )
    assert a.recurrence == ("RRULE:FREQ=WEEKLY;BYDAY=MO,WE;COUNT=5",)
    assert sync_hash(a) == sync_hash(b)
    c = NeutralEvent(
        title="Standup",
        start=start,
        end=start + timedelta(minutes=15),
        all_day=False,
        timezone="Europe/Brussels",
        recurrence=("RRULE:FREQ=WEEKLY;BYDAY=MO,WE;COUNT=6",),
    )
    assert sync_hash(a) != sync_hash(c)
