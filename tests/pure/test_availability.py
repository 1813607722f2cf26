"""services.availability: free slots from working windows and busy time."""

from datetime import datetime, timedelta

import pytest

from services.availability import free_slots, intersected, merged, parse_utc

MIN = timedelta(minutes=1)


def at(hour, minute=0, day=3):
    return datetime(2024, 6, day, hour, minute)


def test_merged_and_intersected():
    assert merged([(at(10), at(11)), (at(9), at(10)), (at(12), at(12))]) == [(at(9), at(11))]
    assert intersected([(at(8), at(12)), (at(13), at(17))], [(at(11), at(14))]) == [
        (at(11), at(12)),
        (at(13), at(14)),
    ]


def test_slots_avoid_busy_time_with_buffers_on_the_grid():
    slots = free_slots(
        [(at(9), at(12))], [(at(10), at(10, 30))], 30 * MIN, 15 * MIN, buffer=15 * MIN
    )
    starts = [s.strftime("%H:%M") for s, _e in slots]
    assert starts == ["09:00", "09:15", "10:45", "11:00", "11:15", "11:30"]


def test_minimum_notice_and_the_callers_midnight_shape_the_grid():
    # Kolkata is UTC+5:30: its quarter hours fall on :00/:15/:30/:45 UTC as well, but a
    # 60-minute step counts from local midnight, i.e. on the half hour in UTC
    slots = free_slots([(at(9), at(12))], [], 60 * MIN, 60 * MIN, zone="Asia/Kolkata")
    assert [s.strftime("%H:%M") for s, _e in slots] == ["09:30", "10:30"]
    slots = free_slots([(at(9), at(12))], [], 30 * MIN, 30 * MIN, earliest=at(10, 5))
    assert [s.strftime("%H:%M") for s, _e in slots] == ["10:30", "11:00", "11:30"]


def test_parse_utc_takes_odoos_format_only():
    assert parse_utc("2024-06-03 09:00:00") == at(9)
    for bad in ("2024-06-03T09:00:00Z", "tomorrow", None, 3):
        with pytest.raises(ValueError):
            parse_utc(bad)
