"""The occurrences of a Graph ``patternedRecurrence``, expanded the way Outlook does, and the
EXDATEs of an RRULE series (which a pattern cannot hold: the adapter deletes those slots).

Used by ``GraphAdapter`` to find the occurrences Graph stopped listing (cancelled ones), and
the slots a listing made over another window cannot speak for.
"""

import datetime as dt
import zoneinfo

from dateutil import rrule

from ..adapter import RemoteEvent
from ..rrule import UnsupportedRecurrence, content_line, parse_moment
from .mapper import event_timezone, original_start, parse_when
from .recurrence import GRAPH_DAYS, INDEX_FROM_GRAPH, UTC

_RRULE_FREQ = {
    "daily": rrule.DAILY,
    "weekly": rrule.WEEKLY,
    "absoluteMonthly": rrule.MONTHLY,
    "relativeMonthly": rrule.MONTHLY,
    "absoluteYearly": rrule.YEARLY,
    "relativeYearly": rrule.YEARLY,
}
_RRULE_DAYS = dict(
    zip(
        GRAPH_DAYS,
        (rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR, rrule.SA, rrule.SU),
        strict=True,
    )
)


def exdates(rrule_lines, timezone, all_day):
    """The EXDATEs of a recurrence: dates (all-day) or aware UTC datetimes."""
    found = set()
    for line in rrule_lines or ():
        name, options, value = content_line(line)
        if name != "EXDATE":
            continue
        zone = options.get("TZID") or timezone
        for item in filter(None, (v.strip() for v in value.split(","))):
            moment = parse_moment(item, zone)
            if all_day and isinstance(moment, dt.datetime):
                moment = moment.astimezone(zoneinfo.ZoneInfo(timezone)).date()
            found.add(moment)
    return found


def _month_days(day):
    # Outlook puts day 29-31 on the last day of shorter months
    if day <= 28:
        return {"bymonthday": day}
    return {"bymonthday": list(range(28, day + 1)), "bysetpos": -1}


def _rule(recurrence, dtstart):
    pattern, rng = recurrence["pattern"], recurrence["range"]
    kind = pattern["type"]
    if kind not in _RRULE_FREQ:
        raise UnsupportedRecurrence(f"unknown Graph recurrence pattern type {kind!r}")
    kwargs = {"dtstart": dtstart, "interval": int(pattern.get("interval") or 1)}
    days = [_RRULE_DAYS[str(d).lower()] for d in pattern.get("daysOfWeek") or ()]
    if kind == "weekly":
        kwargs["byweekday"] = days
        kwargs["wkst"] = _RRULE_DAYS[(pattern.get("firstDayOfWeek") or "sunday").lower()]
    elif kind in ("relativeMonthly", "relativeYearly"):
        kwargs["byweekday"] = days
        kwargs["bysetpos"] = INDEX_FROM_GRAPH[pattern.get("index") or "first"]
    elif kind in ("absoluteMonthly", "absoluteYearly"):
        kwargs.update(_month_days(int(pattern["dayOfMonth"])))
    if kind in ("absoluteYearly", "relativeYearly"):
        kwargs["bymonth"] = int(pattern["month"])
    if rng.get("type") == "endDate":
        kwargs["until"] = dt.datetime.combine(dt.date.fromisoformat(rng["endDate"]), dt.time.max)
    elif rng.get("type") == "numbered":
        kwargs["count"] = int(rng["numberOfOccurrences"])
    return rrule.rrule(_RRULE_FREQ[kind], **kwargs)


def occurrence_starts(recurrence, start, end, timezone, window_start, window_end):
    """Original starts of the occurrences that overlap [window_start, window_end).

    Expanded the way Outlook does, in wall-clock time of ``timezone``: aware UTC datetimes
    for a timed series (``start``/``end`` aware), dates for an all-day one (dates).
    """
    tz = zoneinfo.ZoneInfo(timezone)
    all_day = not isinstance(start, dt.datetime)
    if all_day:
        local_time, duration = dt.time(), dt.timedelta(days=(end - start).days)
    else:
        local_time = start.astimezone(tz).time().replace(tzinfo=None)
        duration = end - start
    first_day = dt.date.fromisoformat(recurrence["range"]["startDate"])
    found = []
    for naive in _rule(recurrence, dt.datetime.combine(first_day, local_time)):
        begin = naive.replace(tzinfo=tz).astimezone(UTC)
        finish = (naive + duration).replace(tzinfo=tz) if all_day else begin + duration
        if begin >= window_end:
            break
        if finish > window_start or (begin == finish and begin >= window_start):
            found.append(naive.date() if all_day else begin)
    return found


def uncovered(expected, seen):
    """The expected slots before the first and after the last of ``seen`` (a listing's original
    starts): where a listing made over another window says nothing. (head, tail) lists."""
    seen = [when for when in seen if when is not None]
    if not seen:
        return list(expected), []
    first, last = min(seen), max(seen)
    return [w for w in expected if w < first], [w for w in expected if w > last]


def series_zone(master, calendar_timezone):
    """(zone of the series' wall-clock time, all-day) of a Graph series master."""
    return event_timezone(master, calendar_timezone), bool(master.get("isAllDay"))


def expected_slots(master, calendar_timezone, window_start, window_end):
    """The original starts the pattern of a Graph series master has in the window."""
    timezone, all_day = series_zone(master, calendar_timezone)
    start = parse_when(master["start"], all_day)
    end = parse_when(master["end"], all_day)
    return occurrence_starts(master["recurrence"], start, end, timezone, window_start, window_end)


def cancelled_id(master_id, when):
    """The id we give a cancelled occurrence: Graph has none for it any more."""
    pattern = "%Y%m%dT%H%M%SZ" if isinstance(when, dt.datetime) else "%Y%m%d"
    return f"{master_id}@{when.strftime(pattern)}"


def cancelled(master, instances, calendar_timezone, window_start, window_end):
    """Deleted RemoteEvents for the occurrences the pattern has and Graph no longer lists."""
    timezone, all_day = series_zone(master, calendar_timezone)
    seen = {original_start(item, timezone, all_day) for item in instances}
    return [
        RemoteEvent(
            cancelled_id(master["id"], when),
            deleted=True,
            recurring_external_id=master["id"],
            original_start=when,
            ical_uid=master.get("iCalUId") or "",
        )
        for when in expected_slots(master, calendar_timezone, window_start, window_end)
        if when not in seen
    ]


def single_events(items, to_remote, read_masters):
    """The RemoteEvents of a delta for a calendar imported as single events: occurrences and
    exceptions, series masters left out, removals by id. Graph's delta gives an occurrence
    its id, times and series only: the rest is its series master's, read once per series
    (``read_masters(ids)`` -> answers, None for a series gone) when the delta has none."""
    live = [item for item in items if "@removed" not in item]
    masters = {i["id"]: i for i in live if i.get("type") == "seriesMaster"}
    wanted = sorted(
        {i["seriesMasterId"] for i in live if i.get("type") == "occurrence"} - set(masters)
    )
    for master_id, answer in zip(wanted, read_masters(wanted), strict=True):
        if answer is not None:
            masters[master_id] = answer
    events = []
    for item in items:
        if "@removed" in item:
            events.append(RemoteEvent(item["id"], deleted=True))
        elif item.get("type") == "occurrence" and item.get("seriesMasterId") in masters:
            master = {k: v for k, v in masters[item["seriesMasterId"]].items() if k != "recurrence"}
            events.append(to_remote({**master, **item}))
        elif item.get("type") != "seriesMaster":
            events.append(to_remote(item))
    return events
