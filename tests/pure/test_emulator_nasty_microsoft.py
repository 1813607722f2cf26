"""The Graph emulator's unkind options (emulator.nasty): delta, deletes, mailbox concurrency."""

import pytest
from graph_api import GraphApi

WINDOW = {"startDateTime": "2024-05-01T00:00:00Z", "endDateTime": "2024-06-01T00:00:00Z"}
JSON = {"Content-Type": "application/json"}


def body(day=2, subject="Event", **fields):
    return {
        "subject": subject,
        "start": {"dateTime": f"2024-05-{day:02d}T09:00:00", "timeZone": "UTC"},
        "end": {"dateTime": f"2024-05-{day:02d}T10:00:00", "timeZone": "UTC"},
        **fields,
    }


class Graph(GraphApi):
    def create(self, day=2, **fields):
        resp = self("POST", "/me/events", json=body(day, **fields))
        assert resp.status_code == 201, resp.text
        return resp.json()

    def sync(self, url="/me/calendarView/delta", params=None, page_size=None):
        """Follow nextLinks to the end: (items, page sizes, deltaLink)."""
        headers = {"Prefer": f"odata.maxpagesize={page_size}"} if page_size else {}
        items, sizes = [], []
        while True:
            resp = self("GET", url, params=params, headers=headers)
            assert resp.status_code == 200, resp.text
            page = resp.json()
            items += page["value"]
            sizes.append(len(page["value"]))
            if "@odata.nextLink" not in page:
                return items, sizes, page["@odata.deltaLink"]
            url, params = page["@odata.nextLink"], None

    def batch(self, steps):
        resp = self("POST", "/$batch", json={"requests": steps})
        assert resp.status_code == 200, resp.text
        return {r["id"]: r for r in resp.json()["responses"]}


@pytest.fixture
def graph(emulator):
    return Graph(emulator, "alice@example.com")


@pytest.fixture
def microsoft(emulator):
    return emulator.providers["microsoft"]


def creates(count, depends=False):
    steps = []
    for index in range(count):
        step = {
            "id": str(index + 1),
            "method": "POST",
            "url": "/me/events",
            "headers": JSON,
            "body": body(2 + index, f"E{index}"),
        }
        if depends and index:
            step["dependsOn"] = [str(index)]
        steps.append(step)
    return steps


def test_delta_pages_hold_at_most_page_limit_items(microsoft, graph):
    for day in range(2, 9):
        graph.create(day)
    microsoft.page_limit = 3
    items, sizes, _link = graph.sync(params=WINDOW, page_size=50)
    assert sizes == [3, 3, 1]
    assert len(items) == 7


def test_a_removed_occurrence_is_a_bare_id_and_the_series_is_not_listed_again(microsoft, graph):
    master = graph.create(
        6,
        recurrence={
            "pattern": {"type": "daily", "interval": 1},
            "range": {"type": "numbered", "startDate": "2024-05-06", "numberOfOccurrences": 3},
        },
    )
    items, _sizes, link = graph.sync(params=WINDOW)
    occurrence = [i for i in items if i["type"] == "occurrence"][1]
    microsoft.bare_removed = True

    assert graph("DELETE", f"/me/events/{occurrence['id']}").status_code == 204
    items, _sizes, _link = graph.sync(url=link)

    assert items == [{"id": occurrence["id"], "@removed": {"reason": "deleted"}}]
    assert master["id"] not in {i["id"] for i in items}


def test_a_patch_of_a_deleted_event_or_occurrence_is_404(graph):
    event = graph.create()
    master = graph.create(
        6,
        recurrence={
            "pattern": {"type": "daily", "interval": 1},
            "range": {"type": "numbered", "startDate": "2024-05-06", "numberOfOccurrences": 3},
        },
    )
    occurrence = graph("GET", f"/me/events/{master['id']}/instances", params=WINDOW).json()[
        "value"
    ][1]
    graph("DELETE", f"/me/events/{event['id']}")
    graph("DELETE", f"/me/events/{occurrence['id']}")
    for item in (event, occurrence):
        answer = graph(
            "PATCH",
            f"/me/events/{item['id']}",
            json={"subject": "late edit"},
            headers={"If-Match": item["@odata.etag"]},
        )
        assert answer.status_code == 404
        assert answer.json()["error"]["code"] == "ErrorItemNotFound"


def test_batch_steps_run_four_at_a_time_each_in_a_mailbox_slot(emulator, microsoft, graph):
    microsoft.batch_parallel = 4
    answers = graph.batch(creates(10))
    assert [answers[str(i)]["status"] for i in range(1, 11)] == [201] * 10

    # another request of the same app holds one of the 4 slots meanwhile: each wave of 4
    # steps has a step too many, answered 429 MailboxConcurrency with Retry-After
    microsoft._inflight["alice@example.com"] += 1
    try:
        answers = graph.batch(creates(10))
    finally:
        microsoft._inflight["alice@example.com"] -= 1
    throttled = [a for a in answers.values() if a["status"] == 429]
    assert len(throttled) == 2  # waves of 4, 4 and 2 steps, 3 slots free in each
    assert microsoft.throttled["alice@example.com"] == 2
    assert all(a["headers"]["Retry-After"] == "1" for a in throttled)
    assert {a["body"]["error"]["message"] for a in throttled} == {
        "Application is over its MailboxConcurrency limit."
    }
    assert emulator.count("microsoft", "events.create", operations=True) == 18


def test_steps_chained_with_depends_on_take_one_slot_at_a_time(microsoft, graph):
    microsoft.batch_parallel = 4
    microsoft._inflight["alice@example.com"] += 3
    try:
        answers = graph.batch(creates(6, depends=True))
    finally:
        microsoft._inflight["alice@example.com"] -= 3
    assert [answers[str(i)]["status"] for i in range(1, 7)] == [201] * 6


def test_without_the_option_steps_run_one_after_another(microsoft, graph):
    microsoft._inflight["alice@example.com"] += 3
    try:
        answers = graph.batch(creates(6))
    finally:
        microsoft._inflight["alice@example.com"] -= 3
    assert [answers[str(i)]["status"] for i in range(1, 7)] == [201] * 6


def test_contention_of_other_requests_throttles_some_calls_and_batch_steps(microsoft, graph):
    microsoft.batch_parallel = 4
    microsoft.mailbox_contention = 1.0  # other requests of the app hold 1-4 slots each time
    statuses = [graph("GET", "/me/events").status_code for _ in range(40)]
    assert set(statuses) == {200, 429}
    answers = graph.batch(creates(20))
    codes = [a["status"] for a in answers.values()]
    assert 0 < codes.count(429) < 20 and codes.count(201) + codes.count(429) == 20


def test_nasty_mode_turns_every_graph_option_on_and_reset_turns_it_off(emulator, microsoft):
    emulator.nasty(seed=5, microsoft={"mailbox_contention": 0.5})
    assert (
        microsoft.page_limit,
        microsoft.bare_removed,
        microsoft.batch_parallel,
        microsoft.mailbox_contention,
    ) == (3, True, 4, 0.5)
    emulator.reset()
    assert (microsoft.page_limit, microsoft.bare_removed, microsoft.batch_parallel) == (
        None,
        False,
        None,
    )
    assert microsoft.mailbox_contention == 0.0


def test_succeeded_counts_only_the_operations_carried_out(emulator, microsoft, graph):
    microsoft.batch_parallel = 4
    missing = {"id": "x", "method": "PATCH", "url": "/me/events/AAMkAGx", "headers": JSON}
    microsoft._inflight["alice@example.com"] += 2
    try:
        answers = graph.batch([*creates(4), dict(missing, body={"subject": "y"})])
    finally:
        microsoft._inflight["alice@example.com"] -= 2
    statuses = sorted(a["status"] for a in answers.values())
    assert statuses == [201, 201, 404, 429, 429]
    assert emulator.count("microsoft", "events.create", succeeded=True) == 2
    assert emulator.count("microsoft", "events.update", operations=True) == 1
    assert emulator.count("microsoft", "events.update", succeeded=True) == 0


def test_a_create_replayed_with_its_transaction_id_is_not_counted_as_carried_out(emulator, graph):
    event = body(transactionId="6f1e3f2c-0000-4000-8000-000000000001")
    first = graph("POST", "/me/events", json=event)
    again = graph("POST", "/me/events", json=event)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"]
    assert emulator.count("microsoft", "events.create", operations=True) == 2
    assert emulator.count("microsoft", "events.create", succeeded=True) == 1
