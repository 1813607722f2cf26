"""The recurrence reference suite: the same dates on every side, judged by outside references.

For each series, over the sync window:
- what Google receives (``google_mapper.to_body``) is expanded by python-dateutil (RFC 5545);
- what Graph receives (``graph_mapper.to_body``) is expanded by ``graph_reference``, written
  from Graph's documented semantics (not from ``services.microsoft.recurrence``), in the zone the
  emulator reads from the ``recurrenceTimeZone`` it gets;
- a series made in Outlook is read (``graph_mapper.to_remote``) and what Google then gets must
  give Outlook's dates.
Odoo's own occurrences of the same rules are checked in ``tests/test_recurrence_reference.py``
(Odoo tests: calendar.recurrence needs Odoo). A rule Graph cannot hold must be refused with
``UnsupportedRecurrence``, never sent with other dates.
"""

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import graph_reference
import pytest
from dateutil import rrule

from emulator.microsoft_time_zones import accepted_zone
from services.google import mapper as google_mapper
from services.microsoft import mapper as graph_mapper
from services.neutral import NeutralEvent
from services.rrule import UnsupportedRecurrence

UTC = dt.UTC
WINDOW_END = dt.date(2030, 1, 1)  # the sync window: three years ahead (from December 2026)
ZONES = ("Europe/Paris", "America/New_York", "Australia/Adelaide")
WINDOWS = {
    "Europe/Paris": "Romance Standard Time",
    "America/New_York": "Eastern Standard Time",
    "Australia/Adelaide": "Cen. Australia Standard Time",
}
# 09:30 and 23:30 local: the second one is another day in UTC; DST changes of all three
# zones fall inside the window (Paris 29 March, New York 8 March, Adelaide 5 April 2026...)
TIMES = (dt.time(9, 30), dt.time(23, 30), None)
BASE = dt.date(2026, 2, 20)
CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def _rules():
    """RRULEs as Odoo and Google write them: (rule without COUNT/UNTIL, base date)."""
    for interval in (1, 2, 3):
        yield f"FREQ=DAILY;INTERVAL={interval}", BASE
    for days in ("MO", "MO,SU", "TU,TH,SA", "FR,SA,SU", "SA,SU,MO"):
        yield f"FREQ=WEEKLY;BYDAY={days}", BASE
        for interval, wkst in itertools.product((2, 3), CODES):
            yield f"FREQ=WEEKLY;BYDAY={days};INTERVAL={interval};WKST={wkst}", BASE
    for day in ("1", "15", "28", "-1", "29,-1;BYSETPOS=1", "30,-1;BYSETPOS=1"):
        yield f"FREQ=MONTHLY;BYMONTHDAY={day}", BASE
        yield f"FREQ=MONTHLY;BYMONTHDAY={day};INTERVAL=2", dt.date(2026, 1, 1)
    for byday in ("1MO", "2TU", "3WE", "4TH", "-1FR", "MO,TU,WE,TH,FR;BYSETPOS=1"):
        yield f"FREQ=MONTHLY;BYDAY={byday}", BASE
    yield "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;INTERVAL=3", BASE
    yield "FREQ=MONTHLY;BYDAY=SA,SU;BYSETPOS=1", BASE
    # day 31 every 6 months from January: both readings agree (January and July only)
    yield "FREQ=MONTHLY;BYMONTHDAY=31;INTERVAL=6", dt.date(2026, 1, 1)
    yield "FREQ=YEARLY", dt.date(2026, 3, 29)
    yield "FREQ=YEARLY;INTERVAL=2", dt.date(2026, 10, 4)
    yield "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=24", BASE
    yield "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1", BASE  # Outlook's 29 February
    yield "FREQ=YEARLY", dt.date(2028, 2, 29)  # RFC 5545's 29 February: leap years only
    yield "FREQ=YEARLY;INTERVAL=3", dt.date(2028, 2, 29)
    yield "FREQ=YEARLY;BYDAY=-1MO;BYMONTH=5", BASE
    yield "FREQ=YEARLY;BYDAY=1SU;BYMONTH=11", BASE


def _first(rule, base):
    return rrule.rrulestr(f"RRULE:{rule}", dtstart=dt.datetime.combine(base, dt.time()))[0].date()


def _cases():
    cases = []
    for n, (rule, base) in enumerate(_rules()):
        zone, local_time = ZONES[n % 3], TIMES[n % 4 % 3]
        first = _first(rule, base)
        end = ("", ";COUNT=7", ";UNTIL")[n % 3]
        if end == ";UNTIL":
            last = first + dt.timedelta(days=400)
            if local_time is None:
                end = f";UNTIL={last:%Y%m%d}"
            else:
                stop = dt.datetime.combine(last, dt.time(23, 59, 59), tzinfo=ZoneInfo(zone))
                end = f";UNTIL={stop.astimezone(UTC):%Y%m%dT%H%M%SZ}"
        cases.append((f"RRULE:{rule}{end}", first, local_time, zone))
    return cases


CASES = _cases()


def _event(rule, first, local_time, zone):
    if local_time is None:
        start, end = first, first + dt.timedelta(days=1)
    else:
        start = dt.datetime.combine(first, local_time, tzinfo=ZoneInfo(zone)).astimezone(UTC)
        end = start + dt.timedelta(hours=1)
    return NeutralEvent(
        title="Series",
        start=start,
        end=end,
        all_day=local_time is None,
        timezone=zone,
        recurrence=(rule,),
    )


def _graph_dates(event, body):
    """Graph's documented reading of the pattern it receives, in the zone it is told."""
    recurrence = body["recurrence"]
    windows = recurrence["range"]["recurrenceTimeZone"]
    iana = accepted_zone(windows)
    assert iana, f"the emulator (as Graph) refuses the zone {windows!r}"
    assert accepted_zone(body["start"]["timeZone"]), body["start"]
    zone = ZoneInfo(iana)
    local_time = None if event.all_day else event.start.astimezone(zone).time()
    return graph_reference.occurrences(recurrence, local_time, zone, WINDOW_END)


def _google_expansion(event):
    """python-dateutil's expansion of what Google receives, in the zone Google is told
    (wall-clock time: an aware DTSTART keeps its local time across DST, as RFC 5545 says)."""
    body = google_mapper.to_body(event)
    zone = ZoneInfo(body["start"]["timeZone"])
    [line] = body["recurrence"]
    if event.all_day:
        dtstart = dt.datetime.combine(dt.date.fromisoformat(body["start"]["date"]), dt.time())
    else:
        dtstart = dt.datetime.fromisoformat(body["start"]["dateTime"]).astimezone(zone)
    found = []
    for moment in rrule.rrulestr(line, dtstart=dtstart):
        if moment.date() >= WINDOW_END:
            break
        found.append(moment.date() if event.all_day else moment.astimezone(UTC))
    return found


def test_the_suite_covers_what_the_references_must_judge():
    rules = [case[0] for case in CASES]
    assert len(CASES) >= 100
    wanted = "DAILY WEEKLY MONTHLY YEARLY INTERVAL=2 INTERVAL=3 COUNT= UNTIL= BYSETPOS=1"
    for part in (*wanted.split(), "BYSETPOS=-1", "-1FR", "BYMONTHDAY=-1", "29,-1"):
        assert any(part in rule for rule in rules), part
    assert {f"WKST={code}" for code in CODES} <= {p for r in rules for p in r.split(";")}
    assert {case[3] for case in CASES} == set(ZONES)
    assert {case[2] is None for case in CASES} == {True, False}
    assert any(case[1] == dt.date(2028, 2, 29) for case in CASES)


@pytest.mark.parametrize(("rule", "first", "local_time", "zone"), CASES, ids=lambda v: str(v))
def test_google_and_graph_get_the_same_dates(rule, first, local_time, zone):
    event = _event(rule, first, local_time, zone)
    expected = _google_expansion(event)
    assert expected, "the series has occurrences in the window"
    assert expected[0] == (first if event.all_day else event.start)
    body = graph_mapper.to_body(event)
    assert body["recurrence"]["range"]["recurrenceTimeZone"] == WINDOWS[zone]
    assert _graph_dates(event, body) == expected


SKIPPING = [
    # RFC 5545 skips the months without that day; Outlook would use their last day
    ("RRULE:FREQ=MONTHLY;BYMONTHDAY=31", dt.date(2026, 1, 31)),
    ("RRULE:FREQ=MONTHLY;BYMONTHDAY=30;INTERVAL=2", dt.date(2026, 4, 30)),
    ("RRULE:FREQ=MONTHLY;BYMONTHDAY=29;COUNT=5", dt.date(2026, 1, 29)),
]


@pytest.mark.parametrize(("rule", "first"), SKIPPING)
def test_a_rule_outlook_would_read_with_other_dates_is_refused(rule, first):
    event = _event(rule, first, dt.time(9, 30), "Europe/Paris")
    with pytest.raises(UnsupportedRecurrence, match="last day"):
        graph_mapper.to_body(event)


# -- series made in Outlook ---------------------------------------------------------------

PATTERNS = [
    ({"type": "daily", "interval": 2}, "2026-03-01"),
    (
        {
            "type": "weekly",
            "interval": 2,
            "daysOfWeek": ["sunday", "monday"],
            "firstDayOfWeek": "sunday",
        },
        "2026-03-01",
    ),
    (
        {"type": "weekly", "interval": 2, "daysOfWeek": ["sunday", "monday"]},
        "2026-03-02",
    ),  # no firstDayOfWeek: Sunday
    (
        {
            "type": "weekly",
            "interval": 3,
            "daysOfWeek": ["saturday", "tuesday"],
            "firstDayOfWeek": "wednesday",
        },
        "2026-03-03",
    ),
    (
        {
            "type": "weekly",
            "interval": 2,
            "daysOfWeek": ["friday", "monday"],
            "firstDayOfWeek": "monday",
        },
        "2026-03-02",
    ),
    ({"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 31}, "2026-01-31"),
    ({"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 30}, "2026-01-30"),
    ({"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 29}, "2026-01-29"),
    ({"type": "absoluteMonthly", "interval": 2, "dayOfMonth": 31}, "2026-03-31"),
    ({"type": "absoluteMonthly", "interval": 3, "dayOfMonth": 30}, "2026-03-30"),
    ({"type": "absoluteYearly", "interval": 1, "month": 2, "dayOfMonth": 29}, "2028-02-29"),
    ({"type": "absoluteYearly", "interval": 4, "month": 2, "dayOfMonth": 29}, "2028-02-29"),
    ({"type": "absoluteYearly", "interval": 1, "month": 3, "dayOfMonth": 29}, "2026-03-29"),
    (
        {"type": "relativeMonthly", "interval": 1, "daysOfWeek": ["sunday"], "index": "last"},
        "2026-03-29",
    ),
    (
        {
            "type": "relativeMonthly",
            "interval": 2,
            "daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"],
            "index": "first",
        },
        "2026-04-01",
    ),
    (
        {
            "type": "relativeYearly",
            "interval": 1,
            "month": 10,
            "daysOfWeek": ["sunday"],
            "index": "first",
        },
        "2026-10-04",
    ),
]
RANGES = (
    {"type": "noEnd"},
    {"type": "numbered", "numberOfOccurrences": 9},
    {"type": "endDate", "endDate": "2028-06-30"},
)
OUTLOOK_CASES = [
    (pattern, start, RANGES[n % 3], ZONES[n % 3], TIMES[n % 3])
    for n, (pattern, start) in enumerate(PATTERNS * 3)
]


def _graph_item(pattern, start, rng, zone, local_time):
    windows = WINDOWS[zone]
    all_day = local_time is None
    first = dt.date.fromisoformat(start)
    clock = dt.time() if all_day else local_time
    begin = dt.datetime.combine(first, clock)
    finish = begin + (dt.timedelta(days=1) if all_day else dt.timedelta(hours=1))
    return {
        "id": "AAMkSeries",
        "type": "seriesMaster",
        "subject": "From Outlook",
        "isAllDay": all_day,
        "start": {"dateTime": begin.isoformat(), "timeZone": windows},
        "end": {"dateTime": finish.isoformat(), "timeZone": windows},
        "originalStartTimeZone": windows,
        "originalEndTimeZone": windows,
        "recurrence": {
            "pattern": {"firstDayOfWeek": "sunday", **pattern},
            "range": {"startDate": start, "recurrenceTimeZone": windows, **rng},
        },
    }


@pytest.mark.parametrize(
    ("pattern", "start", "rng", "zone", "local_time"), OUTLOOK_CASES, ids=lambda v: str(v)
)
def test_an_outlook_series_keeps_its_dates_in_odoo_and_google(
    pattern, start, rng, zone, local_time
):
    item = _graph_item(pattern, start, rng, zone, local_time)
    outlook = graph_reference.occurrences(
        item["recurrence"], local_time, ZoneInfo(zone), WINDOW_END
    )
    assert outlook
    event = graph_mapper.to_remote(item, "ann@example.com").event
    # the series keeps its own zone, read from the Windows id through CLDR
    assert event.timezone == zone
    assert _google_expansion(event) == outlook
    # sent back to Graph, it is the same series again
    body = graph_mapper.to_body(event)
    assert _graph_dates(event, body) == outlook
