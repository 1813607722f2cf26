"""Count the provider API requests made while a block runs (one sync job, for its log line).

The clients call ``count_request(provider)`` once per HTTP request they send to the calendar
API (token endpoints are not counted). Counters are kept in a context variable: a job counts
only its own requests, even with several jobs running in threads of one worker.
"""

import contextlib
import contextvars
import threading
from collections import Counter

_ACTIVE = contextvars.ContextVar("calendar_cloud_sync_request_counters", default=())


class RequestCounter:
    """Requests counted per provider while its ``counting()`` block was active."""

    def __init__(self):
        self._lock = threading.Lock()
        self._counts = Counter()

    def add(self, provider):
        with self._lock:
            self._counts[provider] += 1

    @property
    def total(self):
        return sum(self._counts.values())

    def by_provider(self):
        return dict(self._counts)


@contextlib.contextmanager
def counting():
    """``with counting() as counter:`` counts the requests sent inside the block; blocks can
    be nested, each sees every request sent while it is open."""
    counter = RequestCounter()
    token = _ACTIVE.set((*_ACTIVE.get(), counter))
    try:
        yield counter
    finally:
        _ACTIVE.reset(token)


def count_request(provider):
    """Called by a client for each API request it sends."""
    for counter in _ACTIVE.get():
        counter.add(provider)
