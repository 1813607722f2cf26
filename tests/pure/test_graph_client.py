"""services.microsoft.client against the Graph emulator, signed in through its identity module."""

import datetime as dt
import json
import threading
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from emulator.microsoft import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT
from services.exceptions import (
    AlreadyExists,
    AuthRevoked,
    BadRequest,
    Forbidden,
    NotFoundError,
    PreconditionFailed,
    RateLimited,
    SyncTokenExpired,
    TransientError,
)
from services.microsoft.client import GraphClient
from services.microsoft.identity import MicrosoftIdentity

REDIRECT = "http://localhost:8069/calendar_cloud_sync/microsoft/callback"
START = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)
END = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)


def event_body(day=2, subject="Planning", **extra):
    return {
        "subject": subject,
        "start": {"dateTime": f"2024-05-{day:02d}T09:00:00", "timeZone": "Europe/Paris"},
        "end": {"dateTime": f"2024-05-{day:02d}T10:00:00", "timeZone": "Europe/Paris"},
        **extra,
    }


class Account:
    """What the ORM does: keep the msal cache, hand out tokens, store the rotated cache."""

    def __init__(self, emulator, email):
        self.identity = MicrosoftIdentity(
            f"{emulator.tls_base_url}/microsoft/login",
            DEMO_TENANT,
            DEMO_CLIENT_ID,
            DEMO_CLIENT_SECRET,
            verify=emulator.ca_file,
            timeout=10,
        )
        flow, url = self.identity.start_auth(REDIRECT, login_hint=email)
        emulator.providers["microsoft"].auto_approve = True
        redirect = requests.get(url, allow_redirects=False, verify=emulator.ca_file, timeout=10)
        query = {k: v[0] for k, v in parse_qs(urlparse(redirect.headers["Location"]).query).items()}
        self.cache = self.identity.finish_auth(flow, query).cache_text
        self.refreshes = 0

    def __call__(self, force_refresh=False):
        self.refreshes += bool(force_refresh)
        grant = self.identity.access_token(self.cache, force_refresh=force_refresh)
        self.cache = grant.cache_text
        return grant.access_token


def client_for(emulator, account, **kwargs):
    kwargs.setdefault("timeout", 10)
    return GraphClient(
        f"{emulator.tls_base_url}/microsoft/graph", account, verify=emulator.ca_file, **kwargs
    )


@pytest.fixture
def alice(emulator):
    return Account(emulator, "alice@example.com")


@pytest.fixture
def graph(emulator, alice):
    client = client_for(emulator, alice)
    yield client
    client.close()


def test_calendars(graph):
    calendars = graph.list_calendars()
    default = graph.get_calendar()
    assert [c["id"] for c in calendars] == [default["id"]]
    assert graph.get_calendar(default["id"])["isDefaultCalendar"] is True


def test_create_is_idempotent_and_reads_are_in_utc(emulator, graph):
    calendar_id = graph.get_calendar()["id"]
    first = graph.create_event(calendar_id, event_body(), "db1-event-7")
    retried = graph.create_event(calendar_id, event_body(), "db1-event-7")
    assert retried["id"] == first["id"]
    fetched = graph.get_event(first["id"])
    assert fetched["start"] == {"dateTime": "2024-05-02T07:00:00.0000000", "timeZone": "UTC"}
    assert emulator.count("microsoft", "events.create") == 2


def test_update_with_etag_and_stale_etag(graph):
    created = graph.create_event(None, event_body(), "t1")
    updated = graph.update_event(created["id"], {"subject": "New"}, etag=created["@odata.etag"])
    assert updated["subject"] == "New"
    with pytest.raises(PreconditionFailed):
        graph.update_event(created["id"], {"subject": "Lost"}, etag=created["@odata.etag"])
    with pytest.raises(PreconditionFailed):
        graph.delete_event(created["id"], etag=created["@odata.etag"])
    graph.delete_event(created["id"], etag=updated["@odata.etag"])
    with pytest.raises(NotFoundError):
        graph.get_event(created["id"])


def test_delta_follows_pages_and_then_returns_changes_only(emulator, graph):
    ids = [graph.create_event(None, event_body(day=d), f"t{d}")["id"] for d in range(2, 7)]
    items, link = graph.delta(None, START, END, page_size=2)
    assert sorted(i["id"] for i in items) == sorted(ids)
    assert emulator.count("microsoft", "calendarView.delta") == 3

    graph.update_event(ids[0], {"subject": "Changed"})
    graph.delete_event(ids[1])
    changes, link = graph.delta(None, START, END, delta_link=link, page_size=2)

    assert {c["id"]: c.get("subject", "@removed" in c) for c in changes} == {
        ids[0]: "Changed",
        ids[1]: True,
    }
    emulator.providers["microsoft"].expire_delta_tokens("alice@example.com")
    with pytest.raises(SyncTokenExpired):
        graph.delta(None, START, END, delta_link=link)


def test_delta_of_one_calendar(emulator, graph):
    side = emulator.providers["microsoft"].add_calendar("alice@example.com", "Side")
    graph.create_event(None, event_body(), "a")
    mine = graph.create_event(side, event_body(), "b")
    items, _link = graph.delta(side, START.date(), END.date())
    assert [i["id"] for i in items] == [mine["id"]]


def test_instances_of_a_series(graph):
    master = graph.create_event(
        None,
        event_body(
            recurrence={
                "pattern": {"type": "daily", "interval": 1},
                "range": {"type": "numbered", "startDate": "2024-05-02", "numberOfOccurrences": 3},
            }
        ),
        "series",
    )
    found = graph.instances(master["id"], START, END)
    assert [i["start"]["dateTime"][:16] for i in found] == [
        "2024-05-02T07:00",
        "2024-05-03T07:00",
        "2024-05-04T07:00",
    ]


def test_respond_as_attendee_reaches_the_organizer(emulator, graph):
    bob = client_for(emulator, Account(emulator, "bob@example.com"))
    meeting = graph.create_event(
        None,
        event_body(
            attendees=[{"emailAddress": {"address": "bob@example.com"}, "type": "required"}]
        ),
        "m1",
    )
    [invitation] = bob.delta(None, START, END)[0]

    bob.respond(invitation["id"], "tentative", comment="Maybe")

    attendee = graph.get_event(meeting["id"])["attendees"][0]
    assert attendee["status"]["response"] == "tentativelyAccepted"


def test_expired_access_token_is_refreshed_once(emulator, alice, graph):
    graph.list_calendars()
    emulator.providers["microsoft"].expire_access_tokens()
    assert graph.list_calendars()
    assert alice.refreshes == 1


def test_refused_refresh_after_401_is_auth_revoked(emulator, alice, graph):
    graph.list_calendars()
    emulator.providers["microsoft"].expire_access_tokens()
    emulator.providers["microsoft"].revoke_refresh_tokens("alice@example.com")
    with pytest.raises(AuthRevoked):
        graph.list_calendars()


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, BadRequest),
        (403, Forbidden),
        (404, NotFoundError),
        (409, AlreadyExists),
        (410, SyncTokenExpired),
        (412, PreconditionFailed),
        (500, TransientError),
        (503, TransientError),
        (504, TransientError),
    ],
)
def test_error_statuses_become_domain_exceptions(emulator, graph, status, error):
    emulator.add_fault("microsoft", "calendars.list", status=status)
    with pytest.raises(error) as caught:
        graph.list_calendars()
    assert caught.value.status == status


def test_throttling_carries_retry_after(emulator, graph):
    emulator.add_fault("microsoft", "events.get", status=429, retry_after=5)
    with pytest.raises(RateLimited) as caught:
        graph.get_event("AAMkAGanything")
    assert caught.value.retry_after == 5.0
    emulator.add_fault("microsoft", "events.get", status=503, retry_after=2)
    with pytest.raises(TransientError) as caught:
        graph.get_event("AAMkAGanything")
    assert caught.value.retry_after == 2.0


def test_bad_payload_and_read_only_calendar(emulator, graph):
    with pytest.raises(BadRequest):
        graph.create_event(None, event_body(colour="red"), "bad")
    shared = emulator.providers["microsoft"].add_calendar(
        "alice@example.com", "Boss", can_edit=False
    )
    with pytest.raises(Forbidden):
        graph.create_event(shared, event_body(), "ro")


def test_timeouts_and_refused_connections_are_transient(emulator, alice):
    emulator.add_fault("microsoft", "calendars.list", status=0, delay=1.0)
    with pytest.raises(TransientError):
        client_for(emulator, alice, timeout=0.3).list_calendars()
    dead = GraphClient("http://127.0.0.1:9/microsoft/graph", alice, timeout=2)
    with pytest.raises(TransientError):
        dead.list_calendars()


def test_client_keeps_its_mailbox_under_the_concurrency_limit(emulator, alice, graph):
    emulator.providers["microsoft"].latency = 0.3
    graph.list_calendars()

    def burst(client, count=8):
        errors = []

        def call():
            try:
                client.get_calendar()
            except RateLimited as exc:
                errors.append(exc)

        threads = [threading.Thread(target=call) for _ in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return errors

    assert burst(graph) == []
    assert burst(client_for(emulator, alice, max_concurrency=8))


def test_clients_of_one_mailbox_share_its_four_slots(emulator, alice):
    emulator.providers["microsoft"].latency = 0.3
    clients = [client_for(emulator, alice, mailbox="alice") for _ in range(2)]
    clients[0].list_calendars()
    errors = []

    def call(client):
        try:
            client.get_calendar()
        except RateLimited as exc:
            errors.append(exc)

    threads = [threading.Thread(target=call, args=(c,)) for c in clients for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_batch_splits_in_twenties_and_reports_each_operation(emulator, graph):
    stale = graph.create_event(None, event_body(), "stale")
    graph.update_event(stale["id"], {"subject": "moved on"})
    operations = [
        GraphClient.create_event_op(None, event_body(subject=f"b{i}"), f"batch-{i}")
        for i in range(43)
    ]
    operations.append(
        GraphClient.update_event_op(stale["id"], {"subject": "x"}, etag=stale["@odata.etag"])
    )
    operations.append(GraphClient.delete_event_op("AAMkAGmissing"))
    operations.append(GraphClient.get_event_op(stale["id"]))

    results = graph.batch(operations)

    assert len(results) == 46
    assert [r["subject"] for r in results[:43]] == [f"b{i}" for i in range(43)]
    assert isinstance(results[43], PreconditionFailed)
    assert isinstance(results[44], NotFoundError)
    assert results[45]["subject"] == "moved on"
    assert results[45]["start"]["timeZone"] == "UTC"
    # chained steps: each refused step sends the steps after it again in one more request
    assert emulator.count("microsoft", "batch") == 3 + 2
    assert emulator.count("microsoft", "events.create", operations=True) == 44


def test_a_batch_to_a_busy_mailbox_is_not_throttled(emulator, graph):
    """Graph runs up to 4 steps of a batch at once and Outlook takes 4 concurrent requests
    per app and mailbox: with 3 of them held by other requests of the app (another worker),
    unchained steps come back mostly 429. Chained with dependsOn, one runs at a time."""
    microsoft = emulator.providers["microsoft"]
    microsoft.batch_parallel = 4
    operations = [
        GraphClient.create_event_op(None, event_body(subject=f"c{i}"), f"busy-{i}")
        for i in range(40)
    ]
    microsoft._inflight["alice@example.com"] += 3
    try:
        results = graph.batch(operations)
    finally:
        microsoft._inflight["alice@example.com"] -= 3
    assert [r["subject"] for r in results] == [f"c{i}" for i in range(40)]
    assert microsoft.throttled["alice@example.com"] == 0
    assert emulator.count("microsoft", "batch") == 2
    assert emulator.count("microsoft", "events.create", succeeded=True) == 40


def test_steps_after_a_throttled_step_wait_with_it(emulator, graph):
    """A chained step that fails makes the steps after it fail with 424 (JSON batching,
    dependsOn): after a 429, they are throttled too, to be sent again after Retry-After."""
    emulator.add_fault("microsoft", "events.create", status=429, retry_after=7, times=1)
    operations = [
        GraphClient.create_event_op(None, event_body(subject=f"t{i}"), f"throttled-{i}")
        for i in range(5)
    ]
    results = graph.batch(operations)
    assert all(isinstance(r, RateLimited) for r in results)
    assert [r.retry_after for r in results] == [7] * 5
    assert emulator.count("microsoft", "events.create", succeeded=True) == 0
    assert emulator.count("microsoft", "batch") == 1


def test_steps_after_a_refused_step_are_sent_again_at_once(emulator, graph):
    """One bad operation in a chain stops nothing: the steps its failure left unrun (424)
    go out in the next request of the same call."""
    operations = [
        GraphClient.create_event_op(None, event_body(subject="a"), "refused-a"),
        GraphClient.update_event_op("AAMkAGmissing", {"subject": "x"}),
        GraphClient.create_event_op(None, event_body(subject="b"), "refused-b"),
        GraphClient.create_event_op(None, event_body(subject="c"), "refused-c"),
    ]
    results = graph.batch(operations)
    assert results[0]["subject"] == "a"
    assert isinstance(results[1], NotFoundError)
    assert [r["subject"] for r in results[2:]] == ["b", "c"]
    assert emulator.count("microsoft", "batch") == 2
    assert emulator.count("microsoft", "events.create", succeeded=True) == 3


def test_batch_refreshes_the_token_once(emulator, alice, graph):
    graph.list_calendars()
    emulator.providers["microsoft"].expire_access_tokens()
    results = graph.batch([GraphClient.get_event_op("AAMkAGmissing")])
    assert isinstance(results[0], NotFoundError)
    assert alice.refreshes == 1


def test_a_batch_whose_grant_is_gone_is_not_sent_again_step_by_step(emulator, alice, graph):
    graph.list_calendars()
    emulator.add_fault("microsoft", "events.create", status=401, times=2)
    operations = [
        GraphClient.create_event_op(None, event_body(subject=f"r{i}"), f"revoked-{i}")
        for i in range(5)
    ]
    results = graph.batch(operations)
    assert all(isinstance(r, AuthRevoked) for r in results)
    assert emulator.count("microsoft", "batch") == 2, "once, and once with a fresh token"
    assert alice.refreshes == 1


class Webhook:
    def __init__(self):
        self.server = make_server("127.0.0.1", 0, self, threaded=True)
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/notify"
        self.received = []

    def __call__(self, environ, start_response):
        request = Request(environ)
        if "validationToken" in request.args:
            answer = Response(request.args["validationToken"], mimetype="text/plain")
        else:
            self.received.extend(json.loads(request.get_data())["value"])
            answer = Response(status=202)
        return answer(environ, start_response)


def test_subscription_lifecycle(emulator, graph):
    hook = Webhook()
    try:
        soon = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
        sub = graph.create_subscription(
            "me/events", hook.url, soon, "state-1", lifecycle_url=hook.url
        )
        graph.create_event(None, event_body(), "notified")
        emulator.notifier.flush()
        assert [n["changeType"] for n in hook.received] == ["created"]
        assert hook.received[0]["clientState"] == "state-1"

        later = soon + dt.timedelta(days=2)
        renewed = graph.renew_subscription(sub["id"], later)
        assert renewed["expirationDateTime"].startswith(later.strftime("%Y-%m-%dT%H:%M:%S"))
        with pytest.raises(BadRequest):
            graph.renew_subscription(sub["id"], soon + dt.timedelta(days=30))
        graph.delete_subscription(sub["id"])
        with pytest.raises(NotFoundError):
            graph.delete_subscription(sub["id"])
    finally:
        hook.server.shutdown()
