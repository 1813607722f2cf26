"""services.microsoft.adapter.GraphAdapter against the Graph emulator over HTTP, signed in with
msal through MicrosoftConnector (the emulator's TLS listener, as in test_graph_client)."""

import dataclasses
import datetime as dt
import json
import threading
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from emulator.microsoft import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT
from services.adapter import BusyCalendar, PushOp
from services.connection import ProviderSettings
from services.exceptions import (
    BadRequest,
    Forbidden,
    NotFoundError,
    PreconditionFailed,
    RateLimited,
    SyncTokenExpired,
    TransientError,
)
from services.microsoft.adapter import GraphAdapter
from services.microsoft.connector import MicrosoftConnector
from services.microsoft.mapper import TeamsNotAllowed, to_remote
from services.neutral import Attendee, NeutralEvent, sync_hash

UTC = dt.UTC
ANN, BOB = "ann@example.com", "bob@example.com"
REDIRECT = "http://localhost:8069/calendar_cloud_sync/microsoft/callback"
WINDOW = (dt.datetime(2024, 1, 1, tzinfo=UTC), dt.datetime(2025, 1, 1, tzinfo=UTC))


def neutral(n=1, **overrides):
    start = dt.datetime(2024, 5, 6, 7, 0, tzinfo=UTC) + dt.timedelta(hours=n)
    values = {
        "title": f"Event {n}",
        "start": start,
        "end": start + dt.timedelta(minutes=30),
        "all_day": False,
        "timezone": "Europe/Brussels",
        "organizer_email": ANN,
    }
    values.update(overrides)
    return NeutralEvent(**values)


def create(n, event=None, **extra):
    return PushOp(
        "create", key=n, event=event or neutral(n), transaction_id=f"db-event-{n}", **extra
    )


@pytest.fixture
def microsoft(emulator):
    provider = emulator.providers["microsoft"]
    provider.auto_approve = True
    return provider


@pytest.fixture
def connector(emulator):
    return MicrosoftConnector(
        ProviderSettings(
            client_id=DEMO_CLIENT_ID,
            client_secret=DEMO_CLIENT_SECRET,
            login_uri=f"{emulator.tls_base_url}/microsoft/login",
            graph_uri=f"{emulator.tls_base_url}/microsoft/graph",
            tenant=DEMO_TENANT,
            verify=emulator.ca_file,
        )
    )


def connect(emulator, microsoft, connector, email):
    """What Preferences -> Connect Microsoft does, then the engine's adapter of the calendar."""
    url, flow = connector.begin(REDIRECT, state="s", login_hint=email)
    redirect = requests.get(url, allow_redirects=False, verify=emulator.ca_file, timeout=10)
    query = {k: v[0] for k, v in parse_qs(urlparse(redirect.headers["Location"]).query).items()}
    connection = connector.finish(flow, query)
    calendar_id = microsoft.mailbox(email).default_calendar_id
    return connector.adapter(connection.token_data, calendar_id, connection.email)


@pytest.fixture
def ann(emulator, microsoft, connector):
    return connect(emulator, microsoft, connector, ANN)


@pytest.fixture
def bob(emulator, microsoft, connector):
    return connect(emulator, microsoft, connector, BOB)


def test_the_connector_builds_the_adapter_and_keeps_the_rotated_cache(microsoft, ann):
    assert isinstance(ann, GraphAdapter) and ann.provider == "microsoft"
    before = ann.token_data()["msal_cache"]
    ann.list_changes(None, *WINDOW)
    microsoft.expire_access_tokens()
    ann.list_changes(None, *WINDOW)
    after = ann.token_data()["msal_cache"]
    assert after != before, "the refresh token rotated and the new cache is handed back"

    def refresh_tokens(cache):
        return {token["secret"] for token in json.loads(cache)["RefreshToken"].values()}

    assert refresh_tokens(after) and refresh_tokens(after) != refresh_tokens(before)


def test_sixty_creates_cost_three_batch_requests(emulator, ann):
    results = ann.push([create(n) for n in range(60)])
    assert [r.key for r in results] == list(range(60))
    assert all(r.error is None for r in results)
    assert [r.remote.event.title for r in results] == [f"Event {n}" for n in range(60)]
    assert all(r.remote.etag and r.remote.change_key for r in results)
    assert emulator.count("microsoft", "batch") == 3
    assert emulator.count("microsoft", "events.create", operations=True) == 60
    assert sync_hash(results[7].remote.event) == sync_hash(neutral(7))


def test_a_retried_create_with_the_same_transaction_id_does_not_duplicate(ann):
    [first] = ann.push([create(1)])
    [again] = ann.push([create(1)])
    assert again.remote.external_id == first.remote.external_id
    listed = ann.list_changes(None, *WINDOW).events
    assert [r.external_id for r in listed] == [first.remote.external_id]


def test_full_then_incremental_after_one_edit_in_300_events(emulator, ann):
    created = ann.push([create(n, neutral(n % 200, title=f"E{n}")) for n in range(300)])
    first = ann.list_changes(None, *WINDOW)
    assert first.full and first.cursor
    assert len(first.events) == 300
    assert emulator.count("microsoft", "calendarView.delta") == 3, "every page is followed"
    edited = created[123].remote
    ann.client.update_event(edited.external_id, {"subject": "Moved in Outlook"})
    second = ann.list_changes(first.cursor, *WINDOW)
    assert not second.full
    assert [(r.external_id, r.event.title) for r in second.events] == [
        (edited.external_id, "Moved in Outlook")
    ]
    assert second.cursor and second.cursor != first.cursor
    assert emulator.count("microsoft", "calendarView.delta") == 4
    ann.client.delete_event(created[5].remote.external_id)
    third = ann.list_changes(second.cursor, *WINDOW)
    assert [(r.external_id, r.deleted) for r in third.events] == [
        (created[5].remote.external_id, True)
    ]


def test_an_expired_delta_link_propagates(microsoft, ann):
    cursor = ann.list_changes(None, *WINDOW).cursor
    microsoft.expire_delta_tokens(ANN)
    with pytest.raises(SyncTokenExpired):
        ann.list_changes(cursor, *WINDOW)


def test_updates_use_if_match_and_report_a_stale_etag_per_operation(ann):
    first, second = (r.remote for r in ann.push([create(1), create(2)]))
    ann.client.update_event(first.external_id, {"subject": "Changed in Outlook"})
    results = ann.push(
        [
            PushOp("update", "a", first.external_id, neutral(1, title="Ours"), etag=first.etag),
            PushOp("update", "b", second.external_id, neutral(2, title="Ours"), etag=second.etag),
        ]
    )
    assert isinstance(results[0].error, PreconditionFailed) and results[0].remote is None
    assert results[1].error is None and results[1].remote.event.title == "Ours"
    assert results[1].remote.etag != second.etag
    assert ann.get(first.external_id).event.title == "Changed in Outlook"


def test_deleting_an_event_that_is_already_gone_succeeds(ann):
    first, second = (r.remote for r in ann.push([create(1), create(2)]))
    ann.client.delete_event(first.external_id)
    results = ann.push(
        [
            PushOp("delete", "gone", first.external_id, etag=first.etag),
            PushOp("delete", "here", second.external_id, etag=second.etag),
        ]
    )
    assert [(r.error, r.remote.deleted) for r in results] == [(None, True), (None, True)]
    assert ann.list_changes(None, *WINDOW).events == []


def test_per_operation_failures_and_a_failed_later_batch_request(emulator, ann):
    emulator.add_fault("microsoft", "events.create", status=429, retry_after=3)
    results = ann.push([create(n) for n in range(3)])
    assert isinstance(results[0].error, RateLimited) and results[0].error.retry_after == 3
    # the steps are chained (one mailbox): those after the throttled one wait with it
    assert [(r.error.status, r.error.retry_after) for r in results[1:]] == [(424, 3)] * 2
    assert [r.error for r in ann.push([create(n) for n in range(3)])] == [None] * 3

    emulator.add_fault("microsoft", "batch", status=0)
    emulator.add_fault("microsoft", "batch", status=503)
    results = ann.push([create(n) for n in range(10, 55)])
    assert all(r.error is None for r in results[:20])
    assert all(isinstance(r.error, TransientError) for r in results[20:])
    assert emulator.count("microsoft", "batch") == 2 + 2, "the third request is not tried"

    emulator.add_fault("microsoft", "batch", status=503)
    with pytest.raises(TransientError):
        ann.push([create(n) for n in range(60, 65)])


def test_respond_as_an_attendee_updates_the_organizers_copy(ann, bob):
    guests = (Attendee(ANN, "Ann", "accepted", organizer=True), Attendee(BOB))
    [meeting] = ann.push([create(1, neutral(1, attendees=guests))])
    [invitation] = bob.list_changes(None, *WINDOW).events
    assert not invitation.is_organizer and invitation.self_response == "needs_action"
    assert invitation.ical_uid == meeting.remote.ical_uid

    [answer] = bob.push([PushOp("respond", "r", invitation.external_id, response="tentative")])

    assert answer.error is None
    assert answer.remote.self_response == "tentative" and answer.remote.etag != invitation.etag
    organizer_copy = ann.get(meeting.remote.external_id)
    assert organizer_copy.event.attendee(BOB).response == "tentative"
    [refused] = bob.push([PushOp("respond", "x", invitation.external_id, response="maybe")])
    assert isinstance(refused.error, BadRequest)
    [own] = ann.push([PushOp("respond", "o", meeting.remote.external_id, response="accepted")])
    assert isinstance(own.error, BadRequest), "an organizer does not answer their own meeting"


def test_a_teams_meeting_is_created_on_request_and_kept_on_update(emulator, ann):
    [plain, teams] = ann.push([create(1), create(2, want_meeting=True)])
    assert plain.remote.event.online_meeting_provider == "none"
    meeting = teams.remote.event
    assert meeting.online_meeting_provider == "teams"
    assert meeting.online_meeting_url.startswith("https://teams.microsoft.com/l/meetup-join/")
    assert emulator.count("microsoft", "calendars.get") == 1, "allowed providers read once"
    edited = neutral(2, title="Renamed", online_meeting_provider="teams")
    [update] = ann.push(
        [PushOp("update", 2, teams.remote.external_id, edited, etag=teams.remote.etag)]
    )
    assert update.remote.event.title == "Renamed"
    assert update.remote.event.online_meeting_url == meeting.online_meeting_url


def test_teams_not_allowed_is_a_clear_error_for_that_event_only(emulator, microsoft, ann):
    microsoft.set_online_meeting_providers(ANN, [])
    results = ann.push([create(1, want_meeting=True), create(2)])
    assert isinstance(results[0].error, TeamsNotAllowed)
    assert isinstance(results[0].error, Forbidden)
    assert "Teams meetings are not allowed" in str(results[0].error)
    assert results[1].error is None
    assert emulator.count("microsoft", "events.create", operations=True) == 1


def series_event(**overrides):
    start = dt.datetime(2024, 3, 25, 8, 0, tzinfo=UTC)  # Mondays 09:00 in Brussels
    values = {
        "title": "Weekly",
        "start": start,
        "end": start + dt.timedelta(hours=1),
        "recurrence": ("RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=5",),
    }
    return neutral(**{**values, **overrides})


def test_a_series_with_a_moved_and_a_cancelled_occurrence(emulator, ann):
    event = series_event()
    [created] = ann.push([create(1, event)])
    master_id = created.remote.external_id
    assert created.remote.event.recurrence == event.recurrence
    occurrences = ann.client.instances(master_id, *WINDOW)
    assert len(occurrences) == 5
    moved, cancelled = occurrences[1], occurrences[3]
    ann.client.update_event(
        moved["id"],
        {
            "start": {"dateTime": "2024-04-02T14:00:00", "timeZone": "Romance Standard Time"},
            "end": {"dateTime": "2024-04-02T15:00:00", "timeZone": "Romance Standard Time"},
        },
    )
    ann.client.delete_event(cancelled["id"])

    changes = ann.list_changes(None, *WINDOW)

    by_kind = {}
    for remote in changes.events:
        kind = "deleted" if remote.deleted else "exception" if remote.recurring_external_id else ""
        by_kind.setdefault(kind or "master", []).append(remote)
    [master] = by_kind["master"]
    assert master.external_id == master_id
    assert sync_hash(master.event) == sync_hash(event)
    [exception] = by_kind["exception"]
    assert exception.recurring_external_id == master_id
    assert exception.original_start == dt.datetime(2024, 4, 1, 7, 0, tzinfo=UTC)
    assert exception.event.start == dt.datetime(2024, 4, 2, 12, 0, tzinfo=UTC)
    [gone] = by_kind["deleted"]
    assert gone.recurring_external_id == master_id
    assert gone.original_start == dt.datetime(2024, 4, 15, 7, 0, tzinfo=UTC)

    ann.client.delete_event(occurrences[4]["id"])
    later = ann.list_changes(changes.cursor, *WINDOW).events
    cancellations = {r.original_start for r in later if r.deleted and r.recurring_external_id}
    assert dt.datetime(2024, 4, 22, 7, 0, tzinfo=UTC) in cancellations


def series_changes(changes, master_id):
    """(the series' master RemoteEvents, the original starts reported cancelled) of a change
    set, as the engine reads them."""
    masters = [r for r in changes.events if r.external_id == master_id and not r.deleted]
    cancelled = {r.original_start for r in changes.events if r.deleted and r.recurring_external_id}
    return masters, cancelled


def test_a_renamed_series_is_pulled_from_the_delta_without_instances(emulator, ann):
    """A rename lists every occurrence of the series in the delta: no /instances."""
    [created] = ann.push([create(1, series_event(recurrence=("RRULE:FREQ=DAILY",)))])
    master_id = created.remote.external_id
    first = ann.list_changes(None, *WINDOW)
    assert len(first.occurrences) > 250
    ann.client.update_event(master_id, {"subject": "Daily"})
    requests = emulator.count("microsoft")

    changes = ann.list_changes(first.cursor, *WINDOW)

    assert emulator.count("microsoft", "events.instances") == 0
    assert emulator.count("microsoft") == requests + 1, "one delta page"
    [master], cancelled = series_changes(changes, master_id)
    assert master.event.title == "Daily"
    assert cancelled == set()
    assert changes.occurrences.keys() == first.occurrences.keys()


def test_a_round_over_an_older_window_reads_only_the_edges_it_does_not_cover(emulator, ann):
    """A delta round keeps the window it started with; the engine's moves on. The slots only
    the engine's window has are read with /instances, never taken for cancelled ones."""
    [created] = ann.push([create(1, series_event())])
    master_id = created.remote.external_id
    occurrences = ann.client.instances(master_id, *WINDOW)
    narrow = (dt.datetime(2024, 4, 2, tzinfo=UTC), dt.datetime(2024, 4, 16, tzinfo=UTC))
    first = ann.list_changes(None, *narrow)
    assert len(first.occurrences) == 2
    ann.client.update_event(master_id, {"subject": "Weekly v2"})
    ann.client.delete_event(occurrences[2]["id"])
    instances = emulator.count("microsoft", "events.instances")

    changes = ann.list_changes(first.cursor, *WINDOW)

    assert emulator.count("microsoft", "events.instances") == instances + 2, "head and tail"
    _masters, cancelled = series_changes(changes, master_id)
    assert cancelled == {dt.datetime(2024, 4, 8, 7, 0, tzinfo=UTC)}
    assert len(changes.occurrences) == 4


def test_masters_missing_from_the_delta_are_read_in_one_batch(emulator, ann):
    """Graph documents no series masters in calendarView/delta: read them once per series."""
    [created] = ann.push([create(1, series_event())])
    master_id = created.remote.external_id
    items, _link = ann.client.delta(ann.calendar_id, *WINDOW)
    without_masters = [i for i in items if i.get("type") != "seriesMaster"]
    batches = emulator.count("microsoft", "batch")

    events = ann._with_series(without_masters, True, *WINDOW, {})

    assert emulator.count("microsoft", "batch") == batches + 1
    assert [r.external_id for r in events] == [master_id]
    assert events[0].event.recurrence == ("RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=5",)


def test_exdates_pushed_from_odoo_cancel_those_occurrences(ann):
    event = series_event(
        recurrence=("RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=5", "EXDATE:20240408T070000Z")
    )
    [created] = ann.push([create(1, event)])
    assert created.error is None
    master_id = created.remote.external_id
    starts = [i["originalStart"] for i in ann.client.instances(master_id, *WINDOW)]
    assert "2024-04-08T07:00:00Z" not in starts and len(starts) == 4
    assert created.remote.etag == ann.get(master_id).etag, "the etag after the deletion"
    changes = ann.list_changes(None, *WINDOW).events
    assert [(r.original_start, r.deleted) for r in changes if r.recurring_external_id] == [
        (dt.datetime(2024, 4, 8, 7, 0, tzinfo=UTC), True)
    ]


def test_a_rule_outlook_cannot_hold_fails_that_event_only(ann):
    hourly = neutral(1, recurrence=("RRULE:FREQ=HOURLY",))
    results = ann.push([create(1, hourly), create(2)])
    assert isinstance(results[0].error, BadRequest) and "HOURLY" in str(results[0].error)
    assert results[1].error is None


def test_all_day_series_round_trip(ann):
    event = neutral(
        all_day=True,
        start=dt.date(2024, 3, 30),
        end=dt.date(2024, 3, 31),
        timezone="America/New_York",
        recurrence=("RRULE:FREQ=MONTHLY;BYDAY=-1SA;UNTIL=20240831",),
    )
    [created] = ann.push([create(1, event)])
    [master] = ann.list_changes(None, *WINDOW).events
    assert master.external_id == created.remote.external_id
    assert sync_hash(master.event) == sync_hash(event)


class Webhook:
    """The addon's notification and lifecycle endpoints: answers the validation handshake."""

    def __init__(self):
        self.server = make_server("127.0.0.1", 0, self, threaded=True)
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        self.base = f"http://127.0.0.1:{self.server.server_port}/calendar_cloud_sync/microsoft"
        self.validated = []
        self.received = []

    def __call__(self, environ, start_response):
        request = Request(environ)
        if "validationToken" in request.args:
            self.validated.append(request.path)
            answer = Response(request.args["validationToken"], mimetype="text/plain")
        else:
            self.received.extend(json.loads(request.get_data())["value"])
            answer = Response(status=202)
        return answer(environ, start_response)


@pytest.fixture
def webhook():
    hook = Webhook()
    yield hook
    hook.server.shutdown()


def test_watch_subscribes_to_the_calendar_and_unwatch_ends_it(emulator, microsoft, ann, webhook):
    answer = ann.watch("channel-1", f"{webhook.base}/notify", "secret-state", 30 * 24 * 3600)
    sub = microsoft.subscriptions[answer["resource_id"]]
    assert sub["resource"] == f"me/calendars/{ann.calendar_id}/events"
    assert sub["changeType"] == "created,updated,deleted"
    assert sub["clientState"] == "secret-state"
    assert sub["lifecycleNotificationUrl"] == f"{webhook.base}/lifecycle"
    assert webhook.validated == [
        "/calendar_cloud_sync/microsoft/notify",
        "/calendar_cloud_sync/microsoft/lifecycle",
    ]
    limit = dt.datetime.now(UTC) + dt.timedelta(minutes=10080)
    assert limit - dt.timedelta(minutes=5) < answer["expiration"] <= limit

    ann.push([create(1)])
    emulator.notifier.flush()
    assert [(n["changeType"], n["clientState"]) for n in webhook.received] == [
        ("created", "secret-state")
    ]

    ann.unwatch("channel-1", answer["resource_id"])
    assert answer["resource_id"] not in microsoft.subscriptions
    ann.unwatch("channel-1", answer["resource_id"])


def test_get_reads_one_event(ann):
    [created] = ann.push([create(1)])
    remote = ann.get(created.remote.external_id)
    assert remote == to_remote(ann.client.get_event(created.remote.external_id), ANN)
    assert sync_hash(remote.event) == sync_hash(neutral(1))


def occurrence_update(key, series_id, original, event, external_id="", etag=""):
    """What the engine sends for an occurrence Odoo changed on its own: the first time it has
    no id of its own, only its series and original start."""
    return PushOp(
        "update",
        key,
        external_id,
        event=event,
        etag=etag,
        recurring_external_id=series_id,
        original_start=original,
    )


def test_an_occurrence_changed_in_odoo_is_found_by_its_slot_and_patched(emulator, ann):
    [created] = ann.push([create(1, series_event())])
    master_id = created.remote.external_id
    slot = dt.datetime(2024, 4, 8, 7, 0, tzinfo=UTC)
    moved = dataclasses.replace(
        series_event(),
        title="Weekly, moved",
        start=slot + dt.timedelta(hours=3),
        end=slot + dt.timedelta(hours=4),
        recurrence=(),
    )
    batches = emulator.count("microsoft", "batch")

    [result] = ann.push([occurrence_update("occ", master_id, slot, moved)])

    assert result.error is None
    assert emulator.count("microsoft", "batch") == batches + 2, "one lookup, one write"
    assert emulator.count("microsoft", "events.instances", operations=True) == 1
    assert result.remote.recurring_external_id == master_id
    assert result.remote.original_start == slot
    assert result.remote.external_id and result.remote.etag
    instances = ann.client.instances(master_id, *WINDOW)
    assert len(instances) == 5, "the series keeps its other occurrences"
    [exception] = [i for i in instances if i["type"] == "exception"]
    assert exception["id"] == result.remote.external_id
    assert (exception["subject"], exception["originalStart"]) == (
        "Weekly, moved",
        "2024-04-08T07:00:00Z",
    )
    assert exception["start"]["dateTime"].startswith("2024-04-08T10:00:00")
    master = ann.get(master_id)
    assert master.etag == created.remote.etag, "the series itself is not written"
    assert master.event.title == "Weekly"

    # its next change goes straight to its id, with its etag: no lookup
    renamed = dataclasses.replace(moved, title="Weekly, renamed")
    lookups = emulator.count("microsoft", "events.instances", operations=True)
    [again] = ann.push(
        [
            occurrence_update(
                "occ",
                master_id,
                slot,
                renamed,
                external_id=result.remote.external_id,
                etag=result.remote.etag,
            )
        ]
    )
    assert again.error is None and again.remote.event.title == "Weekly, renamed"
    assert emulator.count("microsoft", "events.instances", operations=True) == lookups


def test_an_occurrence_of_an_all_day_series_is_found_by_its_date(ann):
    event = neutral(
        all_day=True,
        start=dt.date(2024, 3, 4),
        end=dt.date(2024, 3, 5),
        timezone="America/New_York",
        recurrence=("RRULE:FREQ=DAILY;COUNT=4",),
    )
    [created] = ann.push([create(1, event)])
    master_id = created.remote.external_id
    changed = dataclasses.replace(
        event, title="Day 3", start=dt.date(2024, 3, 6), end=dt.date(2024, 3, 7), recurrence=()
    )

    [result] = ann.push([occurrence_update("d3", master_id, dt.date(2024, 3, 6), changed)])

    assert result.error is None
    assert result.remote.original_start == dt.date(2024, 3, 6)
    titles = [i["subject"] for i in ann.client.instances(master_id, *WINDOW)]
    assert titles == ["Event 1", "Event 1", "Day 3", "Event 1"]


def test_a_cancelled_occurrence_is_not_found_and_the_other_ops_go_out(emulator, ann):
    [created] = ann.push([create(1, series_event())])
    master_id = created.remote.external_id
    slot = dt.datetime(2024, 4, 1, 7, 0, tzinfo=UTC)
    [cancelled] = [
        i
        for i in ann.client.instances(master_id, *WINDOW)
        if i["originalStart"] == "2024-04-01T07:00:00Z"
    ]
    ann.client.delete_event(cancelled["id"])
    edited = dataclasses.replace(series_event(), title="Edited", recurrence=())

    results = ann.push([occurrence_update("gone", master_id, slot, edited), create(2)])

    assert isinstance(results[0].error, NotFoundError)
    assert results[1].error is None
    assert emulator.count("microsoft", "events.update", operations=True) == 0


def test_a_failed_lookup_is_retried_later_and_the_other_ops_go_out(emulator, ann):
    [created] = ann.push([create(1, series_event())])
    master_id = created.remote.external_id
    slot = dt.datetime(2024, 4, 1, 7, 0, tzinfo=UTC)
    edited = dataclasses.replace(series_event(), title="Edited", recurrence=())
    emulator.add_fault("microsoft", "batch", status=503, retry_after=2)

    results = ann.push([occurrence_update("occ", master_id, slot, edited), create(2)])

    assert isinstance(results[0].error, TransientError) and results[0].error.retry_after == 2
    assert results[1].error is None
    [result] = ann.push([occurrence_update("occ", master_id, slot, edited)])
    assert result.error is None and result.remote.event.title == "Edited"


def test_the_engine_s_naive_utc_window_lists_series_and_their_cancellations(ann):
    """Odoo's datetimes are naive UTC: series expansion must read them as UTC."""
    [created] = ann.push([create(1, series_event())])
    master_id = created.remote.external_id
    naive = tuple(moment.replace(tzinfo=None) for moment in WINDOW)
    first = ann.list_changes(None, *naive)
    assert [r.external_id for r in first.events] == [master_id]
    [third] = [
        i
        for i in ann.client.instances(master_id, *WINDOW)
        if i["originalStart"] == "2024-04-08T07:00:00Z"
    ]
    ann.client.delete_event(third["id"])
    later = ann.list_changes(first.cursor, *naive)
    assert [r.original_start for r in later.events if r.recurring_external_id] == [
        dt.datetime(2024, 4, 8, 7, 0, tzinfo=UTC)
    ]


def _graph_event(subject, start, end, **extra):
    return {
        "subject": subject,
        "start": {"dateTime": start, "timeZone": "Romance Standard Time"},
        "end": {"dateTime": end, "timeZone": "Romance Standard Time"},
        **extra,
    }


def test_busy_is_graphs_get_schedule_of_the_mailbox(emulator, microsoft, ann):
    microsoft.put_event(ANN, _graph_event("busy", "2024-06-03T10:00:00", "2024-06-03T11:00:00"))
    microsoft.put_event(
        ANN, _graph_event("free", "2024-06-03T12:00:00", "2024-06-03T13:00:00", showAs="free")
    )
    microsoft.put_event(
        ANN, _graph_event("away", "2024-06-04T09:00:00", "2024-06-04T09:30:00", showAs="oof")
    )
    busy = ann.busy(dt.datetime(2024, 6, 1, tzinfo=UTC), dt.datetime(2024, 6, 8))
    # Brussels is UTC+2 in June
    assert busy == [
        (dt.datetime(2024, 6, 3, 8), dt.datetime(2024, 6, 3, 9)),
        (dt.datetime(2024, 6, 4, 7), dt.datetime(2024, 6, 4, 7, 30)),
    ]
    assert emulator.count("microsoft", "calendar.getSchedule") == 1


def test_busy_of_another_own_calendar_is_read_from_its_calendar_view(emulator, microsoft, ann):
    side = microsoft.add_calendar(ANN, "Side projects")
    # a daily series of 12 and a free event
    daily = _graph_event("daily", "2024-06-03T10:00:00", "2024-06-03T10:30:00")
    daily["recurrence"] = {
        "pattern": {"type": "daily", "interval": 1},
        "range": {"type": "numbered", "startDate": "2024-06-03", "numberOfOccurrences": 12},
    }
    free = _graph_event("free", "2024-06-03T12:00:00", "2024-06-03T13:00:00", showAs="free")
    for index, body in enumerate((daily, free)):
        ann.client.create_event(side, body, f"side-{index}")
    emulator.stats.clear()
    found = ann.busy(
        dt.datetime(2024, 6, 1),
        dt.datetime(2024, 6, 30),
        [BusyCalendar(side, ANN, is_default=False)],
    )
    # Brussels is UTC+2 in June
    assert found == [
        (dt.datetime(2024, 6, day, 8), dt.datetime(2024, 6, day, 8, 30)) for day in range(3, 15)
    ]
    assert emulator.count("microsoft", "calendarView.list") == 1
    assert emulator.count("microsoft", "calendar.getSchedule") == 0
    # Graph's own page size is 10 (the client asks for 100), and the window is required
    path = f"/me/calendars/{side}/calendarView"
    window = {"startDateTime": "2024-06-01T00:00:00", "endDateTime": "2024-06-30T00:00:00"}
    page = ann.client._call("GET", path, params=window)
    assert len(page["value"]) == 10 and page["@odata.nextLink"]
    with pytest.raises(BadRequest):
        ann.client._call("GET", path)


def test_get_schedule_is_read_by_graphs_model(ann):
    good = {
        "schedules": [ANN],
        "startTime": {"dateTime": "2024-06-01T00:00:00", "timeZone": "UTC"},
        "endTime": {"dateTime": "2024-06-02T00:00:00", "timeZone": "UTC"},
    }
    path = "/me/calendar/getSchedule"
    for body in (
        {**good, "availabilityView": "0"},  # not a property of the post body
        {**good, "schedules": ANN},
        {**good, "endTime": {"dateTime": "2024-09-01T00:00:00", "timeZone": "UTC"}},
        {**good, "startTime": {"dateTime": "2024-06-01T00:00:00", "timeZone": "Mars/Olympus"}},
        {**good, "availabilityViewInterval": 1},
    ):
        with pytest.raises(BadRequest):
            ann.client._call("POST", path, body=body)
    # Graph reads names case-insensitively
    answer = ann.client._call("POST", path, body={k.title(): v for k, v in good.items()})
    assert answer["value"][0]["availabilityView"] == "0" * 48
    unknown = ann.client._call("POST", path, body={**good, "schedules": ["nobody@example.com"]})
    assert unknown["value"][0]["error"]["responseCode"] == "ErrorMailRecipientNotFound"
