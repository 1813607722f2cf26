"""Backoff policy: Retry-After parsing, jittered delays, and in-process vs queued retries."""

import random
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from services.exceptions import (
    AuthRevoked,
    BadRequest,
    PreconditionFailed,
    RateLimited,
    SyncTokenExpired,
    TransientError,
)
from services.retry import RetryPolicy, call_with_retry, parse_retry_after

NOW = datetime(2024, 3, 31, 0, 59, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("120", 120.0), (" 7 ", 7.0), ("0", 0.0), ("1.5", 1.5), (b"30", 30.0), (45, 45.0)],
)
def test_delta_seconds(value, seconds):
    assert parse_retry_after(value) == seconds


@pytest.mark.parametrize("value", ["-5", -3, -0.5])
def test_negative_delay_means_now(value):
    assert parse_retry_after(value) == 0.0


def test_http_date_in_the_future():
    header = format_datetime(NOW + timedelta(seconds=90), usegmt=True)
    assert header.endswith("GMT")
    assert parse_retry_after(header, now=NOW) == 90.0
    assert parse_retry_after(header, now=NOW.timestamp()) == 90.0


def test_http_date_obsolete_formats():
    # RFC 9110 recipients must accept RFC 850 and asctime dates too.
    assert parse_retry_after("Sun, 31 Mar 2024 01:00:00 GMT", now=NOW) == 30.0
    assert parse_retry_after("Sun, 31 Mar 2024 01:00:00 -0000", now=NOW) == 30.0
    assert parse_retry_after("Sunday, 31-Mar-24 01:00:00 GMT", now=NOW) == 30.0
    assert parse_retry_after("Sun Mar 31 01:00:00 2024", now=NOW) == 30.0


def test_http_date_does_not_depend_on_the_local_zone(monkeypatch):
    monkeypatch.setenv("TZ", "America/Los_Angeles")
    time.tzset()
    try:
        assert parse_retry_after("Sun, 31 Mar 2024 01:00:00 -0000", now=NOW) == 30.0
        assert parse_retry_after("Sun Mar 31 01:00:00 2024", now=NOW) == 30.0
    finally:
        monkeypatch.undo()
        time.tzset()


def test_http_date_in_the_past_means_now():
    assert parse_retry_after("Sat, 30 Mar 2024 01:00:00 GMT", now=NOW) == 0.0


def test_http_date_uses_the_clock_by_default():
    header = format_datetime(datetime.now(UTC) + timedelta(hours=1), usegmt=True)
    assert 3590 < parse_retry_after(header) <= 3600


@pytest.mark.parametrize(
    "value", [None, "", "   ", "soon", "nan", "inf", "-inf", "Mon, 99 Foo 2024", True, "12 s"]
)
def test_garbage_gives_none(value):
    assert parse_retry_after(value, now=NOW) is None


def test_delay_is_full_jitter_under_an_exponential_cap():
    policy = RetryPolicy(base=2.0, factor=2.0, max_delay=900.0)
    rng = random.Random(7)
    for attempt, cap in [(1, 2.0), (2, 4.0), (3, 8.0), (6, 64.0), (10, 900.0), (5000, 900.0)]:
        waits = [policy.delay(attempt, rng=rng) for _ in range(300)]
        assert all(0.0 <= w <= cap for w in waits)
        assert max(waits) > cap * 0.9, "jitter should reach close to the cap"
        assert min(waits) < cap * 0.1, "full jitter spreads down to zero"


def test_delay_grows_with_attempts_on_average():
    policy = RetryPolicy()
    rng = random.Random(3)
    means = [sum(policy.delay(a, rng=rng) for _ in range(400)) / 400 for a in (1, 3, 5, 7)]
    assert means == sorted(means)
    assert means[-1] > 10 * means[0]


def test_delay_never_below_retry_after_even_past_the_cap():
    policy = RetryPolicy(max_delay=60.0)
    rng = random.Random(1)
    for attempt in range(1, 12):
        assert policy.delay(attempt, retry_after=30.0, rng=rng) >= 30.0
    assert policy.delay(1, retry_after=3600.0, rng=rng) == 3600.0
    assert policy.delay(1, retry_after=0.0, rng=rng) <= 2.0


def test_attempt_below_one_is_the_first_retry():
    policy = RetryPolicy(base=3.0)
    assert policy.ceiling(0) == policy.ceiling(1) == 3.0


def test_invalid_policy():
    with pytest.raises(ValueError):
        RetryPolicy(base=0)
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)


def test_should_retry_only_retryable_sync_errors_within_attempts():
    policy = RetryPolicy(max_attempts=3)
    assert policy.should_retry(TransientError("503", status=503), 1)
    assert policy.should_retry(RateLimited("429", status=429, retry_after=5), 2)
    assert not policy.should_retry(RateLimited("429"), 3)
    for exc in [
        AuthRevoked("invalid_grant"),
        SyncTokenExpired("410"),
        PreconditionFailed("412"),
        BadRequest("400"),
        ValueError("bug"),
        TimeoutError("raw, not translated by a client"),
    ]:
        assert not policy.should_retry(exc, 1), exc


class Flaky:
    """Fails with the given errors in turn, then answers."""

    def __init__(self, *errors):
        self.errors = list(errors)
        self.calls = 0

    def __call__(self):
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


def test_short_waits_retry_in_process():
    waits, seen = [], []
    fn = Flaky(TransientError("502"), RateLimited("429", retry_after=1))
    result = call_with_retry(
        fn,
        RetryPolicy(base=1.0),
        sleep=waits.append,
        on_retry=lambda exc, attempt, wait: seen.append((type(exc).__name__, attempt, wait)),
        rng=random.Random(5),
    )
    assert result == "ok" and fn.calls == 3
    assert len(waits) == 2
    assert 0.0 <= waits[0] <= 1.0
    assert 1.0 <= waits[1] <= 2.0, "Retry-After of 1s must be honoured"
    assert seen == [("TransientError", 1, waits[0]), ("RateLimited", 2, waits[1])]


def test_long_retry_after_is_left_to_the_job_queue():
    waits = []
    fn = Flaky(RateLimited("429", retry_after=30))
    with pytest.raises(RateLimited) as info:
        call_with_retry(fn, RetryPolicy(), sleep=waits.append, max_inline_wait=5.0)
    assert info.value.retry_after == 30
    assert fn.calls == 1 and waits == []


def test_backoff_growing_past_the_inline_limit_reraises():
    waits = []
    fn = Flaky(*[TransientError("500") for _ in range(20)])
    with pytest.raises(TransientError):
        call_with_retry(
            fn, RetryPolicy(base=1.0), sleep=waits.append, max_inline_wait=5.0, rng=FullJitterMax()
        )
    assert waits == [1.0, 2.0, 4.0], "the 8s backoff is too long to wait in a worker"
    assert fn.calls == 4


class FullJitterMax:
    """An rng that always picks the top of the jitter range."""

    def uniform(self, low, high):
        return high


def test_gives_up_after_max_attempts():
    waits = []
    fn = Flaky(*[TransientError("500") for _ in range(10)])
    with pytest.raises(TransientError):
        call_with_retry(fn, RetryPolicy(base=0.01, max_attempts=4), sleep=waits.append)
    assert fn.calls == 4 and len(waits) == 3


def test_non_retryable_errors_are_not_retried():
    for error in [AuthRevoked("invalid_grant"), KeyError("bug")]:
        fn = Flaky(error)
        waits = []
        with pytest.raises(type(error)):
            call_with_retry(fn, RetryPolicy(), sleep=waits.append)
        assert fn.calls == 1 and waits == []
