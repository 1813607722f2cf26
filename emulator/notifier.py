"""Webhook delivery from a background thread, as the providers do it: notifications may be
lost, sent twice or sent out of order (``NotifierMode``)."""

import queue
import random
import threading
import time
from dataclasses import dataclass, field

import requests


@dataclass
class Delivery:
    url: str
    headers: dict
    body: bytes = b""
    tag: str = ""
    status: int | None = None
    error: str | None = None
    attempts: int = 0
    delivered_at: float | None = None


@dataclass
class NotifierMode:
    """What happens to the next notifications: lost, sent twice, or sent out of order.

    ``drop`` / ``duplicate`` / ``reorder`` count the next notifications so treated; with a
    ``chaos`` random generator, every notification is also lost, sent twice or held back
    (sent after the next one) with the probabilities ``p_drop`` / ``p_duplicate`` /
    ``p_reorder``. Both providers allow it: Google's push is "not 100% reliable" and a
    message can be lost or come twice; Graph notifications may be delayed, retried (sent
    again) and come in any order.
    """

    drop: int = 0
    duplicate: int = 0
    reorder: int = 0
    held: list = field(default_factory=list)
    chaos: random.Random | None = None
    p_drop: float = 0.0
    p_duplicate: float = 0.0
    p_reorder: float = 0.0

    def draw(self, name):
        """Whether the next notification gets treatment ``name`` (drop/duplicate/reorder)."""
        left = getattr(self, name)
        if left > 0:
            setattr(self, name, left - 1)
            return True
        return self.chaos is not None and self.chaos.random() < getattr(self, "p_" + name)


class Notifier:
    """Delivers webhook POSTs from a background thread, like the providers do.

    Notifications are fire-and-forget for the provider; tests call ``flush()`` to wait until
    everything queued so far has been attempted.
    """

    def __init__(self):
        self.mode = NotifierMode()
        self.sent = []
        self._queue = queue.Queue()
        self._lock = threading.Lock()
        self._session = requests.Session()
        self._thread = threading.Thread(target=self._run, name="emulator-notifier", daemon=True)
        self._thread.start()

    def reset(self):
        self.flush()
        with self._lock:
            self.mode = NotifierMode()
            self.sent = []

    def send(self, url, headers, body=b"", tag=""):
        delivery = Delivery(url=url, headers=dict(headers), body=body, tag=tag)
        with self._lock:
            mode = self.mode
            if mode.draw("drop"):
                delivery.error = "dropped"
                self.sent.append(delivery)
                return delivery
            if not mode.held and mode.draw("reorder"):
                mode.held.append(delivery)
                return delivery
            batch = [delivery]
            if mode.draw("duplicate"):
                batch.append(Delivery(url=url, headers=dict(headers), body=body, tag=tag))
            # a held notification goes out after the one that came later
            batch.extend(mode.held)
            mode.held = []
        for item in batch:
            self._queue.put(item)
        return delivery

    def post_sync(self, url, headers, body=b"", timeout=10):
        """A synchronous call (Graph's validation handshake): returns the response."""
        return self._session.post(url, headers=headers, data=body, timeout=timeout)

    def flush(self, timeout=10):
        """Wait until every queued notification has been attempted."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._queue.unfinished_tasks == 0:
                return True
            time.sleep(0.01)
        return False

    def _run(self):
        while True:
            delivery = self._queue.get()
            try:
                delivery.attempts += 1
                resp = self._session.post(
                    delivery.url, headers=delivery.headers, data=delivery.body, timeout=10
                )
                delivery.status = resp.status_code
            except requests.RequestException as exc:
                delivery.error = type(exc).__name__
            finally:
                delivery.delivered_at = time.time()
                with self._lock:
                    self.sent.append(delivery)
                self._queue.task_done()
