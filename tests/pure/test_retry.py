"""Backoff policy: Retry-After parsing and jittered, growing delays."""

import random
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from services.retry import RetryPolicy, parse_retry_after

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


def test_delay_is_equal_jitter_under_an_exponential_cap():
    policy = RetryPolicy(base=2.0, factor=2.0, max_delay=900.0)
    rng = random.Random(7)
    for attempt, cap in [(1, 2.0), (2, 4.0), (3, 8.0), (6, 64.0), (10, 900.0), (5000, 900.0)]:
        waits = [policy.delay(attempt, rng=rng) for _ in range(300)]
        assert all(cap / 2 <= w <= cap for w in waits)
        assert max(waits) > cap * 0.95, "jitter reaches close to the cap"
        assert min(waits) < cap * 0.55, "and down to half of it"


def test_the_default_first_pause_is_seconds_and_the_pauses_outlast_a_quarter_hour():
    policy = RetryPolicy()
    rng = random.Random(5)
    assert 5.0 <= policy.delay(1, rng=rng) <= 10.0
    # the worst case (every pause at its lowest) still spans 15 minutes within 10 retries
    assert sum(policy.ceiling(a) / 2 for a in range(1, 11)) > 15 * 60


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
    assert policy.delay(1, retry_after=0.0, rng=rng) <= 10.0


def test_attempt_below_one_is_the_first_retry():
    policy = RetryPolicy(base=3.0)
    assert policy.ceiling(0) == policy.ceiling(1) == 3.0


def test_invalid_policy():
    with pytest.raises(ValueError):
        RetryPolicy(base=0)
    with pytest.raises(ValueError):
        RetryPolicy(factor=0.5)
