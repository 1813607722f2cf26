"""Backoff policy for provider calls (DESIGN.md rule 3).

Short waits happen in-process; anything longer is re-raised so queue_job retries the job
later (the ORM side turns it into ``RetryableJobError(seconds=policy.delay(...))``).
"""

import math
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from .exceptions import SyncError


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
    """Exponential backoff with full jitter; ``attempt`` 1 is the first retry."""

    base: float = 2.0
    factor: float = 2.0
    max_delay: float = 900.0
    max_attempts: int = 8

    def __post_init__(self):
        if self.base <= 0 or self.factor < 1 or self.max_delay < 0 or self.max_attempts < 1:
            raise ValueError(
                "RetryPolicy needs base > 0, factor >= 1, max_delay >= 0 and max_attempts >= 1"
            )

    def ceiling(self, attempt: int) -> float:
        """The largest backoff for ``attempt`` before jitter (base * factor^(attempt-1))."""
        exponent = max(attempt, 1) - 1
        try:
            return min(self.max_delay, self.base * self.factor**exponent)
        except OverflowError:
            return self.max_delay

    def delay(self, attempt: int, retry_after: float | None = None, rng=random) -> float:
        """Seconds to wait before retry number ``attempt``.

        A server's ``Retry-After`` wins over the cap: retrying sooner only earns another 429.
        """
        wait = rng.uniform(0.0, self.ceiling(attempt))
        if retry_after is not None and retry_after > wait:
            wait = float(retry_after)
        return wait

    def should_retry(self, exc: BaseException, attempt: int) -> bool:
        """Retry only retryable sync errors, and only ``max_attempts`` tries in all."""
        return isinstance(exc, SyncError) and exc.retryable and attempt < self.max_attempts


def call_with_retry(
    fn,
    policy: RetryPolicy,
    *,
    sleep=time.sleep,
    max_inline_wait: float = 5.0,
    on_retry=None,
    rng=random,
):
    """Call ``fn()``, retrying retryable failures in-process while the wait is short.

    A wait longer than ``max_inline_wait`` (or the last allowed attempt) re-raises the error
    so the job queue can retry later without holding a worker. ``on_retry(exc, attempt,
    wait)`` is called before each in-process wait.
    """
    attempt = 0
    while True:
        attempt += 1
        try:
            return fn()
        except SyncError as exc:
            if not policy.should_retry(exc, attempt):
                raise
            wait = policy.delay(attempt, getattr(exc, "retry_after", None), rng=rng)
            if wait > max_inline_wait:
                raise
            if on_retry is not None:
                on_retry(exc, attempt, wait)
            sleep(wait)
