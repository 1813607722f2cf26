"""services.google.adapter.GoogleAdapter against the running Google emulator over HTTP."""

import time
from datetime import UTC, datetime, timedelta

import pytest
import requests

from emulator.google import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from services.adapter import PushOp
from services.connection import ProviderSettings
from services.exceptions import (
    AuthRevoked,
    BadRequest,
    NotFoundError,
    PreconditionFailed,
    RateLimited,
    SyncTokenExpired,
    TransientError,
)
from services.google.adapter import GoogleAdapter
from services.google.client import GoogleCalendarClient, event_id_for
from services.google.connector import GoogleConnector
from services.neutral import Attendee, NeutralEvent

ANN, BOB, ZED = "ann@example.com", "bob@example.com", "zed@elsewhere.org"
WINDOW = (datetime(2024, 1, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC))


def neutral(n=1, **overrides):
    start = datetime(2024, 5, 6, 9, 0, tzinfo=UTC) + timedelta(hours=n)
    values = {
        "title": f"Event {n}",
        "start": start,
        "end": start + timedelta(minutes=30),
        "all_day": False,
        "timezone": "Europe/Brussels",
        "organizer_email": ANN,
    }
    values.update(overrides)
    return NeutralEvent(**values)


def google_event(n=1, **extra):
    body = {
        "summary": f"Google {n}",
        "start": {"dateTime": f"2024-06-{1 + n % 28:02d}T09:00:00Z", "timeZone": "UTC"},
        "end": {"dateTime": f"2024-06-{1 + n % 28:02d}T10:00:00Z", "timeZone": "UTC"},
    }
    body.update(extra)
    return body


def create(n, event=None, **extra):
    return PushOp(
        "create", key=n, external_id=event_id_for("db", n), event=event or neutral(n), **extra
    )


@pytest.fixture
def google(emulator):
    return emulator.providers["google"]


@pytest.fixture
def connector(emulator):
    return GoogleConnector(
        ProviderSettings(
            client_id=DEMO_CLIENT_ID,
            client_secret=DEMO_CLIENT_SECRET,
            token_uri=emulator.url("google", "/token"),
            api_uri=emulator.url("google"),
        )
    )


def adapter_for(connector, google, email, calendar_id="primary"):
    token_data = {"refresh_token": google.grant(email)["refresh_token"]}
    return connector.adapter(token_data, calendar_id, email)


@pytest.fixture
def ann(connector, google):
    return adapter_for(connector, google, ANN)


@pytest.fixture
def bob(connector, google):
    return adapter_for(connector, google, BOB)


def test_full_list_of_the_window_then_one_change_in_500_events(emulator, google, ann):
    for n in range(500):
        google.put_event(ANN, google_event(n))
    google.put_event(ANN, google_event(1, start={"date": "2023-05-01"}, end={"date": "2023-05-02"}))
    first = ann.list_changes(None, *WINDOW)
    assert first.full and first.cursor
    assert len(first.events) == 500
    assert emulator.count("google", "events.list") == 2, "every page is followed"
    assert {r.event.title for r in first.events} == {f"Google {n}" for n in range(500)}
    edited = first.events[123]
    google.change_event(ANN, edited.external_id, {"summary": "Moved in Google"})
    second = ann.list_changes(first.cursor, *WINDOW)
    assert not second.full
    assert [(r.external_id, r.event.title) for r in second.events] == [
        (edited.external_id, "Moved in Google")
    ]
    assert second.cursor and second.cursor != first.cursor
    assert emulator.count("google", "events.list") == 3
    assert ann.list_changes(second.cursor, *WINDOW).events == []


def test_incremental_list_reports_deletions_and_cancelled_occurrences(google, ann):
    single = google.put_event(ANN, google_event(1))
    series = google.put_event(
        ANN,
        google_event(
            2,
            start={"dateTime": "2024-03-23T09:00:00", "timeZone": "Europe/Brussels"},
            end={"dateTime": "2024-03-23T10:00:00", "timeZone": "Europe/Brussels"},
            recurrence=["RRULE:FREQ=DAILY;COUNT=5"],
        ),
    )
    cursor = ann.list_changes(None, *WINDOW).cursor
    google.remove_event(ANN, single["id"])
    google.remove_event(ANN, f"{series['id']}_20240325T080000Z")
    changes = {r.external_id: r for r in ann.list_changes(cursor, *WINDOW).events}
    assert changes[single["id"]].deleted and changes[single["id"]].event is None
    occurrence = changes[f"{series['id']}_20240325T080000Z"]
    assert occurrence.deleted
    assert occurrence.recurring_external_id == series["id"]
    assert occurrence.original_start == datetime(2024, 3, 25, 8, 0, tzinfo=UTC)


def test_expired_sync_token_propagates(google, ann):
    cursor = ann.list_changes(None, *WINDOW).cursor
    google.expire_sync_tokens(ANN)
    with pytest.raises(SyncTokenExpired):
        ann.list_changes(cursor, *WINDOW)


def test_events_without_zone_take_the_calendars_zone_read_once(emulator, connector, google):
    calendar_id = google.add_calendar(ANN, "Tokyo office", time_zone="Asia/Tokyo")
    for n in range(3):
        body = google_event(n)
        body["start"].pop("timeZone")
        body["end"].pop("timeZone")
        google.put_event(ANN, body, calendar_id)
    tokyo = adapter_for(connector, google, ANN, calendar_id)
    events = tokyo.list_changes(None, *WINDOW).events
    assert [r.event.timezone for r in events] == ["Asia/Tokyo"] * 3
    assert events[0].event.start.tzinfo == UTC
    assert emulator.count("google", "calendarList.get") == 1


def test_get_and_gone(google, ann):
    created = google.put_event(ANN, google_event(1, location="Room 4"))
    remote = ann.get(created["id"])
    assert remote.etag == created["etag"] and remote.event.location == "Room 4"
    assert remote.is_organizer
    with pytest.raises(NotFoundError):
        ann.get("missingevent1")


def test_120_creates_cost_3_batch_requests_with_results_in_order(emulator, google, ann):
    ops = [create(n) for n in range(120)]
    results = ann.push(ops)
    assert emulator.count("google", "batch") == 3
    assert emulator.count("google", "events.insert") == 0, "no insert outside the batches"
    assert [r.key for r in results] == list(range(120))
    assert all(r.error is None for r in results)
    assert [r.remote.external_id for r in results] == [op.external_id for op in ops]
    assert results[7].remote.event.title == "Event 7" and results[7].remote.etag
    assert len(google.events_of(ANN)) == 120


def test_retried_create_after_a_lost_answer_does_not_duplicate(emulator, google):
    client = GoogleCalendarClient(
        emulator.url("google"),
        emulator.url("google", "/token"),
        DEMO_CLIENT_ID,
        DEMO_CLIENT_SECRET,
        refresh_token=google.grant(ANN)["refresh_token"],
        timeout=0.3,
    )
    adapter = GoogleAdapter(client, "primary", ANN, {})
    adapter.list_changes(None, *WINDOW)
    emulator.add_fault("google", "batch", status=0, delay=0.8)
    with pytest.raises(TransientError):
        adapter.push([create(1), create(2)])
    deadline = time.monotonic() + 5
    while len(google.events_of(ANN)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(google.events_of(ANN)) == 2, "Google did the work, the answer was lost"
    results = adapter.push([create(1), create(2), create(3)])
    assert [r.error for r in results] == [None, None, None]
    assert [r.remote.event.title for r in results] == ["Event 1", "Event 2", "Event 3"]
    assert sorted(e["id"] for e in google.events_of(ANN)) == sorted(
        event_id_for("db", n) for n in (1, 2, 3)
    )


def test_update_sends_if_match_and_a_stale_etag_is_a_result_not_a_raise(google, ann):
    first, second = (r.remote for r in ann.push([create(1), create(2)]))
    google.change_event(ANN, second.external_id, {"summary": "Edited in Google"})
    results = ann.push(
        [
            PushOp("update", 1, first.external_id, neutral(1, title="New title"), first.etag),
            PushOp("update", 2, second.external_id, neutral(2, title="Mine"), second.etag),
        ]
    )
    assert results[0].error is None
    assert results[0].remote.event.title == "New title"
    assert results[0].remote.etag != first.etag
    assert isinstance(results[1].error, PreconditionFailed) and results[1].remote is None
    assert google.event_of(ANN, second.external_id)["summary"] == "Edited in Google"


def test_deletes_of_gone_events_succeed_and_stale_deletes_do_not(google, ann):
    kept, gone, stale = (r.remote for r in ann.push([create(1), create(2), create(3)]))
    google.remove_event(ANN, gone.external_id)
    google.change_event(ANN, stale.external_id, {"summary": "Edited in Google"})
    results = ann.push(
        [
            PushOp("delete", "a", kept.external_id, etag=kept.etag),
            PushOp("delete", "b", gone.external_id, etag=gone.etag),
            PushOp("delete", "c", "neverexisted1"),
            PushOp("delete", "d", stale.external_id, etag=stale.etag),
        ]
    )
    assert [r.error for r in results[:3]] == [None, None, None]
    assert all(r.remote.deleted for r in results[:3])
    assert isinstance(results[3].error, PreconditionFailed)
    assert [e["id"] for e in google.events_of(ANN)] == [stale.external_id]


def test_one_failing_part_is_a_result_a_failed_batch_is_raised(emulator, google, ann):
    ann.list_changes(None, *WINDOW)
    emulator.add_fault("google", "events.insert", status=429, retry_after=7)
    results = ann.push([create(1), create(2)])
    assert isinstance(results[0].error, RateLimited) and results[0].error.retry_after == 7
    assert results[1].error is None
    emulator.add_fault("google", "batch", status=503)
    with pytest.raises(TransientError):
        ann.push([create(3), create(4)])
    google.revoke_refresh_tokens(ANN)
    google.expire_access_tokens(ANN)
    with pytest.raises(AuthRevoked):
        ann.push([create(5)])
    assert len(google.events_of(ANN)) == 1


def test_meet_is_pending_then_its_link_follows(google, ann):
    google.conference_pending_reads = 2
    with_meet, plain = ann.push(
        [
            create(1, neutral(1, online_meeting_provider="google_meet"), want_meeting=True),
            create(2),
        ]
    )
    assert with_meet.remote.meeting_pending
    assert with_meet.remote.event.online_meeting_provider == "google_meet"
    assert with_meet.remote.event.online_meeting_url == ""
    assert ann.get(with_meet.remote.external_id).meeting_pending
    done = ann.get(with_meet.remote.external_id)
    assert not done.meeting_pending
    assert done.event.online_meeting_url.startswith("https://meet.google.com/")
    assert plain.remote.event.online_meeting_provider == "none"
    assert "conferenceData" not in google.event_of(ANN, plain.remote.external_id)


def test_invitation_on_the_attendees_calendar_is_not_organized_by_them(google, ann, bob):
    meeting = neutral(1, attendees=(Attendee(ANN, organizer=True), Attendee(BOB, "Bob")))
    [created] = ann.push([create(1, meeting)])
    assert created.remote.is_organizer and created.remote.self_response == "needs_action"
    [invitation] = bob.list_changes(None, *WINDOW).events
    assert invitation.external_id == created.remote.external_id
    assert invitation.ical_uid == created.remote.ical_uid
    assert not invitation.is_organizer
    assert invitation.self_response == "needs_action"
    assert invitation.event.organizer_email == ANN


def test_respond_changes_only_the_users_own_answer(emulator, google, ann, bob):
    meeting = neutral(
        1,
        attendees=(
            Attendee(ANN, response="accepted", organizer=True),
            Attendee(BOB, "Bob"),
            Attendee(ZED, "Zed", "tentative", optional=True),
        ),
        description="Agenda",
    )
    [created] = ann.push([create(1, meeting)])
    before = google.event_of(ANN, created.remote.external_id)
    patches = emulator.count("google", "events.patch")
    [answer] = bob.push([PushOp("respond", "r", created.remote.external_id, response="declined")])
    assert answer.error is None
    assert answer.remote.self_response == "declined" and not answer.remote.is_organizer
    assert emulator.count("google", "events.patch") == patches + 1
    answers = {ANN: "accepted", BOB: "declined", ZED: "tentative"}
    bobs_copy = google.event_of(BOB, created.remote.external_id)
    assert {a["email"]: a["responseStatus"] for a in bobs_copy["attendees"]} == answers
    after = google.event_of(ANN, created.remote.external_id)
    assert {a["email"]: a["responseStatus"] for a in after["attendees"]} == answers
    unchanged = ("summary", "description", "start", "end", "organizer", "sequence")
    assert {k: after.get(k) for k in unchanged} == {k: before.get(k) for k in unchanged}
    assert [a for a in after["attendees"] if a["email"] != BOB] == [
        a for a in before["attendees"] if a["email"] != BOB
    ]


def test_respond_when_not_invited_is_an_error_result(google, ann, bob):
    [created] = ann.push([create(1)])
    [mine] = ann.push([PushOp("respond", "r", created.remote.external_id, response="accepted")])
    assert isinstance(mine.error, BadRequest) and mine.remote is None
    [theirs] = bob.push([PushOp("respond", "r", created.remote.external_id, response="accepted")])
    assert isinstance(theirs.error, NotFoundError), "not on Bob's calendar at all"


def test_watch_and_unwatch(google, ann):
    answer = ann.watch("chan-1", "http://127.0.0.1:9/notify", "secret", 3600)
    assert answer["resource_id"]
    expected = datetime.now(UTC) + timedelta(hours=1)
    assert abs(answer["expiration"] - expected) < timedelta(seconds=30)
    assert [c.token for c in google.channels_of(ANN)] == ["secret"]
    ann.unwatch("chan-1", answer["resource_id"])
    assert google.channels_of(ANN) == []
    ann.unwatch("chan-1", answer["resource_id"])


def test_token_data_carries_the_refreshed_access_token(emulator, google, ann):
    assert emulator.count("google", "oauth.token") == 0
    ann.list_changes(None, *WINDOW)
    data = ann.token_data()
    assert emulator.count("google", "oauth.token") == 1
    assert data["refresh_token"] and data["access_token"].startswith("ya29.")
    assert datetime.fromisoformat(data["expiry"]) > datetime.now(UTC) + timedelta(minutes=50)
    google.expire_access_tokens(ANN)
    ann.list_changes(None, *WINDOW)
    assert ann.token_data()["access_token"] != data["access_token"]
    assert ann.token_data()["refresh_token"] == data["refresh_token"]


def test_one_occurrence_is_changed_through_the_series_id_and_original_start(google, ann):
    series = neutral(1, recurrence=("RRULE:FREQ=DAILY;COUNT=5",))
    [created] = ann.push([create(1, series)])
    master_id = created.remote.external_id
    second_start = series.start + timedelta(days=1)
    moved = neutral(
        1,
        title="Moved one",
        start=second_start + timedelta(hours=2),
        end=second_start + timedelta(hours=2, minutes=30),
    )
    [result] = ann.push(
        [
            PushOp(
                "update",
                key=2,
                event=moved,
                recurring_external_id=master_id,
                original_start=second_start,
            )
        ]
    )
    assert result.error is None
    assert result.remote.external_id == f"{master_id}_{second_start:%Y%m%dT%H%M%SZ}"
    assert result.remote.recurring_external_id == master_id
    assert result.remote.event.title == "Moved one"
    master = google.event_of(ANN, master_id)
    assert master["summary"] == "Event 1", "the series itself is unchanged"


def test_busy_is_googles_freebusy_of_the_calendar(emulator, google, ann):
    google.put_event(ANN, google_event(1))
    google.put_event(ANN, google_event(2, transparency="transparent"))
    google.put_event(
        ANN,
        google_event(
            3,
            start={"dateTime": "2024-06-10T08:00:00Z", "timeZone": "UTC"},
            end={"dateTime": "2024-06-10T08:30:00Z", "timeZone": "UTC"},
            recurrence=["RRULE:FREQ=DAILY;COUNT=3"],
        ),
    )
    declined = google_event(4, attendees=[{"email": ANN, "responseStatus": "declined"}])
    google.put_event(ANN, declined)
    busy = ann.busy(datetime(2024, 6, 1, tzinfo=UTC), datetime(2024, 6, 12))
    assert busy == [
        (datetime(2024, 6, 2, 9), datetime(2024, 6, 2, 10)),
        (datetime(2024, 6, 10, 8), datetime(2024, 6, 10, 8, 30)),
        (datetime(2024, 6, 11, 8), datetime(2024, 6, 11, 8, 30)),
    ]
    assert emulator.count("google", "freebusy.query") == 1


def test_freebusy_query_is_checked_like_google(emulator, google):
    token = google.add_user(ANN)
    url = emulator.url("google", "/calendar/v3/freeBusy")
    headers = {"Authorization": f"Bearer {token}"}
    good = {"timeMin": "2024-06-01T00:00:00Z", "timeMax": "2024-06-02T00:00:00Z"}
    cases = [
        ({**good, "items": [{"id": ANN}], "calendars": []}, 400),  # not in FreeBusyRequest
        ({"timeMax": good["timeMax"]}, 400),
        ({**good, "timeMax": good["timeMin"]}, 400),
        ({**good, "timeMax": "2024-09-01T00:00:00Z"}, 400),
        ({**good, "timeMin": "June 1st"}, 400),
    ]
    for body, status in cases:
        assert requests.post(url, json=body, headers=headers, timeout=10).status_code == status
    answer = requests.post(
        url, json={**good, "items": [{"id": "nobody@example.com"}]}, headers=headers, timeout=10
    ).json()
    assert answer["calendars"]["nobody@example.com"]["errors"][0]["reason"] == "notFound"
    readonly = google.add_user(BOB, scope="https://www.googleapis.com/auth/calendar.events")
    refused = requests.post(
        url, json=good, headers={"Authorization": f"Bearer {readonly}"}, timeout=10
    )
    assert refused.status_code == 403
