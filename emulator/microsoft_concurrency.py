"""Outlook's limit of 4 concurrent requests per app and mailbox, batch steps included.

Every Graph call holds one of its mailbox's slots while it runs; a call that finds none is
answered ``429 ApplicationThrottled`` "Application is over its MailboxConcurrency limit." with
``Retry-After`` (Graph throttling limits, Outlook service limits). ``batch_parallel`` makes
``$batch`` run its steps in waves that hold their slots together (``microsoft_batch``), and
``mailbox_contention`` stands for other requests of the same app on the mailbox at that
moment (see ``emulator.nasty``).
"""

import random
import threading
import time
from collections import Counter
from contextlib import contextmanager

from .microsoft_store import MAX_CONCURRENT, GraphError


class MailboxConcurrency:
    """Mixin of MicrosoftEmulator."""

    def _reset_concurrency(self):
        self._inflight = Counter()
        # 429 MailboxConcurrency answers per mailbox, batch steps included
        self.throttled = Counter()
        self._reserved = threading.local()
        # seconds each Graph call holds its mailbox slot (to provoke the concurrency limit)
        self.latency = 0.0
        self.batch_parallel = None
        self.mailbox_contention = 0.0
        self.rng = random.Random(0)

    def _contention(self):
        """Slots of the mailbox that other requests of the same app hold just now."""
        if self.mailbox_contention and self.rng.random() < self.mailbox_contention:
            return self.rng.randint(1, MAX_CONCURRENT)
        return 0

    def _take_slots(self, email, wanted, busy=0):
        """Reserve up to ``wanted`` of the mailbox's concurrent request slots (``busy`` more
        are held elsewhere); returns how many were had. Caller holds ``emu.lock``."""
        free = max(0, MAX_CONCURRENT - self._inflight[email] - busy)
        had = min(wanted, free)
        self._inflight[email] += had
        return had

    @staticmethod
    def _concurrency_error():
        return GraphError(
            429,
            "ApplicationThrottled",
            "Application is over its MailboxConcurrency limit.",
            {"Retry-After": "1"},
        )

    @contextmanager
    def _mailbox_slot(self, user):
        if getattr(self._reserved, "slot", False):
            # a step of a $batch wave: its slot was taken with the wave's
            self._reserved.slot = False
            yield
            return
        with self.emu.lock:
            if not self._take_slots(user.email, 1, self._contention()):
                self.throttled[user.email] += 1
                raise self._concurrency_error()
        try:
            if self.latency:
                time.sleep(self.latency)
            yield
        finally:
            with self.emu.lock:
                self._inflight[user.email] -= 1
