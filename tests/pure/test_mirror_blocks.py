"""What a source event becomes as a mirrored block, per privacy level, and how the mappers
write and read the mark (services/mirror.py, the Google and Graph mappers)."""

from datetime import UTC, date, datetime

import pytest

from services.google.mapper import to_body as google_body
from services.google.mapper import to_remote as google_remote
from services.microsoft.mapper import to_body as graph_body
from services.microsoft.mapper import to_remote as graph_remote
from services.mirror import (
    GRAPH_MARK_ID,
    MARK_KEY,
    block_event,
    block_hash,
    mark,
    parse_mark,
    transaction_id,
)
from services.neutral import Attendee, NeutralEvent

SOURCE = NeutralEvent(
    title="Salary review",
    start=datetime(2030, 1, 7, 9, tzinfo=UTC),
    end=datetime(2030, 1, 7, 10, tzinfo=UTC),
    all_day=False,
    timezone="Europe/Brussels",
    description="Numbers",
    location="HR office",
    attendees=(Attendee("bob@example.com"),),
    online_meeting_provider="teams",
    online_meeting_url="https://teams.example/x",
)


@pytest.mark.parametrize(
    "privacy, title, description, location",
    [
        ("busy", "Busy", "", ""),
        ("title", "Salary review", "", ""),
        ("full", "Salary review", "Numbers", "HR office"),
    ],
)
def test_a_block_shows_only_what_its_level_lets_out(privacy, title, description, location):
    block = block_event(SOURCE, privacy)
    assert (block.title, block.description, block.location) == (title, description, location)
    assert (block.start, block.end, block.timezone) == (SOURCE.start, SOURCE.end, SOURCE.timezone)
    assert (block.privacy, block.show_as) == ("private", "busy")
    assert block.attendees == () and block.online_meeting_provider == "none"
    assert not block.online_meeting_url


def test_all_day_stays_all_day():
    source = NeutralEvent("Trip", date(2030, 1, 7), date(2030, 1, 9), True, "UTC")
    block = block_event(source, "busy")
    assert (block.all_day, block.start, block.end) == (True, date(2030, 1, 7), date(2030, 1, 9))


def test_the_hash_changes_with_the_level_and_the_mark():
    one = mark("db", 1, "event-3")
    assert parse_mark(one) == ("db", 1, "event-3")
    assert parse_mark("someone else's") is None
    busy = block_hash(block_event(SOURCE, "busy"), one)
    assert busy == block_hash(block_event(SOURCE, "busy"), one)
    assert busy != block_hash(block_event(SOURCE, "title"), one)
    assert busy != block_hash(block_event(SOURCE, "busy"), mark("db", 2, "event-3"))


def test_google_writes_and_reads_the_mark():
    body = google_body(block_event(SOURCE, "busy"), mark="db:1:event-3")
    assert body["extendedProperties"] == {"private": {MARK_KEY: "db:1:event-3"}}
    assert body["attendees"] == [] and "conferenceData" not in body
    assert body["reminders"] == {"useDefault": False, "overrides": []}
    item = {"id": "abc", **body, "start": {"dateTime": "2030-01-07T10:00:00+01:00"}}
    item["end"] = {"dateTime": "2030-01-07T11:00:00+01:00"}
    assert google_remote(item, "ann@example.com").mirror_mark == "db:1:event-3"
    assert "extendedProperties" not in google_body(SOURCE)


def test_graph_writes_the_mark_and_reads_it_from_either_place():
    body = graph_body(block_event(SOURCE, "busy"), mark="db:1:event-3")
    assert body["singleValueExtendedProperties"] == [{"id": GRAPH_MARK_ID, "value": "db:1:event-3"}]
    assert body["isReminderOn"] is False and body["attendees"] == []
    item = {
        "id": "AAMk1",
        "subject": "Busy",
        "start": {"dateTime": "2030-01-07T09:00:00", "timeZone": "UTC"},
        "end": {"dateTime": "2030-01-07T10:00:00", "timeZone": "UTC"},
    }
    assert graph_remote(item, "ann@example.com").mirror_mark == ""
    expanded = {**item, "singleValueExtendedProperties": body["singleValueExtendedProperties"]}
    assert graph_remote(expanded, "ann@example.com").mirror_mark == "db:1:event-3"
    # Graph's delta cannot expand extended properties: the block's transactionId says it
    in_delta = {**item, "transactionId": transaction_id("db:1:event-3:0")}
    assert graph_remote(in_delta, "ann@example.com").mirror_mark
    assert not graph_remote({**item, "transactionId": "abc"}, "ann@example.com").mirror_mark
    assert "singleValueExtendedProperties" not in graph_body(SOURCE)
