"""services.google.client against the running Google emulator (googleapiclient over HTTP)."""

import math
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from emulator.google import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
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
from services.google.client import (
    GoogleCalendarClient,
    Operation,
    authorization_url,
    event_id_for,
    exchange_code,
    meet_link,
    pkce_pair,
    revoke,
    revoke_uri_for,
)

USER = "ann@example.com"
REDIRECT = "http://127.0.0.1:8069/calendar_cloud_sync/google/callback"


def event(n=1, **extra):
    body = {
        "summary": f"Event {n}",
        "start": {"dateTime": "2024-05-06T09:00:00Z"},
        "end": {"dateTime": "2024-05-06T10:00:00Z"},
    }
    body.update(extra)
    return body


@pytest.fixture
def google(emulator):
    return emulator.providers["google"]


def make_client(emulator, refresh_token, access_token=None, expiry=None, timeout=10):
    return GoogleCalendarClient(
        api_uri=emulator.url("google"),
        token_uri=emulator.url("google", "/token"),
        client_id=DEMO_CLIENT_ID,
        client_secret=DEMO_CLIENT_SECRET,
        refresh_token=refresh_token,
        access_token=access_token,
        expiry=expiry,
        timeout=timeout,
    )


@pytest.fixture
def client(emulator, google):
    return make_client(emulator, google.grant(USER)["refresh_token"])


def test_event_id_for_is_deterministic_base32hex(client):
    first = event_id_for("0f4e-uuid", 42)
    assert first == event_id_for("0f4e-uuid", 42)
    assert first != event_id_for("0f4e-uuid", 43)
    assert first != event_id_for("other-db", 42)
    assert re.fullmatch(r"[0-9a-v]{32}", first)
    assert client.insert_event("primary", event(id=first))["id"] == first


def test_first_call_refreshes_and_exposes_the_new_token(emulator, client):
    assert client.access_token is None
    calendars = client.list_calendars()
    assert [c["id"] for c in calendars] == [USER]
    assert client.access_token.startswith("ya29.")
    assert client.expiry > datetime.now(UTC).replace(tzinfo=None) + timedelta(minutes=50)
    assert emulator.count("google", "oauth.token") == 1
    assert client.get_calendar()["id"] == USER


def test_stored_valid_token_is_used_without_refresh(emulator, google):
    tokens = google.grant(USER)
    expiry = datetime.now(UTC) + timedelta(hours=1)
    client = make_client(emulator, tokens["refresh_token"], tokens["access_token"], expiry)
    client.list_calendars()
    assert emulator.count("google", "oauth.token") == 0
    assert client.access_token == tokens["access_token"]


def test_expired_access_token_is_refreshed_on_401(emulator, google):
    tokens = google.grant(USER)
    expiry = datetime.now(UTC) + timedelta(hours=1)
    client = make_client(emulator, tokens["refresh_token"], tokens["access_token"], expiry)
    google.expire_access_tokens(USER)
    assert client.list_calendars()
    assert client.access_token != tokens["access_token"]
    assert emulator.count("google", "oauth.token") == 1


def test_revoked_grant_is_auth_revoked(google, client):
    client.list_calendars()
    google.revoke_refresh_tokens(USER)
    with pytest.raises(AuthRevoked):
        client.list_events("primary")


def test_401_even_after_refresh_is_auth_revoked(emulator, client):
    emulator.add_fault("google", "events.list", status=401, times=5)
    with pytest.raises(AuthRevoked):
        client.list_events("primary")


def test_token_endpoint_outage_is_transient_not_revoked(emulator, client):
    emulator.add_fault("google", "oauth.token", status=503, times=5)
    with pytest.raises(TransientError) as caught:
        client.list_calendars()
    assert not isinstance(caught.value, AuthRevoked)


def test_list_events_follows_every_page(emulator, google, client):
    for n in range(7):
        google.put_event(USER, event(n))
    events, sync_token = client.list_events("primary", page_size=3)
    assert len(events) == 7
    assert emulator.count("google", "events.list") == 3
    assert sync_token
    added = client.insert_event("primary", event(8))
    changes, next_token = client.list_events("primary", sync_token=sync_token)
    assert [e["id"] for e in changes] == [added["id"]]
    assert next_token and next_token != sync_token


def test_list_events_time_window(google, client):
    google.put_event(USER, event(1))
    later = google.put_event(
        USER,
        event(
            2, start={"dateTime": "2024-06-06T09:00:00Z"}, end={"dateTime": "2024-06-06T10:00:00Z"}
        ),
    )
    events, _token = client.list_events(
        "primary",
        time_min=datetime(2024, 6, 1, tzinfo=UTC),
        time_max=datetime(2024, 7, 1, tzinfo=UTC),
    )
    assert [e["id"] for e in events] == [later["id"]]


def test_expired_sync_token_is_sync_token_expired(google, client):
    _events, sync_token = client.list_events("primary")
    google.expire_sync_tokens(USER)
    with pytest.raises(SyncTokenExpired):
        client.list_events("primary", sync_token=sync_token)


def test_insert_twice_with_our_id_is_already_exists(client):
    event_id = event_id_for("db", 7)
    client.insert_event("primary", event(id=event_id))
    with pytest.raises(AlreadyExists):
        client.insert_event("primary", event(id=event_id))


def test_get_event_and_not_found(client):
    created = client.insert_event("primary", event())
    assert client.get_event("primary", created["id"])["etag"] == created["etag"]
    with pytest.raises(NotFoundError):
        client.get_event("primary", "missingevent")


def test_insert_with_meet_then_read_the_link(client):
    created = client.insert_event("primary", event(), conference=True)
    assert created["conferenceData"]["createRequest"]["status"]["statusCode"] == "pending"
    assert meet_link(created) is None
    link = meet_link(client.get_event("primary", created["id"]))
    assert link.startswith("https://meet.google.com/")


def test_patch_with_etag_and_stale_etag(client):
    created = client.insert_event("primary", event())
    patched = client.patch_event("primary", created["id"], {"summary": "v2"}, etag=created["etag"])
    assert patched["summary"] == "v2"
    with pytest.raises(PreconditionFailed):
        client.patch_event("primary", created["id"], {"summary": "v3"}, etag=created["etag"])
    with_meet = client.patch_event("primary", created["id"], {}, conference=True)
    assert with_meet["conferenceData"]["createRequest"]["status"]["statusCode"] == "pending"


def test_delete_with_etag_then_gone(client):
    created = client.insert_event("primary", event())
    with pytest.raises(PreconditionFailed):
        client.delete_event("primary", created["id"], etag='"0"')
    client.delete_event("primary", created["id"], etag=created["etag"])
    with pytest.raises(NotFoundError):
        client.delete_event("primary", created["id"])


def test_instances_of_a_series(client):
    series = client.insert_event(
        "primary",
        event(
            start={"dateTime": "2024-05-06T09:00:00", "timeZone": "UTC"},
            end={"dateTime": "2024-05-06T10:00:00", "timeZone": "UTC"},
            recurrence=["RRULE:FREQ=DAILY;COUNT=4"],
        ),
    )
    instances = client.instances("primary", series["id"])
    assert [i["id"] for i in instances] == [
        f"{series['id']}_2024050{d}T090000Z" for d in (6, 7, 8, 9)
    ]


def test_watch_and_stop_channel(emulator, google, client):
    channel = client.watch("primary", "chan-9", "http://127.0.0.1:9/notify", "tok", 3600)
    assert channel["resourceId"] and int(channel["expiration"]) > 0
    assert [c.id for c in google.channels_of(USER)] == ["chan-9"]
    client.stop_channel("chan-9", channel["resourceId"])
    assert google.channels_of(USER) == []
    with pytest.raises(NotFoundError):
        client.stop_channel("chan-9", channel["resourceId"])


def test_batch_in_chunks_of_50_with_one_result_per_operation(emulator, google, client):
    existing = client.insert_event("primary", event(id=event_id_for("db", 0)))
    stale = client.insert_event("primary", event())
    client.patch_event("primary", stale["id"], {"summary": "changed elsewhere"})
    operations = [
        Operation("insert", "primary", body=event(n, id=event_id_for("db", n)))
        for n in range(1, 120)
    ]
    operations += [
        Operation("insert", "primary", body=event(id=existing["id"])),
        Operation(
            "patch", "primary", event_id=stale["id"], body={"summary": "x"}, etag=stale["etag"]
        ),
        Operation("patch", "primary", event_id=existing["id"], body={"summary": "ok"}),
        Operation("delete", "primary", event_id=existing["id"]),
        Operation("delete", "primary", event_id="missingevent"),
    ]
    results = client.batch(operations)
    assert emulator.count("google", "batch") == math.ceil(len(operations) / 50)
    assert [r["id"] for r in results[:119]] == [event_id_for("db", n) for n in range(1, 120)]
    assert isinstance(results[119], AlreadyExists)
    assert isinstance(results[120], PreconditionFailed)
    assert results[121]["summary"] == "ok"
    assert results[122] is None
    assert isinstance(results[123], NotFoundError)
    assert len(google.events_of(USER)) == 1 + 119


def test_batch_part_faults_and_whole_batch_failure(emulator, client):
    client.list_calendars()
    emulator.add_fault("google", "events.insert", status=429, retry_after=4)
    results = client.batch([Operation("insert", "primary", body=event(n)) for n in range(3)])
    assert isinstance(results[0], RateLimited) and results[0].retry_after == 4
    assert all(isinstance(r, dict) for r in results[1:])
    emulator.add_fault("google", "batch", status=503)
    failed = client.batch([Operation("insert", "primary", body=event(n)) for n in range(60)])
    assert len(failed) == 60
    assert all(isinstance(r, TransientError) for r in failed)
    assert emulator.count("google", "batch") == 2


@pytest.mark.parametrize(
    ("status", "reason", "expected"),
    [
        (429, None, RateLimited),
        (403, "rateLimitExceeded", RateLimited),
        (403, "userRateLimitExceeded", RateLimited),
        (403, "forbiddenForNonOrganizer", Forbidden),
        (500, None, TransientError),
        (503, None, TransientError),
        (400, None, BadRequest),
        (404, None, NotFoundError),
    ],
)
def test_http_errors_map_to_domain_exceptions(emulator, client, status, reason, expected):
    emulator.add_fault("google", "events.get", status=status, retry_after=12, reason=reason)
    with pytest.raises(expected) as caught:
        client.get_event("primary", "whatever1")
    assert caught.value.status == status
    if issubclass(expected, TransientError):
        assert caught.value.retry_after == 12


def test_invalid_body_is_bad_request(client):
    with pytest.raises(BadRequest):
        client.insert_event("primary", {"summary": "no times"})


def test_slow_answer_is_a_transient_timeout(emulator, google):
    client = make_client(emulator, google.grant(USER)["refresh_token"], timeout=0.3)
    client.list_calendars()
    emulator.add_fault("google", "events.list", status=0, delay=1.0)
    with pytest.raises(TransientError):
        client.list_events("primary")


def test_oauth_round_trip_with_pkce(emulator, google):
    google.auto_approve = True
    verifier, challenge = pkce_pair()
    url = authorization_url(
        emulator.url("google", "/o/oauth2/v2/auth"),
        DEMO_CLIENT_ID,
        REDIRECT,
        "state-1",
        challenge,
        login_hint="dan@example.com",
    )
    query = parse_qs(urlsplit(url).query)
    assert query["access_type"] == ["offline"] and query["prompt"] == ["consent"]
    assert query["code_challenge_method"] == ["S256"]
    redirect = requests.get(url, allow_redirects=False, timeout=10)
    code = parse_qs(urlsplit(redirect.headers["Location"]).query)["code"][0]
    token_uri = emulator.url("google", "/token")
    with pytest.raises(AuthRevoked):
        exchange_code(token_uri, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, code, "x" * 64, REDIRECT)
    tokens = exchange_code(token_uri, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, code, verifier, REDIRECT)
    assert tokens["refresh_token"] and tokens["expiry"] > datetime.now(UTC).replace(tzinfo=None)
    client = make_client(
        emulator, tokens["refresh_token"], tokens["access_token"], tokens["expiry"]
    )
    assert client.list_calendars()[0]["id"] == "dan@example.com"
    revoke_uri = revoke_uri_for(token_uri)
    assert revoke_uri == emulator.url("google", "/revoke")
    assert revoke(revoke_uri, tokens["refresh_token"]) is True
    assert revoke(revoke_uri, tokens["refresh_token"]) is False
    with pytest.raises(AuthRevoked):
        client.list_calendars()


def test_token_exchange_outage_is_transient(emulator):
    emulator.add_fault("google", "oauth.token", status=503, retry_after=30)
    with pytest.raises(TransientError) as caught:
        exchange_code(
            emulator.url("google", "/token"),
            DEMO_CLIENT_ID,
            DEMO_CLIENT_SECRET,
            "code",
            "verifier",
            REDIRECT,
        )
    assert caught.value.retry_after == 30


def test_batch_refreshes_an_expired_token_and_retries_the_parts(emulator, google):
    tokens = google.grant(USER)
    expiry = datetime.now(UTC) + timedelta(hours=1)
    client = make_client(emulator, tokens["refresh_token"], tokens["access_token"], expiry)
    google.expire_access_tokens(USER)
    results = client.batch([Operation("insert", "primary", body=event(n)) for n in range(2)])
    assert all(isinstance(r, dict) for r in results)
    assert emulator.count("google", "oauth.token") == 1
    assert emulator.count("google", "batch") == 2
    assert len(google.events_of(USER)) == 2
