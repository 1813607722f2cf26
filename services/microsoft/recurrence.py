"""RFC 5545 RRULE lines <-> Graph ``patternedRecurrence`` (occurrences: ``occurrences``).

``to_pattern`` reads the neutral event's recurrence lines; ``to_rrule`` writes the canonical
text the Odoo side writes too (FREQ first, then the other parts sorted by name, no
INTERVAL=1, WKST only where it changes dates), so a series read back from Graph hashes like
the one that was sent. Both keep the dates: Graph's firstDayOfWeek is WKST, and Outlook's
day 29-31 (the last day of shorter months) is ``BYMONTHDAY=-1`` or ``D,-1;BYSETPOS=1``.
EXDATE lines have no place in a pattern: Graph keeps cancelled occurrences as deleted
instances, which ``GraphAdapter`` deletes and reports on its own.
"""

import calendar
import datetime as dt
import math
import zoneinfo

from ..rrule import UnsupportedRecurrence, content_line, parse_moment, rule_parts

UTC = dt.UTC
DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
GRAPH_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DAY_TO_GRAPH = dict(zip(DAY_CODES, GRAPH_DAYS, strict=True))
DAY_FROM_GRAPH = dict(zip(GRAPH_DAYS, DAY_CODES, strict=True))
INDEX_TO_GRAPH = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}
INDEX_FROM_GRAPH = {value: key for key, value in INDEX_TO_GRAPH.items()}
# the days of each month that every year has (February: 28)
MONTH_DAYS = dict(enumerate((31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31), start=1))
ALLOWED_PARTS = {
    "DAILY": {"BYDAY"},
    "WEEKLY": {"BYDAY", "WKST"},
    "MONTHLY": {"BYDAY", "BYMONTHDAY", "BYSETPOS"},
    "YEARLY": {"BYDAY", "BYMONTH", "BYMONTHDAY", "BYSETPOS"},
}
COMMON_PARTS = {"FREQ", "INTERVAL", "COUNT", "UNTIL"}


def _int(text, what):
    try:
        return int(text)
    except ValueError:
        raise UnsupportedRecurrence(f"{what} must be a number, got {text!r}") from None


def _local(start, timezone):
    """(local date, local time or None) of the series start in its own zone."""
    if isinstance(start, dt.datetime):
        local = start.astimezone(zoneinfo.ZoneInfo(timezone))
        return local.date(), local.time().replace(tzinfo=None)
    return start, None


def _weekdays(byday, rule):
    """Plain BYDAY days (no ordinal) as Graph day names, in RRULE order MO..SU."""
    codes = [code.strip() for code in byday.split(",") if code.strip()]
    if any(code not in DAY_CODES for code in codes):
        raise UnsupportedRecurrence(f"{rule}: Graph cannot repeat on {byday!r} here")
    return [DAY_TO_GRAPH[code] for code in DAY_CODES if code in codes]


def _relative(parts, rule):
    """daysOfWeek + index from ``BYDAY=2TU`` or ``BYDAY=MO,TU;BYSETPOS=2``."""
    byday = parts.get("BYDAY", "")
    codes = [code.strip() for code in byday.split(",") if code.strip()]
    if "BYSETPOS" in parts:
        position = _int(parts["BYSETPOS"], "BYSETPOS") if "," not in parts["BYSETPOS"] else 0
        days = _weekdays(byday, rule)
    elif len(codes) == 1 and codes[0][-2:] in DAY_CODES and codes[0][:-2]:
        position = _int(codes[0][:-2].lstrip("+"), "BYDAY ordinal")
        days = [DAY_TO_GRAPH[codes[0][-2:]]]
    else:
        raise UnsupportedRecurrence(
            f"{rule}: Graph repeats on one weekday position per period (e.g. BYDAY=2TU or "
            f"BYDAY=MO,TU;BYSETPOS=1), not on {byday!r}"
        )
    if position not in INDEX_TO_GRAPH or not days:
        raise UnsupportedRecurrence(
            f"{rule}: Graph knows the first to fourth and the last weekday of a period only"
        )
    return {"daysOfWeek": days, "index": INDEX_TO_GRAPH[position]}


def _month_day_clamped(parts, rule):
    """(day, clamped) of BYMONTHDAY: ``-1`` and ``D,-1;BYSETPOS=1`` are Outlook's "day D, or
    the last day of a shorter month" (clamped); a plain D skips the months that lack it."""
    days = [d.strip() for d in parts["BYMONTHDAY"].split(",") if d.strip()]
    if days == ["-1"] and "BYSETPOS" not in parts:
        return 31, True
    if len(days) == 2 and days[1] == "-1" and parts.get("BYSETPOS") == "1":
        day = _int(days[0], "BYMONTHDAY")
        if 29 <= day <= 31:
            return day, True
    if len(days) != 1 or "BYSETPOS" in parts:
        raise UnsupportedRecurrence(f"{rule}: Graph repeats on one day 1-31 of the month only")
    day = _int(days[0], "BYMONTHDAY")
    if not 1 <= day <= 31:
        raise UnsupportedRecurrence(f"{rule}: Graph repeats on one day 1-31 of the month only")
    return day, False


def _day_of_month(parts, rule, default, months):
    """Graph's dayOfMonth for a rule that repeats in ``months`` (1-12). Outlook puts days
    29-31 on the last day of shorter months where RFC 5545 skips those months: a skipping
    rule that reaches a shorter month has no Graph pattern."""
    if "BYMONTHDAY" not in parts:
        day, clamped = default, False
    else:
        day, clamped = _month_day_clamped(parts, rule)
    short = [m for m in months if MONTH_DAYS[m] < day]
    if short and not clamped:
        raise UnsupportedRecurrence(
            f"{rule}: Outlook would put day {day} on the last day of shorter months, where "
            "this rule skips them; repeat on the last day of the month instead "
            "(BYMONTHDAY=-1), or on another day"
        )
    return day


def _months_reached(first_month, interval):
    """The months (1-12) a monthly rule starting in ``first_month`` reaches."""
    return sorted({(first_month - 1 + step * interval) % 12 + 1 for step in range(12)})


def _month(parts, rule, default):
    if "BYMONTH" not in parts:
        return default
    month = _int(parts["BYMONTH"], "BYMONTH") if "," not in parts["BYMONTH"] else 0
    if not 1 <= month <= 12:
        raise UnsupportedRecurrence(f"{rule}: Graph repeats in one month of the year only")
    return month


def _pattern(parts, rule, local_date):
    freq = parts["FREQ"]
    interval = _int(parts.get("INTERVAL", "1"), "INTERVAL")
    if interval < 1:
        raise UnsupportedRecurrence(f"{rule}: INTERVAL must be at least 1")
    pattern = {"interval": interval}
    if freq == "DAILY" and "BYDAY" in parts:
        if interval != 1:
            raise UnsupportedRecurrence(f"{rule}: Graph cannot filter the days of a daily rule")
        # every day of a week is a weekly rule on those days (Odoo reads it the same way)
        freq = "WEEKLY"
    if freq == "DAILY":
        pattern["type"] = "daily"
    elif freq == "WEEKLY":
        byday = parts.get("BYDAY") or DAY_CODES[local_date.weekday()]
        wkst = parts.get("WKST", "MO")
        if wkst not in DAY_CODES:
            raise UnsupportedRecurrence(f"{rule}: unknown WKST {wkst!r}")
        pattern.update(
            type="weekly",
            daysOfWeek=_weekdays(byday, rule),
            firstDayOfWeek=DAY_TO_GRAPH[wkst],
        )
    elif freq == "MONTHLY":
        if "BYDAY" in parts and "BYMONTHDAY" in parts:
            raise UnsupportedRecurrence(f"{rule}: Graph cannot combine BYDAY and BYMONTHDAY")
        if "BYDAY" in parts:
            pattern.update(type="relativeMonthly", **_relative(parts, rule))
        elif "BYSETPOS" in parts and "BYMONTHDAY" not in parts:
            raise UnsupportedRecurrence(f"{rule}: BYSETPOS needs BYDAY for Graph")
        else:
            months = _months_reached(local_date.month, interval)
            day = _day_of_month(parts, rule, local_date.day, months)
            pattern.update(type="absoluteMonthly", dayOfMonth=day)
    elif freq == "YEARLY":
        month = _month(parts, rule, local_date.month)
        if "BYDAY" in parts:
            if "BYMONTH" not in parts or "BYMONTHDAY" in parts:
                raise UnsupportedRecurrence(
                    f"{rule}: Graph repeats a weekday position of one given month only"
                )
            pattern.update(type="relativeYearly", month=month, **_relative(parts, rule))
        elif "BYSETPOS" in parts and "BYMONTHDAY" not in parts:
            raise UnsupportedRecurrence(f"{rule}: BYSETPOS needs BYDAY for Graph")
        else:
            pattern.update(type="absoluteYearly", month=month, **_yearly_day(parts, rule, month))
    return pattern


def _yearly_day(parts, rule, month):
    """dayOfMonth (and interval) of a yearly rule on a date; 29 February skips common years
    in RFC 5545 and falls on the 28th in Outlook, so a skipping rule repeats every 4 years
    (a multiple of its interval) from a leap year: the same dates up to 2100."""
    local_date = parts["_start"]
    day = local_date.day if "BYMONTHDAY" not in parts else None
    clamped = False
    if day is None:
        day, clamped = _month_day_clamped(parts, rule)
        if clamped and day == 31:
            day = 29 if month == 2 else 31 if MONTH_DAYS[month] == 31 else 30
    if day > (29 if month == 2 else MONTH_DAYS[month]):
        raise UnsupportedRecurrence(f"{rule}: month {month} has no day {day}")
    if month != 2 or day != 29 or clamped:
        return {"dayOfMonth": day}
    interval = _int(parts.get("INTERVAL", "1"), "INTERVAL")
    if not calendar.isleap(local_date.year) or (local_date.month, local_date.day) != (2, 29):
        raise UnsupportedRecurrence(
            f"{rule}: a series on 29 February must start on a 29 February for Outlook"
        )
    return {"dayOfMonth": 29, "interval": math.lcm(interval, 4)}


def _range(parts, rule, local_date, local_time, timezone):
    rng = {"startDate": local_date.isoformat(), "recurrenceTimeZone": timezone}
    if "COUNT" in parts and "UNTIL" in parts:
        raise UnsupportedRecurrence(f"{rule}: COUNT and UNTIL exclude each other")
    if "COUNT" in parts:
        count = _int(parts["COUNT"], "COUNT")
        if count < 1:
            raise UnsupportedRecurrence(f"{rule}: COUNT must be at least 1")
        rng.update(type="numbered", numberOfOccurrences=count)
    elif "UNTIL" in parts:
        until = parse_moment(parts["UNTIL"], timezone)
        if isinstance(until, dt.datetime):
            local = until.astimezone(zoneinfo.ZoneInfo(timezone))
            end_date = local.date()
            # an UNTIL before the day's start time excludes that day's occurrence
            if local_time is not None and local.time().replace(tzinfo=None) < local_time:
                end_date -= dt.timedelta(days=1)
        else:
            end_date = until
        rng.update(type="endDate", endDate=end_date.isoformat())
    else:
        rng["type"] = "noEnd"
    return rng


def to_pattern(rrule_lines, start, timezone):
    """The Graph ``recurrence`` (pattern + range) of ``rrule_lines``; None without an RRULE.

    ``start`` is the series' first start (aware datetime, or a date for all-day events) and
    ``timezone`` its IANA zone. Raises ``UnsupportedRecurrence`` for what Graph cannot hold.
    """
    rules = []
    for line in rrule_lines or ():
        name, _options, value = content_line(line)
        if name == "RRULE":
            rules.append(value)
        elif name != "EXDATE":
            raise UnsupportedRecurrence(f"Graph recurrences cannot hold {name} ({line})")
    if not rules:
        return None
    if len(rules) > 1:
        raise UnsupportedRecurrence(f"Graph holds one RRULE per series, not {len(rules)}")
    rule = f"RRULE:{rules[0]}"
    parts = rule_parts(rules[0])
    freq = parts.get("FREQ")
    if freq not in ALLOWED_PARTS:
        raise UnsupportedRecurrence(f"{rule}: Graph repeats daily to yearly only, not {freq}")
    unknown = set(parts) - COMMON_PARTS - ALLOWED_PARTS[freq]
    if unknown:
        raise UnsupportedRecurrence(f"{rule}: Graph cannot express {', '.join(sorted(unknown))}")
    local_date, local_time = _local(start, timezone)
    parts["_start"] = local_date
    return {
        "pattern": _pattern(parts, rule, local_date),
        "range": _range(parts, rule, local_date, local_time, timezone),
    }


def _day_list(pattern):
    days = {str(day).lower() for day in pattern.get("daysOfWeek") or ()}
    unknown = days - set(DAY_FROM_GRAPH)
    if unknown or not days:
        raise UnsupportedRecurrence(f"Graph pattern has unusable daysOfWeek {sorted(days)}")
    return [DAY_FROM_GRAPH[day] for day in GRAPH_DAYS if day in days]


def monthly_day_parts(day, first_month=None, interval=1):
    """The canonical RRULE parts of Outlook's monthly "day D" (Odoo's with month end too):
    days 29-31 fall on the last day of shorter months, which RFC 5545 would skip; plain
    BYMONTHDAY=D when the series never reaches a shorter month (both readings agree)."""
    months = _months_reached(first_month, interval) if first_month else range(1, 13)
    if all(MONTH_DAYS[month] >= day for month in months):
        return {"BYMONTHDAY": str(day)}
    if day >= 31:
        return {"BYMONTHDAY": "-1"}
    return {"BYMONTHDAY": f"{day},-1", "BYSETPOS": "1"}


def _relative_parts(pattern):
    codes = _day_list(pattern)
    position = INDEX_FROM_GRAPH.get(pattern.get("index") or "first")
    if position is None:
        raise UnsupportedRecurrence(f"Graph pattern has an unknown index {pattern.get('index')!r}")
    if len(codes) == 1:
        return {"BYDAY": f"{position}{codes[0]}"}
    return {"BYDAY": ",".join(codes), "BYSETPOS": str(position)}


def to_rrule(recurrence, start_tz, all_day=False):
    """The canonical RRULE line of a Graph ``recurrence`` (pattern + range).

    ``start_tz`` is the event's IANA zone: an end date becomes UNTIL at the end of that local
    day (in UTC), or a DATE for an all-day series.
    """
    pattern = recurrence.get("pattern") or {}
    rng = recurrence.get("range") or {}
    kind = pattern.get("type")
    interval = int(pattern.get("interval") or 1)
    start_date = dt.date.fromisoformat(rng["startDate"]) if rng.get("startDate") else None
    parts = {}
    if kind == "daily":
        freq = "DAILY"
    elif kind == "weekly":
        freq = "WEEKLY"
        parts["BYDAY"] = ",".join(_day_list(pattern))
        # Graph's weeks start on Sunday unless it says otherwise; it matters with interval > 1
        first = str(pattern.get("firstDayOfWeek") or "sunday").lower()
        if first not in DAY_FROM_GRAPH:
            raise UnsupportedRecurrence(f"Graph pattern has an unknown firstDayOfWeek {first!r}")
        if interval != 1 and first != "monday":
            parts["WKST"] = DAY_FROM_GRAPH[first]
    elif kind == "absoluteMonthly":
        freq = "MONTHLY"
        first_month = start_date.month if start_date else None
        parts.update(monthly_day_parts(int(pattern["dayOfMonth"]), first_month, interval))
    elif kind == "relativeMonthly":
        freq = "MONTHLY"
        parts.update(_relative_parts(pattern))
    elif kind == "absoluteYearly":
        freq = "YEARLY"
        month, day = int(pattern["month"]), int(pattern["dayOfMonth"])
        leap_only = (
            (month, day) == (2, 29)
            and interval % 4 == 0
            and start_date is not None
            and (start_date.month, start_date.day) == (2, 29)
        )
        if leap_only:
            # every 4 years from a 29 February: RFC 5545's own reading of that date (to 2100)
            interval //= 4
        elif day > MONTH_DAYS[month]:
            # Outlook falls back to the month's last day where RFC 5545 would skip the year
            parts.update(BYMONTH=str(month), BYMONTHDAY="-1")
        # a yearly rule on the start's own date is plain FREQ=YEARLY (as Odoo writes it)
        elif start_date is None or (month, day) != (start_date.month, start_date.day):
            parts.update(BYMONTH=str(month), BYMONTHDAY=str(day))
    elif kind == "relativeYearly":
        freq = "YEARLY"
        parts["BYMONTH"] = str(int(pattern["month"]))
        parts.update(_relative_parts(pattern))
    else:
        raise UnsupportedRecurrence(f"unknown Graph recurrence pattern type {kind!r}")
    if interval != 1:
        parts["INTERVAL"] = str(interval)
    end_type = rng.get("type") or "noEnd"
    if end_type == "numbered":
        parts["COUNT"] = str(int(rng["numberOfOccurrences"]))
    elif end_type == "endDate":
        end_date = dt.date.fromisoformat(rng["endDate"])
        if all_day:
            parts["UNTIL"] = end_date.strftime("%Y%m%d")
        else:
            end_of_day = dt.datetime.combine(
                end_date, dt.time(23, 59, 59), tzinfo=zoneinfo.ZoneInfo(start_tz)
            )
            parts["UNTIL"] = end_of_day.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    elif end_type != "noEnd":
        raise UnsupportedRecurrence(f"unknown Graph recurrence range type {end_type!r}")
    text = f"FREQ={freq}" + "".join(f";{key}={parts[key]}" for key in sorted(parts))
    return (f"RRULE:{text}",)
