"""Backoff policy for provider calls (DESIGN.md rule 3).

A provider's ``Retry-After`` is parsed here; without one, the wait is the job's own
``retry_pattern`` (a whole job) or ``RetryPolicy`` (a job re-queueing what is left of it).
"""

import math
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


def parse_retry_after(value, now=None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP-date.

    ``now`` (a UTC timestamp or an aware datetime) is the reference for dates. Anything
    unparsable gives None; a date in the past or a negative delay gives 0.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        text = str(value).strip()
        if not text:
            return None
        try:
            seconds = float(text)
        except ValueError:
            seconds = _seconds_until_http_date(text, now)
            if seconds is None:
                return None
    if not math.isfinite(seconds):
        return None
    return max(seconds, 0.0)


def _seconds_until_http_date(text: str, now) -> float | None:
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        # HTTP-dates are always GMT; "-0000" parses as naive.
        when = when.replace(tzinfo=UTC)
    if now is None:
        reference = time.time()
    elif isinstance(now, datetime):
        reference = now.timestamp()
    else:
        reference = float(now)
    return when.timestamp() - reference


@dataclass
class RetryPolicy:
    """Exponential backoff with equal jitter; ``attempt`` 1 is the first retry.

    Whole failed jobs retry by queue_job's ``retry_pattern`` (data/queue_job.xml);
    this policy paces what a job re-queues itself: the operations of a batch that the
    provider refused for a while when the others went through.
    """

    base: float = 10.0
    factor: float = 2.0
    max_delay: float = 900.0

    def __post_init__(self):
        if self.base <= 0 or self.factor < 1 or self.max_delay < 0:
            raise ValueError("RetryPolicy needs base > 0, factor >= 1 and max_delay >= 0")

    def ceiling(self, attempt: int) -> float:
        """The largest backoff for ``attempt`` (base * factor^(attempt-1), capped)."""
        exponent = max(attempt, 1) - 1
        try:
            return min(self.max_delay, self.base * self.factor**exponent)
        except OverflowError:
            return self.max_delay

    def delay(self, attempt: int, retry_after: float | None = None, rng=random) -> float:
        """Seconds to wait before retry number ``attempt``: between half the ceiling and the
        ceiling, so pauses grow and clients spread out. A server's ``Retry-After`` wins over
        the cap: retrying sooner only earns another 429."""
        ceiling = self.ceiling(attempt)
        wait = ceiling / 2 + rng.uniform(0.0, ceiling / 2)
        if retry_after is not None and retry_after > wait:
            wait = float(retry_after)
        return wait
