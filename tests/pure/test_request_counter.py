"""services.request_counter, and the clients counting their real requests to the emulator."""

import threading

import pytest
from test_google_client import USER, event, make_client
from test_graph_client import Account, client_for, event_body

from services.google.client import Operation
from services.microsoft.client import GraphClient
from services.request_counter import count_request, counting


def test_counts_only_inside_the_block_and_per_provider():
    count_request("google")
    with counting() as counter:
        count_request("google")
        count_request("microsoft")
        count_request("google")
    count_request("google")
    assert counter.total == 3
    assert counter.by_provider() == {"google": 2, "microsoft": 1}


def test_nested_blocks_both_see_the_inner_requests():
    with counting() as outer:
        count_request("google")
        with counting() as inner:
            count_request("google")
    assert (outer.total, inner.total) == (2, 1)


def test_a_thread_does_not_count_into_another_threads_block():
    with counting() as counter:
        worker = threading.Thread(target=count_request, args=("google",))
        worker.start()
        worker.join()
        count_request("google")
    assert counter.total == 1


@pytest.fixture
def google_client(emulator):
    return make_client(emulator, emulator.providers["google"].grant(USER)["refresh_token"])


def test_google_batch_of_60_is_two_requests_and_the_token_refresh_is_not_counted(
    emulator, google_client
):
    with counting() as counter:
        results = google_client.batch(
            [Operation("insert", "primary", body=event(n)) for n in range(60)]
        )
    assert all(isinstance(r, dict) for r in results)
    assert emulator.count("google", "oauth.token") == 1
    assert counter.by_provider() == {"google": 2}
    assert counter.total == sum(emulator.stats.values()) - 1


def test_google_single_calls_are_one_request_each(emulator, google_client):
    created = google_client.insert_event("primary", event())
    with counting() as counter:
        google_client.get_event("primary", created["id"])
        google_client.delete_event("primary", created["id"])
    assert counter.total == 2


def test_graph_calls_and_batches_are_counted_and_sign_in_is_not(emulator):
    alice = Account(emulator, "alice@example.com")
    graph = client_for(emulator, alice)
    try:
        with counting() as counter:
            calendar_id = graph.get_calendar()["id"]
            ops = [
                GraphClient.create_event_op(calendar_id, event_body(day), f"tx-{day}")
                for day in range(1, 26)
            ]
            results = graph.batch(ops)
    finally:
        graph.close()
    assert len(results) == 25
    # one GET and two $batch requests of at most 20 operations
    assert counter.by_provider() == {"microsoft": 3}
