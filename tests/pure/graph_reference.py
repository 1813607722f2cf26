"""An expander of Graph ``patternedRecurrence`` written from Microsoft's documentation only.

Independent of ``services.microsoft.recurrence`` and of dateutil on purpose: it is the judge the
RRULE <-> pattern mapping is checked against. The semantics, as documented:

- recurrencePattern (Graph v1.0): ``daily`` every ``interval`` days; ``weekly`` on
  ``daysOfWeek`` every ``interval`` weeks, weeks starting on ``firstDayOfWeek`` (Sunday when
  absent); ``absoluteMonthly`` on ``dayOfMonth`` every ``interval`` months;
  ``relativeMonthly`` on the ``index`` (first..fourth, last) of the ``daysOfWeek`` days of
  the month; ``absoluteYearly`` / ``relativeYearly`` the same in ``month`` every
  ``interval`` years.
- Exchange's DayOfMonth: "If for a particular month this value is larger than the number of
  days in the month, the last day of the month is assumed" (and Outlook puts a yearly 29
  February on the 28th in common years).
- recurrenceRange: the pattern applies from ``startDate`` (the first occurrence is that date
  or later); ``endDate`` is the last date it applies to; ``numbered`` counts occurrences;
  occurrences keep the start's wall-clock time in ``recurrenceTimeZone``.
"""

import calendar
import datetime as dt

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
INDEX = {"first": 0, "second": 1, "third": 2, "fourth": 3, "last": -1}


def _clamp(year, month, day):
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _relative(year, month, days, index):
    matching = [
        dt.date(year, month, d)
        for d in range(1, calendar.monthrange(year, month)[1] + 1)
        if DAYS[dt.date(year, month, d).weekday()] in days
    ]
    position = INDEX[index]
    return matching[position] if position < len(matching) else None


def _period_dates(pattern, start, period):
    """The dates of the ``period``-th period (0 = the one holding ``start``), sorted."""
    kind = pattern["type"]
    interval = pattern.get("interval") or 1
    days = {d.lower() for d in pattern.get("daysOfWeek") or ()}
    if kind == "daily":
        return [start + dt.timedelta(days=period * interval)]
    if kind == "weekly":
        first = DAYS.index((pattern.get("firstDayOfWeek") or "sunday").lower())
        week_start = start - dt.timedelta(days=(start.weekday() - first) % 7)
        week_start += dt.timedelta(weeks=period * interval)
        week = [week_start + dt.timedelta(days=n) for n in range(7)]
        return [day for day in week if DAYS[day.weekday()] in days]
    if kind in ("absoluteMonthly", "relativeMonthly"):
        months = start.month - 1 + period * interval
        year, month = start.year + months // 12, months % 12 + 1
    else:
        year, month = start.year + period * interval, pattern["month"]
    if kind.startswith("absolute"):
        return [_clamp(year, month, pattern["dayOfMonth"])]
    found = _relative(year, month, days, pattern.get("index") or "first")
    return [found] if found else []


def expand(recurrence, until):
    """Occurrence dates of ``recurrence`` up to ``until`` (a date, exclusive)."""
    pattern, rng = recurrence["pattern"], recurrence["range"]
    start = dt.date.fromisoformat(rng["startDate"])
    end = dt.date.fromisoformat(rng["endDate"]) if rng["type"] == "endDate" else None
    count = rng["numberOfOccurrences"] if rng["type"] == "numbered" else None
    found = []
    period = 0
    while True:
        dates = [d for d in _period_dates(pattern, start, period) if d >= start]
        period += 1
        if dates and (dates[0] >= until or (end and dates[0] > end)):
            return found
        for day in dates:
            if day >= until or (end and day > end) or (count is not None and len(found) >= count):
                return found
            found.append(day)
        if period > 10000:
            return found


def occurrences(recurrence, local_time, zone, until):
    """Aware UTC starts (timed series: ``local_time`` in ``zone``) or dates (all-day)."""
    dates = expand(recurrence, until)
    if local_time is None:
        return dates
    return [dt.datetime.combine(d, local_time, tzinfo=zone).astimezone(dt.UTC) for d in dates]
