"""services.microsoft.recurrence: RRULE <-> Graph patternedRecurrence, and what each one means."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from dateutil import rrule

from services.microsoft.occurrences import exdates, occurrence_starts
from services.microsoft.recurrence import (
    UnsupportedRecurrence,
    to_pattern,
    to_rrule,
)

UTC = dt.UTC
PARIS = "Europe/Paris"


def paris(*args):
    return dt.datetime(*args, tzinfo=ZoneInfo(PARIS)).astimezone(UTC)


# a Monday 09:00 in Paris, the week before the spring DST change
MONDAY = paris(2024, 3, 25, 9, 0)
# (RRULE as the Odoo side writes it, start, zone, the Graph pattern, the Graph range type)
CANONICAL = [
    ("FREQ=DAILY", MONDAY, PARIS, {"type": "daily", "interval": 1}, {"type": "noEnd"}),
    (
        "FREQ=DAILY;COUNT=10;INTERVAL=3",
        MONDAY,
        PARIS,
        {"type": "daily", "interval": 3},
        {"type": "numbered", "numberOfOccurrences": 10},
    ),
    (
        "FREQ=WEEKLY;BYDAY=MO,WE,FR;UNTIL=20240630T215959Z",
        MONDAY,
        PARIS,
        {
            "type": "weekly",
            "interval": 1,
            "daysOfWeek": ["monday", "wednesday", "friday"],
            "firstDayOfWeek": "monday",
        },
        {"type": "endDate", "endDate": "2024-06-30"},
    ),
    (
        "FREQ=WEEKLY;BYDAY=TU,SU;INTERVAL=2",
        MONDAY,
        PARIS,
        {
            "type": "weekly",
            "interval": 2,
            "daysOfWeek": ["tuesday", "sunday"],
            "firstDayOfWeek": "monday",
        },
        {"type": "noEnd"},
    ),
    (
        "FREQ=MONTHLY;BYMONTHDAY=25;COUNT=6",
        MONDAY,
        PARIS,
        {"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 25},
        {"type": "numbered", "numberOfOccurrences": 6},
    ),
    (
        "FREQ=MONTHLY;BYDAY=-1FR;INTERVAL=2",
        MONDAY,
        PARIS,
        {"type": "relativeMonthly", "interval": 2, "daysOfWeek": ["friday"], "index": "last"},
        {"type": "noEnd"},
    ),
    (
        "FREQ=MONTHLY;BYDAY=4MO",
        MONDAY,
        PARIS,
        {"type": "relativeMonthly", "interval": 1, "daysOfWeek": ["monday"], "index": "fourth"},
        {"type": "noEnd"},
    ),
    (
        "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=1;COUNT=12",
        MONDAY,
        PARIS,
        {
            "type": "relativeMonthly",
            "interval": 1,
            "daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"],
            "index": "first",
        },
        {"type": "numbered", "numberOfOccurrences": 12},
    ),
    (
        "FREQ=YEARLY",
        MONDAY,
        PARIS,
        {"type": "absoluteYearly", "interval": 1, "month": 3, "dayOfMonth": 25},
        {"type": "noEnd"},
    ),
    (
        "FREQ=YEARLY;BYMONTH=7;BYMONTHDAY=14;INTERVAL=4",
        MONDAY,
        PARIS,
        {"type": "absoluteYearly", "interval": 4, "month": 7, "dayOfMonth": 14},
        {"type": "noEnd"},
    ),
    (
        "FREQ=YEARLY;BYDAY=4TH;BYMONTH=11;UNTIL=20301231T225959Z",
        MONDAY,
        PARIS,
        {
            "type": "relativeYearly",
            "interval": 1,
            "month": 11,
            "daysOfWeek": ["thursday"],
            "index": "fourth",
        },
        {"type": "endDate", "endDate": "2030-12-31"},
    ),
    (
        "FREQ=YEARLY;BYDAY=SA,SU;BYMONTH=3;BYSETPOS=-1",
        MONDAY,
        PARIS,
        {
            "type": "relativeYearly",
            "interval": 1,
            "month": 3,
            "daysOfWeek": ["saturday", "sunday"],
            "index": "last",
        },
        {"type": "noEnd"},
    ),
    (
        "FREQ=WEEKLY;BYDAY=SA;UNTIL=20240413",
        dt.date(2024, 3, 30),
        "America/New_York",
        {
            "type": "weekly",
            "interval": 1,
            "daysOfWeek": ["saturday"],
            "firstDayOfWeek": "monday",
        },
        {"type": "endDate", "endDate": "2024-04-13"},
    ),
    (
        "FREQ=DAILY;UNTIL=20241103T035959Z",
        dt.datetime(2024, 10, 30, 13, 30, tzinfo=UTC),
        "America/New_York",
        {"type": "daily", "interval": 1},
        {"type": "endDate", "endDate": "2024-11-02"},
    ),
]


def graph_range(start, zone, extra):
    first = start if not isinstance(start, dt.datetime) else start.astimezone(ZoneInfo(zone))
    day = first if not isinstance(first, dt.datetime) else first.date()
    return {"startDate": day.isoformat(), "recurrenceTimeZone": zone, **extra}


@pytest.mark.parametrize(("rule", "start", "zone", "pattern", "rng"), CANONICAL)
def test_canonical_rules_map_to_their_pattern_and_back(rule, start, zone, pattern, rng):
    recurrence = to_pattern([f"RRULE:{rule}"], start, zone)
    assert recurrence == {"pattern": pattern, "range": graph_range(start, zone, rng)}
    all_day = not isinstance(start, dt.datetime)
    assert to_rrule(recurrence, zone, all_day=all_day) == (f"RRULE:{rule}",)


@pytest.mark.parametrize(("rule", "start", "zone", "pattern", "rng"), CANONICAL)
def test_the_pattern_repeats_on_the_days_the_rule_does(rule, start, zone, pattern, rng):
    """Outlook's reading of the pattern gives the occurrences RFC 5545 gives the rule."""
    window = (dt.datetime(2024, 1, 1, tzinfo=UTC), dt.datetime(2036, 1, 1, tzinfo=UTC))
    all_day = not isinstance(start, dt.datetime)
    end = start + (dt.timedelta(days=1) if all_day else dt.timedelta(hours=1))
    if all_day:
        dtstart = dt.datetime.combine(start, dt.time())
    else:
        dtstart = start.astimezone(ZoneInfo(zone))
    expected = []
    for moment in rrule.rrulestr(rule, dtstart=dtstart):
        if all_day:
            expected.append(moment.date())
        elif moment >= window[1]:
            break
        else:
            expected.append(moment.astimezone(UTC))
    recurrence = to_pattern([f"RRULE:{rule}"], start, zone)
    assert occurrence_starts(recurrence, start, end, zone, *window) == expected
    assert len(expected) > 2


def test_a_series_keeps_its_wall_clock_time_across_dst():
    recurrence = to_pattern(["RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=3"], MONDAY, PARIS)
    window = (dt.datetime(2024, 3, 1, tzinfo=UTC), dt.datetime(2024, 5, 1, tzinfo=UTC))
    starts = occurrence_starts(recurrence, MONDAY, MONDAY + dt.timedelta(hours=1), PARIS, *window)
    assert [s.astimezone(ZoneInfo(PARIS)).hour for s in starts] == [9, 9, 9]
    assert [s.hour for s in starts] == [8, 7, 7]


@pytest.mark.parametrize(
    ("rule", "pattern"),
    [
        ("FREQ=WEEKLY", {"type": "weekly", "daysOfWeek": ["monday"], "firstDayOfWeek": "monday"}),
        ("FREQ=WEEKLY;WKST=SU", {"type": "weekly", "firstDayOfWeek": "sunday"}),
        ("FREQ=DAILY;BYDAY=TU,MO", {"type": "weekly", "daysOfWeek": ["monday", "tuesday"]}),
        ("FREQ=MONTHLY", {"type": "absoluteMonthly", "dayOfMonth": 25}),
        ("FREQ=MONTHLY;BYDAY=+2WE", {"type": "relativeMonthly", "index": "second"}),
        ("FREQ=MONTHLY;BYDAY=TH;BYSETPOS=3", {"type": "relativeMonthly", "index": "third"}),
        ("freq=yearly;bymonth=3", {"type": "absoluteYearly", "month": 3, "dayOfMonth": 25}),
        ("FREQ=YEARLY;INTERVAL=1", {"type": "absoluteYearly", "interval": 1}),
    ],
)
def test_other_spellings_give_the_pattern_they_mean(rule, pattern):
    found = to_pattern([f"RRULE:{rule}"], MONDAY, PARIS)["pattern"]
    assert {key: found.get(key) for key in pattern} == pattern


@pytest.mark.parametrize(
    ("rule", "canonical"),
    [
        ("FREQ=WEEKLY;WKST=SU;INTERVAL=1", "FREQ=WEEKLY;BYDAY=MO"),
        ("FREQ=MONTHLY;BYDAY=MO;BYSETPOS=2", "FREQ=MONTHLY;BYDAY=2MO"),
        ("FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=25", "FREQ=YEARLY"),
        ("FREQ=DAILY;BYDAY=MO,TU", "FREQ=WEEKLY;BYDAY=MO,TU"),
    ],
)
def test_rules_come_back_in_canonical_text(rule, canonical):
    recurrence = to_pattern([f"RRULE:{rule}"], MONDAY, PARIS)
    assert to_rrule(recurrence, PARIS) == (f"RRULE:{canonical}",)


def test_until_earlier_than_the_start_time_ends_the_day_before():
    # 08:00 local on April 10 is before the 09:00 occurrence: April 9 is the last one
    until = paris(2024, 4, 10, 8, 0).strftime("%Y%m%dT%H%M%SZ")
    recurrence = to_pattern([f"RRULE:FREQ=DAILY;UNTIL={until}"], MONDAY, PARIS)
    assert recurrence["range"]["endDate"] == "2024-04-09"
    later = paris(2024, 4, 10, 9, 0).strftime("%Y%m%dT%H%M%SZ")
    assert to_pattern([f"RRULE:FREQ=DAILY;UNTIL={later}"], MONDAY, PARIS)["range"]["endDate"] == (
        "2024-04-10"
    )


def test_exdates_are_left_to_the_adapter_and_no_rule_is_no_pattern():
    lines = ["EXDATE:20240401T070000Z", "RRULE:FREQ=DAILY"]
    assert to_pattern(lines, MONDAY, PARIS)["pattern"]["type"] == "daily"
    assert to_pattern([], MONDAY, PARIS) is None
    assert to_pattern(["EXDATE:20240401T070000Z"], MONDAY, PARIS) is None
    found = exdates(
        [
            "EXDATE:20240401T070000Z,20240402T070000Z",
            "EXDATE;TZID=Europe/Paris:20240403T090000",
            "RRULE:FREQ=DAILY",
        ],
        PARIS,
        all_day=False,
    )
    assert found == {paris(2024, 4, day, 9, 0) for day in (1, 2, 3)}
    assert exdates(["EXDATE;VALUE=DATE:20240401"], PARIS, all_day=True) == {dt.date(2024, 4, 1)}


@pytest.mark.parametrize(
    "lines",
    [
        ["RRULE:FREQ=HOURLY;INTERVAL=2"],
        ["RRULE:FREQ=MINUTELY"],
        ["RRULE:FREQ=SECONDLY"],
        ["RRULE:COUNT=3"],
        ["RRULE:FREQ=MONTHLY;BYMONTHDAY=1,15"],
        ["RRULE:FREQ=MONTHLY;BYMONTHDAY=-2"],
        # RFC 5545 skips the months without a 31st, Outlook would use their last day
        ["RRULE:FREQ=MONTHLY;BYMONTHDAY=31"],
        ["RRULE:FREQ=MONTHLY;BYMONTHDAY=29,-1;BYSETPOS=2"],
        ["RRULE:FREQ=MONTHLY;BYDAY=1MO,3MO"],
        ["RRULE:FREQ=MONTHLY;BYDAY=5MO"],
        ["RRULE:FREQ=MONTHLY;BYDAY=MO"],
        ["RRULE:FREQ=MONTHLY;BYDAY=MO,TU;BYSETPOS=1,-1"],
        ["RRULE:FREQ=MONTHLY;BYDAY=MO;BYSETPOS=2;BYMONTHDAY=3"],
        ["RRULE:FREQ=MONTHLY;BYSETPOS=2"],
        ["RRULE:FREQ=MONTHLY;BYMONTH=3"],
        ["RRULE:FREQ=WEEKLY;BYDAY=1MO"],
        ["RRULE:FREQ=WEEKLY;BYHOUR=9,17"],
        ["RRULE:FREQ=YEARLY;BYWEEKNO=20"],
        ["RRULE:FREQ=YEARLY;BYYEARDAY=100"],
        ["RRULE:FREQ=YEARLY;BYMONTH=1,7"],
        ["RRULE:FREQ=YEARLY;BYDAY=1MO"],
        ["RRULE:FREQ=DAILY;INTERVAL=2;BYDAY=MO,TU"],
        ["RRULE:FREQ=DAILY;COUNT=3;UNTIL=20240401T000000Z"],
        ["RRULE:FREQ=DAILY;INTERVAL=0"],
        ["RRULE:FREQ=DAILY;COUNT=many"],
        ["RRULE:FREQ=DAILY;UNTIL=tomorrow"],
        ["RRULE:FREQ=DAILY", "RRULE:FREQ=WEEKLY"],
        ["RRULE:FREQ=DAILY", "RDATE:20240401T070000Z"],
        ["RRULE:FREQ=DAILY", "EXRULE:FREQ=WEEKLY"],
    ],
)
def test_rules_graph_cannot_hold_are_refused_clearly(lines):
    with pytest.raises(UnsupportedRecurrence) as caught:
        to_pattern(lines, MONDAY, PARIS)
    assert isinstance(caught.value, ValueError)
    assert str(caught.value)


# what Graph answers: every pattern property filled in, the unused ones with defaults
GRAPH_FILLED = {"month": 0, "dayOfMonth": 0, "daysOfWeek": [], "firstDayOfWeek": "sunday"}


@pytest.mark.parametrize(
    ("pattern", "rng", "rule"),
    [
        ({"type": "daily", "interval": 1, "index": "first"}, {"type": "noEnd"}, "FREQ=DAILY"),
        (
            {"type": "weekly", "interval": 1, "daysOfWeek": ["friday", "monday"]},
            {"type": "numbered", "numberOfOccurrences": 4},
            "FREQ=WEEKLY;BYDAY=MO,FR;COUNT=4",
        ),
        (
            {"type": "absoluteMonthly", "interval": 2, "dayOfMonth": 31},
            {"type": "endDate", "endDate": "2024-12-31"},
            # Outlook's day 31 is the last day of shorter months (RFC 5545 would skip them)
            "FREQ=MONTHLY;BYMONTHDAY=-1;INTERVAL=2;UNTIL=20241231T225959Z",
        ),
        (
            {"type": "relativeMonthly", "interval": 1, "daysOfWeek": ["sunday"], "index": "last"},
            {"type": "noEnd"},
            "FREQ=MONTHLY;BYDAY=-1SU",
        ),
        (
            {"type": "absoluteYearly", "interval": 1, "month": 3, "dayOfMonth": 25},
            {"type": "noEnd"},
            "FREQ=YEARLY",
        ),
        (
            {"type": "absoluteYearly", "interval": 1, "month": 12, "dayOfMonth": 24},
            {"type": "noEnd"},
            "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=24",
        ),
        (
            {
                "type": "relativeYearly",
                "interval": 1,
                "month": 5,
                "daysOfWeek": ["monday"],
                "index": "last",
            },
            {"type": "noEnd"},
            "FREQ=YEARLY;BYDAY=-1MO;BYMONTH=5",
        ),
    ],
)
def test_graph_answers_read_as_canonical_rules(pattern, rng, rule):
    recurrence = {
        "pattern": {"index": "first", **GRAPH_FILLED, **pattern},
        "range": {
            "startDate": "2024-03-25",
            "endDate": "0001-01-01",
            "recurrenceTimeZone": "W. Europe Standard Time",
            "numberOfOccurrences": 0,
            **rng,
        },
    }
    assert to_rrule(recurrence, PARIS) == (f"RRULE:{rule}",)


@pytest.mark.parametrize(
    "recurrence",
    [
        {"pattern": {"type": "hourly", "interval": 1}, "range": {"type": "noEnd"}},
        {"pattern": {"type": "weekly", "daysOfWeek": []}, "range": {"type": "noEnd"}},
        {"pattern": {"type": "weekly", "daysOfWeek": ["funday"]}, "range": {"type": "noEnd"}},
        {"pattern": {"type": "daily"}, "range": {"type": "forever"}},
    ],
)
def test_unreadable_graph_patterns_are_refused(recurrence):
    with pytest.raises(UnsupportedRecurrence):
        to_rrule(recurrence, PARIS)
