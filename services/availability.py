"""Free slots from working hours and busy time: plain interval arithmetic, no Odoo.

Every interval is a ``(start, end)`` pair of naive UTC datetimes, end exclusive. Slots start
on a grid of ``step`` counted from local midnight in ``zone`` (a slot at 9:00, 9:15, ... in
the caller's day, whatever the range's own start), lie inside one working window, and keep
``buffer`` free before and after.
"""

import bisect
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo


def merged(intervals):
    """The union of ``intervals``, sorted, overlapping and touching ones joined."""
    out = []
    for start, end in sorted(i for i in intervals if i[1] > i[0]):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def intersected(first, second):
    """The intersection of two sorted, merged interval lists."""
    out, i, j = [], 0, 0
    while i < len(first) and j < len(second):
        start, end = max(first[i][0], second[j][0]), min(first[i][1], second[j][1])
        if start < end:
            out.append((start, end))
        if first[i][1] < second[j][1]:
            i += 1
        else:
            j += 1
    return out


def _grid_start(moment, step, zone):
    """The first grid point at or after ``moment``: local midnight + k * step."""
    local = moment.replace(tzinfo=UTC).astimezone(zone)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    elapsed = local - midnight
    steps = -(-elapsed // step)
    point = (midnight + steps * step).astimezone(UTC).replace(tzinfo=None)
    # a DST change inside the day shifts the wall clock, not the grid: never go back
    return point if point >= moment else point + step


def free_slots(working, busy, duration, step, buffer=timedelta(0), earliest=None, zone="UTC"):
    """Slots ``(start, start + duration)`` inside the ``working`` windows (sorted, merged),
    not overlapping ``busy`` widened by ``buffer``, starting no sooner than ``earliest``."""
    zone = ZoneInfo(zone)
    busy = merged((start - buffer, end + buffer) for start, end in busy)
    busy_ends = [end for _start, end in busy]
    slots = []
    for window_start, window_end in working:
        moment = max(window_start, earliest) if earliest else window_start
        moment = _grid_start(moment, step, zone)
        while moment + duration <= window_end:
            end = moment + duration
            # the first busy interval that ends after the slot starts
            index = bisect.bisect_right(busy_ends, moment)
            if index < len(busy) and busy[index][0] < end:
                # jump past it, back on the grid
                moment = _grid_start(max(busy[index][1], moment + step), step, zone)
                continue
            slots.append((moment, end))
            moment += step
    return slots


def is_free(working, busy, start, end):
    """Whether [start, end) lies inside one working window and overlaps no busy time."""
    inside = any(a <= start and end <= b for a, b in working)
    return inside and not any(a < end and b > start for a, b in busy)


def parse_utc(value):
    """``YYYY-MM-DD HH:MM:SS`` (Odoo's format, UTC) -> naive datetime; ValueError otherwise."""
    if not isinstance(value, str):
        raise ValueError(value)
    return datetime.strptime(value, "%Y-%m-%d %H:%M:%S")


def format_utc(moment):
    return moment.strftime("%Y-%m-%d %H:%M:%S")
