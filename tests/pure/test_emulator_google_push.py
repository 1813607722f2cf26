"""Push channels (events.watch) and the batch endpoint of the Google emulator."""

import threading
import time
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from google_api import GoogleApi

USER = "ann@example.com"
EVENT = {
    "summary": "Sync me",
    "start": {"dateTime": "2024-05-06T09:00:00Z"},
    "end": {"dateTime": "2024-05-06T10:00:00Z"},
}


class Receiver:
    """A webhook endpoint on loopback that records what it is sent."""

    def __init__(self):
        self.received = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                receiver.received.append((dict(self.headers), self.rfile.read(length)))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/notify"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def states(self):
        return [h["X-Goog-Resource-State"] for h, _body in self.received]


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


class Api(GoogleApi):
    def __init__(self, emulator, email=USER):
        super().__init__(emulator, email)

    def watch(self, address, channel_id="chan-1", token="secret-token", ttl="3600"):
        body = {"id": channel_id, "type": "web_hook", "address": address, "params": {"ttl": ttl}}
        if token is not None:
            body["token"] = token
        return self("POST", "/calendars/primary/events/watch", json=body)


@pytest.fixture
def api(emulator):
    return Api(emulator)


def test_watch_answers_a_channel_and_sends_sync_then_exists(emulator, api, receiver):
    before = time.time()
    response = api.watch(receiver.url)
    assert response.status_code == 200
    channel = response.json()
    assert channel["kind"] == "api#channel"
    assert channel["id"] == "chan-1"
    assert channel["resourceId"]
    assert channel["resourceUri"].endswith(f"/calendars/{USER}/events?alt=json")
    assert before + 3590 < int(channel["expiration"]) / 1000 < time.time() + 3610
    api("POST", "/calendars/primary/events", json=EVENT)
    emulator.notifier.flush()
    assert receiver.states() == ["sync", "exists"]
    headers, body = receiver.received[1]
    assert body == b""
    assert headers["X-Goog-Channel-ID"] == "chan-1"
    assert headers["X-Goog-Channel-Token"] == "secret-token"
    assert headers["X-Goog-Resource-ID"] == channel["resourceId"]
    assert headers["X-Goog-Resource-URI"] == channel["resourceUri"]
    assert [h["X-Goog-Message-Number"] for h, _b in receiver.received] == ["1", "2"]
    expiration = parsedate_to_datetime(headers["X-Goog-Channel-Expiration"])
    assert abs(expiration.timestamp() - int(channel["expiration"]) / 1000) < 1


def test_channel_token_header_only_when_set(emulator, api, receiver):
    api.watch(receiver.url, token=None)
    emulator.notifier.flush()
    assert "X-Goog-Channel-Token" not in receiver.received[0][0]


def test_one_message_per_change_with_increasing_numbers(emulator, api, receiver):
    api.watch(receiver.url)
    event = api("POST", "/calendars/primary/events", json=EVENT).json()
    api("PATCH", f"/calendars/primary/events/{event['id']}", json={"summary": "2"})
    api("DELETE", f"/calendars/primary/events/{event['id']}")
    api("GET", "/calendars/primary/events")
    emulator.notifier.flush()
    assert receiver.states() == ["sync", "exists", "exists", "exists"]
    numbers = [int(h["X-Goog-Message-Number"]) for h, _b in receiver.received]
    assert numbers == sorted(numbers) and len(set(numbers)) == 4


def test_changes_on_another_calendar_are_not_sent(emulator, api, receiver):
    api.watch(receiver.url)
    other = Api(emulator, "bob@example.com")
    other("POST", "/calendars/primary/events", json=EVENT)
    emulator.notifier.flush()
    assert receiver.states() == ["sync"]


def test_stop_channel(emulator, api, receiver):
    channel = api.watch(receiver.url).json()
    unknown = api("POST", "/channels/stop", json={"id": "chan-1", "resourceId": "other"})
    assert unknown.status_code == 404
    stopped = api(
        "POST", "/channels/stop", json={"id": "chan-1", "resourceId": channel["resourceId"]}
    )
    assert stopped.status_code == 204
    api("POST", "/calendars/primary/events", json=EVENT)
    emulator.notifier.flush()
    assert receiver.states() == ["sync"]
    again = api(
        "POST", "/channels/stop", json={"id": "chan-1", "resourceId": channel["resourceId"]}
    )
    assert again.status_code == 404


def test_expired_channel_stops_sending(emulator, api, receiver):
    expiration = int((time.time() + 0.2) * 1000)
    api(
        "POST",
        "/calendars/primary/events/watch",
        json={
            "id": "short",
            "type": "web_hook",
            "address": receiver.url,
            "expiration": str(expiration),
        },
    )
    time.sleep(0.3)
    api("POST", "/calendars/primary/events", json=EVENT)
    emulator.notifier.flush()
    assert receiver.states() == ["sync"]
    assert emulator.providers["google"].channels_of(USER) == []


def test_duplicate_channel_id_is_400(api, receiver):
    assert api.watch(receiver.url).status_code == 200
    duplicate = api.watch(receiver.url)
    assert duplicate.status_code == 400
    assert duplicate.json()["error"]["errors"][0]["reason"] == "channelIdNotUnique"


def test_watch_needs_id_type_and_address(api, receiver):
    response = api("POST", "/calendars/primary/events/watch", json={"id": "c", "type": "web_hook"})
    assert response.status_code == 400
    assert response.json()["error"]["errors"][0]["reason"] == "required"


def batch_body(parts, boundary="b0undary"):
    chunks = []
    for index, (method, path, body) in enumerate(parts):
        request = f"{method} /google/calendar/v3{path} HTTP/1.1\r\n"
        if body is not None:
            request += "Content-Type: application/json\r\n\r\n" + body
        chunks.append(
            f"--{boundary}\r\nContent-Type: application/http\r\n"
            f"Content-ID: <item{index}:req@example.com>\r\n\r\n{request}\r\n"
        )
    return "".join(chunks) + f"--{boundary}--\r\n"


def post_batch(emulator, api, payload, boundary="b0undary"):
    return requests.post(
        emulator.url("google", "/batch/calendar/v3"),
        data=payload.encode(),
        headers={
            "Authorization": f"Bearer {api.token}",
            "Content-Type": f"multipart/mixed; boundary={boundary}",
        },
        timeout=10,
    )


def test_batch_runs_each_part_and_answers_multipart(emulator, api):
    event = api("POST", "/calendars/primary/events", json=EVENT).json()
    emulator.add_fault("google", "events.get", status=503, retry_after=3)
    payload = batch_body(
        [
            ("POST", "/calendars/primary/events", '{"summary": "no times"}'),
            ("GET", f"/calendars/primary/events/{event['id']}", None),
            ("DELETE", f"/calendars/primary/events/{event['id']}", None),
        ]
    )
    response = post_batch(emulator, api, payload)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("multipart/mixed; boundary=")
    text = response.text
    assert [f"Content-ID: <response-item{i}:req@example.com>" in text for i in range(3)] == [
        True,
        True,
        True,
    ]
    statuses = [line.split(" ")[1] for line in text.split("\r\n") if line.startswith("HTTP/1.1")]
    assert statuses == ["400", "503", "204"]
    assert "Retry-After: 3" in text
    assert emulator.count("google", "batch") == 1
    assert emulator.count("google", "events.get") == 0
    assert emulator.count("google", "events.get", operations=True) == 1
    assert emulator.count("google", "events.delete", operations=True) == 1


def test_batch_over_1000_parts_is_400(emulator, api):
    payload = batch_body([("GET", "/calendars/primary/events", None)] * 1001)
    response = post_batch(emulator, api, payload)
    assert response.status_code == 400
    assert emulator.count("google", "events.list", operations=True) == 0
