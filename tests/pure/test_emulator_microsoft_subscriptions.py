"""Graph subscriptions on the emulator: the validation handshake, change and lifecycle
notifications, renewal, expiry; received by a real HTTP endpoint on loopback."""

import datetime as dt
import json
import threading
import time

import pytest
from graph_api import GraphApi
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

CLIENT_STATE = "s3cr3t-state"


class Receiver:
    """A webhook endpoint: answers the handshake as told and records notifications."""

    def __init__(self):
        self.mode = "echo"
        self.delay = 0.0
        self.validations = []
        self.notifications = []
        self.server = make_server("127.0.0.1", 0, self, threaded=True)
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def __call__(self, environ, start_response):
        request = Request(environ)
        token = request.args.get("validationToken")
        if token is None:
            self.notifications.append((request.path, json.loads(request.get_data())))
            return Response(status=202)(environ, start_response)
        self.validations.append((request.path, token))
        time.sleep(self.delay)
        answers = {
            "echo": Response(token, mimetype="text/plain"),
            "wrong": Response(token + "!", mimetype="text/plain"),
            "json": Response(json.dumps(token), mimetype="application/json"),
            "error": Response("no", status=500, mimetype="text/plain"),
        }
        return answers[self.mode](environ, start_response)

    def received(self, path="/notify"):
        return [item for p, body in self.notifications if p == path for item in body["value"]]


class Graph(GraphApi):
    def create(self, path="/me/events"):
        return self(
            "POST",
            path,
            json={
                "subject": "x",
                "start": {"dateTime": "2024-05-02T09:00:00", "timeZone": "UTC"},
                "end": {"dateTime": "2024-05-02T10:00:00", "timeZone": "UTC"},
            },
        ).json()


@pytest.fixture
def receiver():
    endpoint = Receiver()
    yield endpoint
    endpoint.server.shutdown()


@pytest.fixture
def graph(emulator):
    return Graph(emulator, "alice@example.com")


def expiry(minutes=60):
    moment = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=minutes)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.0000000Z")


def subscribe(graph, receiver, **fields):
    body = {
        "changeType": "created,updated,deleted",
        "notificationUrl": f"{receiver.url}/notify",
        "lifecycleNotificationUrl": f"{receiver.url}/lifecycle",
        "resource": "me/events",
        "expirationDateTime": expiry(),
        "clientState": CLIENT_STATE,
        **fields,
    }
    return graph("POST", "/subscriptions", json=body)


def test_creation_validates_both_urls_with_a_token_echoed_as_text(graph, receiver):
    resp = subscribe(graph, receiver)

    assert resp.status_code == 201, resp.text
    sub = resp.json()
    assert sub["resource"] == "me/events"
    assert sub["clientState"] == CLIENT_STATE
    assert [path for path, _ in receiver.validations] == ["/notify", "/lifecycle"]
    assert all(
        token.startswith("Validation: ") and " " in token for _, token in receiver.validations
    )


@pytest.mark.parametrize("mode", ["wrong", "json", "error", "slow", "unreachable"])
def test_failed_handshake_refuses_the_subscription(emulator, graph, receiver, mode):
    url = f"{receiver.url}/notify"
    if mode == "slow":
        emulator.providers["microsoft"].handshake_timeout = 0.3
        receiver.delay = 1.0
    elif mode == "unreachable":
        receiver.server.shutdown()
        receiver.server.server_close()
    else:
        receiver.mode = mode

    resp = subscribe(graph, receiver, notificationUrl=url)

    assert resp.status_code == 400
    assert resp.json()["error"]["code"] == "ValidationError"
    assert graph("GET", "/subscriptions").json()["value"] == []


@pytest.mark.parametrize(
    "fields",
    [
        {"expirationDateTime": expiry(10081)},
        {"expirationDateTime": expiry(-1)},
        {"clientState": "x" * 129},
        {"changeType": "created,moved"},
        {"resource": "me/messages"},
        {"notificationUrl": None},
    ],
)
def test_subscription_limits(graph, receiver, fields):
    resp = subscribe(graph, receiver, **fields)
    assert resp.status_code == 400
    assert receiver.validations == []


def test_changes_are_notified_with_client_state_and_resource(emulator, graph, receiver):
    sub = subscribe(graph, receiver).json()
    event = graph.create()
    updated = graph("PATCH", f"/me/events/{event['id']}", json={"subject": "y"}).json()
    graph("DELETE", f"/me/events/{event['id']}")
    emulator.notifier.flush()

    received = receiver.received()

    assert [n["changeType"] for n in received] == ["created", "updated", "deleted"]
    first, second, _ = received
    assert first["subscriptionId"] == sub["id"]
    assert first["clientState"] == CLIENT_STATE
    assert first["tenantId"]
    assert first["resource"].endswith(f"/Events/{event['id']}")
    assert first["resourceData"]["id"] == event["id"]
    assert first["resourceData"]["@odata.type"] == "#Microsoft.Graph.Event"
    assert second["resourceData"]["@odata.etag"] == updated["@odata.etag"]


def test_only_subscribed_change_types_and_calendar_are_notified(emulator, graph, receiver):
    side = emulator.providers["microsoft"].add_calendar("alice@example.com", "Side")
    subscribe(graph, receiver, changeType="updated", resource=f"me/calendars/{side}/events")
    event = graph.create(f"/me/calendars/{side}/events")
    default_event = graph.create()
    graph("PATCH", f"/me/events/{event['id']}", json={"subject": "y"})
    graph("PATCH", f"/me/events/{default_event['id']}", json={"subject": "y"})
    emulator.notifier.flush()

    received = receiver.received()

    assert [(n["changeType"], n["resourceData"]["id"]) for n in received] == [
        ("updated", event["id"])
    ]


def test_renew_delete_and_expiry(emulator, graph, receiver):
    sub = subscribe(graph, receiver).json()
    renewed = graph(
        "PATCH", f"/subscriptions/{sub['id']}", json={"expirationDateTime": expiry(4000)}
    )
    too_far = graph(
        "PATCH", f"/subscriptions/{sub['id']}", json={"expirationDateTime": expiry(20000)}
    )
    assert renewed.status_code == 200
    assert renewed.json()["expirationDateTime"] > sub["expirationDateTime"]
    assert too_far.status_code == 400

    emulator.providers["microsoft"].expire_subscriptions()
    graph.create()
    emulator.notifier.flush()
    assert receiver.received() == []
    assert (
        graph(
            "PATCH", f"/subscriptions/{sub['id']}", json={"expirationDateTime": expiry()}
        ).status_code
        == 404
    )

    live = subscribe(graph, receiver).json()
    assert graph("DELETE", f"/subscriptions/{live['id']}").status_code == 204
    graph.create()
    emulator.notifier.flush()
    assert receiver.received() == []
    assert graph("GET", f"/subscriptions/{live['id']}").status_code == 404


@pytest.mark.parametrize("event", ["reauthorizationRequired", "missed", "subscriptionRemoved"])
def test_lifecycle_notifications(emulator, graph, receiver, event):
    sub = subscribe(graph, receiver).json()
    emulator.providers["microsoft"].send_lifecycle_event(sub["id"], event)
    emulator.notifier.flush()

    [notice] = receiver.received("/lifecycle")

    assert notice["lifecycleEvent"] == event
    assert notice["subscriptionId"] == sub["id"]
    assert notice["clientState"] == CLIENT_STATE
    still_there = graph("GET", f"/subscriptions/{sub['id']}").status_code == 200
    assert still_there is (event != "subscriptionRemoved")
    if event == "reauthorizationRequired":
        assert graph("POST", f"/subscriptions/{sub['id']}/reauthorize").status_code == 204
