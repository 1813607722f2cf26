"""The steps of a range resync: the range cut into windows of at most a month, each pulled
and/or pushed in its own job, so a long range shows its progress as the jobs finish and no
single job has to hold a year of events."""

from datetime import datetime, time, timedelta

CHUNK_DAYS = 31
KINDS = ("pull", "push")


def range_window(date_from, date_to):
    """The dates of a range as the naive UTC datetimes the engine uses (end day included)."""
    return (
        datetime.combine(date_from, time.min),
        datetime.combine(date_to + timedelta(days=1), time.min),
    )


def resync_steps(date_from, date_to, direction, chunk_days=CHUNK_DAYS):
    """``[(kind, window)]`` in order: each window's pull before its push ("both"), windows
    from the earliest. A range that ends before it starts has no step."""
    if direction not in (*KINDS, "both"):
        raise ValueError(f"unknown resync direction {direction!r}")
    kinds = [kind for kind in KINDS if direction in (kind, "both")]
    steps = []
    start = date_from
    while start <= date_to:
        end = min(start + timedelta(days=chunk_days - 1), date_to)
        steps += [(kind, range_window(start, end)) for kind in kinds]
        start = end + timedelta(days=1)
    return steps
