"""Notifications lost, sent twice and out of order (the notifier's modes and nasty mode)."""

import itertools
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class Receiver:
    """A webhook endpoint on loopback that records the bodies it is sent, in order."""

    def __init__(self):
        self.bodies = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                receiver.bodies.append(int(self.rfile.read(length)))
                self.send_response(202)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/notify"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


def send(emulator, receiver, count):
    for number in range(count):
        emulator.notifier.send(receiver.url, {}, str(number).encode())
    assert emulator.notifier.flush()
    return receiver.bodies


def test_counted_modes_lose_double_and_hold_back_the_next_notifications(emulator, receiver):
    emulator.notifier.mode.drop = 1
    emulator.notifier.mode.duplicate = 1
    emulator.notifier.mode.reorder = 1
    # 0 lost; 1 held back until 2 has gone (2 is also the one sent twice); 3 as is
    assert send(emulator, receiver, 4) == [2, 2, 1, 3]


def run_nasty(emulator, receiver, seed):
    emulator.reset()
    receiver.bodies = []
    emulator.nasty(seed=seed)
    return list(send(emulator, receiver, 300))


def test_nasty_mode_loses_doubles_and_reorders_at_random_and_replays_with_its_seed(
    emulator, receiver
):
    got = run_nasty(emulator, receiver, seed=1)
    lost = set(range(300)) - set(got)
    doubled = {n for n in got if got.count(n) > 1}
    late = [b for a, b in itertools.pairwise(got) if b < a]
    # about a fifth each, with the seed's draws
    assert 30 < len(lost) < 90
    assert 30 < len(doubled) < 90
    assert 20 < len(late) < 90
    assert run_nasty(emulator, receiver, seed=1) == got
    assert run_nasty(emulator, receiver, seed=2) != got


def test_reset_ends_nasty_mode(emulator, receiver):
    emulator.nasty(seed=1)
    emulator.reset()
    assert send(emulator, receiver, 50) == list(range(50))
