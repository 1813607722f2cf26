"""Graph $batch, throttling and the per-mailbox concurrency limit on the emulator."""

import threading

import pytest
from graph_api import GraphApi

BODY = {
    "subject": "x",
    "start": {"dateTime": "2024-05-02T09:00:00", "timeZone": "UTC"},
    "end": {"dateTime": "2024-05-02T10:00:00", "timeZone": "UTC"},
}
JSON = {"Content-Type": "application/json"}


class Graph(GraphApi):
    def batch(self, steps):
        resp = self("POST", "/$batch", json={"requests": steps})
        assert resp.status_code == 200, resp.text
        return {r["id"]: r for r in resp.json()["responses"]}


@pytest.fixture
def graph(emulator):
    return Graph(emulator, "alice@example.com")


def test_batch_runs_each_step_as_an_operation(emulator, graph):
    created = graph("POST", "/me/events", json=BODY).json()
    answers = graph.batch(
        [
            {"id": "1", "method": "POST", "url": "/me/events", "headers": JSON, "body": BODY},
            {
                "id": "2",
                "method": "GET",
                "url": f"/me/events/{created['id']}",
                "headers": {"Prefer": 'outlook.timezone="Europe/Paris"'},
            },
            {
                "id": "3",
                "method": "PATCH",
                "url": f"me/events/{created['id']}",
                "headers": JSON,
                "body": {"subject": "batched"},
                "dependsOn": ["2"],
            },
            {"id": "4", "method": "DELETE", "url": "/me/events/AAMkAGmissing"},
        ]
    )

    assert [answers[i]["status"] for i in "1234"] == [201, 200, 200, 404]
    assert answers["2"]["body"]["start"]["timeZone"] == "Europe/Paris"
    assert answers["3"]["body"]["subject"] == "batched"
    assert answers["4"]["body"]["error"]["code"] == "ErrorItemNotFound"
    assert emulator.count("microsoft", "events.create") == 1
    assert emulator.count("microsoft", "events.create", operations=True) == 2
    assert emulator.count("microsoft", "batch") == 1


def test_batch_refuses_more_than_twenty_steps(graph):
    steps = [{"id": str(i), "method": "GET", "url": "/me/calendar"} for i in range(21)]
    resp = graph("POST", "/$batch", json={"requests": steps})
    assert resp.status_code == 400
    ok = graph("POST", "/$batch", json={"requests": steps[:20]})
    assert ok.status_code == 200


def test_failed_dependency_is_424(graph):
    answers = graph.batch(
        [
            {
                "id": "a",
                "method": "POST",
                "url": "/me/events",
                "headers": JSON,
                "body": {"subject": "x", "wrong": 1},
            },
            {"id": "b", "method": "GET", "url": "/me/calendar", "dependsOn": ["a"]},
        ]
    )
    assert answers["a"]["status"] == 400
    assert answers["b"]["status"] == 424


def test_faults_apply_to_single_steps(emulator, graph):
    emulator.add_fault("microsoft", "calendars.get", status=429, retry_after=7, times=1)
    answers = graph.batch(
        [{"id": str(i), "method": "GET", "url": "/me/calendar"} for i in range(3)]
    )
    assert [answers[str(i)]["status"] for i in range(3)] == [429, 200, 200]
    assert answers["0"]["headers"]["Retry-After"] == "7"


def test_body_needs_a_content_type(graph):
    answers = graph.batch([{"id": "1", "method": "POST", "url": "/me/events", "body": BODY}])
    assert answers["1"]["status"] == 400
    assert graph("GET", "/me/events").json()["value"] == []


@pytest.mark.parametrize(
    ("status", "code"), [(429, "TooManyRequests"), (503, "ServiceNotAvailable")]
)
def test_throttling_answers_carry_retry_after(emulator, graph, status, code):
    emulator.add_fault("microsoft", "events.list", status=status, retry_after=3)
    resp = graph("GET", "/me/events")
    assert resp.status_code == status
    assert resp.headers["Retry-After"] == "3"
    assert resp.json()["error"]["code"] == code
    assert graph("GET", "/me/events").status_code == 200


def test_fifth_concurrent_request_on_a_mailbox_is_throttled(emulator, graph):
    emulator.providers["microsoft"].latency = 0.5
    other = Graph(emulator, "bob@example.com")
    start = threading.Barrier(7)
    results = []

    def call(client):
        start.wait()
        results.append((client is other, client("GET", "/me/calendar")))

    threads = [threading.Thread(target=call, args=(graph,)) for _ in range(6)]
    threads.append(threading.Thread(target=call, args=(other,)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    alice = sorted(r.status_code for is_bob, r in results if not is_bob)
    assert alice == [200, 200, 200, 200, 429, 429]
    throttled = next(r for is_bob, r in results if r.status_code == 429)
    assert throttled.json()["error"]["code"] == "ApplicationThrottled"
    assert "Retry-After" in throttled.headers
    assert [r.status_code for is_bob, r in results if is_bob] == [200]
