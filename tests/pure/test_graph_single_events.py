"""An imported Outlook calendar's delta as single events: an occurrence takes the rest of its
fields from its series master, read once per series and only when the delta has none."""

from services.microsoft.mapper import to_remote
from services.microsoft.occurrences import single_events

MASTER = {
    "id": "AAM",
    "type": "seriesMaster",
    "subject": "Weekly sync",
    "iCalUId": "uid-1",
    "start": {"dateTime": "2030-05-06T09:00:00.0000000", "timeZone": "UTC"},
    "end": {"dateTime": "2030-05-06T10:00:00.0000000", "timeZone": "UTC"},
    "recurrence": {"pattern": {"type": "weekly"}, "range": {"type": "noEnd"}},
}


def occurrence(day):
    return {
        "id": f"AAO{day}",
        "type": "occurrence",
        "seriesMasterId": "AAM",
        "start": {"dateTime": f"2030-05-{day:02d}T09:00:00.0000000", "timeZone": "UTC"},
        "end": {"dateTime": f"2030-05-{day:02d}T10:00:00.0000000", "timeZone": "UTC"},
    }


def remote(item):
    return to_remote(item, "ann@example.com", "UTC")


def test_occurrences_take_their_master_s_fields_read_once():
    asked = []

    def read_masters(ids):
        asked.append(list(ids))
        return [MASTER for _ in ids]

    events = single_events([occurrence(6), occurrence(13)], remote, read_masters)
    assert asked == [["AAM"]]
    assert [e.event.title for e in events] == ["Weekly sync", "Weekly sync"]
    assert [e.external_id for e in events] == ["AAO6", "AAO13"]
    assert [e.event.start.day for e in events] == [6, 13]
    assert all(not e.event.recurrence for e in events)


def test_a_master_in_the_delta_is_not_read_and_not_an_event_itself():
    def read_masters(ids):
        assert not ids
        return []

    items = [MASTER, occurrence(6), {"id": "AAO13", "@removed": {"reason": "deleted"}}]
    events = single_events(items, remote, read_masters)
    assert [(e.external_id, e.deleted) for e in events] == [("AAO6", False), ("AAO13", True)]
