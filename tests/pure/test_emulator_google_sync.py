"""events.list on the Google emulator: pages, sync tokens, filters, and their errors."""

import pytest
import requests
from google_api import GoogleApi

from emulator.google_store import Calendar, Entry

USER = "ann@example.com"


def timed(day, hour=9, **extra):
    body = {
        "summary": f"Event {day} {hour}",
        "start": {"dateTime": f"2024-05-{day:02d}T{hour:02d}:00:00Z"},
        "end": {"dateTime": f"2024-05-{day:02d}T{hour + 1:02d}:00:00Z"},
    }
    body.update(extra)
    return body


class Api(GoogleApi):
    def __init__(self, emulator, email=USER):
        super().__init__(emulator, email)

    def list(self, **params):
        return self("GET", "/calendars/primary/events", params=params)

    def all_pages(self, **params):
        """Follow nextPageToken; returns (items, pages, nextSyncToken)."""
        items, pages = [], 0
        while True:
            page = self.list(**params).json()
            pages += 1
            items.extend(page["items"])
            assert ("nextPageToken" in page) != ("nextSyncToken" in page)
            if "nextPageToken" not in page:
                return items, pages, page["nextSyncToken"]
            params["pageToken"] = page["nextPageToken"]


@pytest.fixture
def api(emulator):
    return Api(emulator)


def reason_of(response):
    return response.status_code, response.json()["error"]["errors"][0]["reason"]


def test_pages_carry_next_page_token_and_only_the_last_a_sync_token(api):
    ids = {api.insert(timed(day))["id"] for day in range(1, 8)}
    first = api.list(maxResults=3).json()
    assert len(first["items"]) == 3
    assert "nextPageToken" in first and "nextSyncToken" not in first
    items, pages, sync_token = api.all_pages(maxResults=3)
    assert pages == 3
    assert {e["id"] for e in items} == ids
    assert sync_token


def test_incremental_list_returns_only_changes_including_cancelled(api):
    keep, change, drop = (api.insert(timed(day)) for day in (1, 2, 3))
    _items, _pages, token = api.all_pages()
    api("PATCH", f"/calendars/primary/events/{change['id']}", json={"summary": "moved"})
    api("DELETE", f"/calendars/primary/events/{drop['id']}")
    added = api.insert(timed(4))
    page = api.list(syncToken=token).json()
    by_id = {e["id"]: e for e in page["items"]}
    assert set(by_id) == {change["id"], drop["id"], added["id"]}
    assert keep["id"] not in by_id
    assert by_id[change["id"]]["summary"] == "moved"
    assert by_id[drop["id"]] == {
        "kind": "calendar#event",
        "etag": by_id[drop["id"]]["etag"],
        "id": drop["id"],
        "status": "cancelled",
    }
    again = api.list(syncToken=page["nextSyncToken"]).json()
    assert again["items"] == []


def test_incremental_list_pages_too(api):
    _items, _pages, token = api.all_pages()
    ids = {api.insert(timed(day))["id"] for day in range(1, 6)}
    items, pages, _next = api.all_pages(syncToken=token, maxResults=2)
    assert pages == 3
    assert {e["id"] for e in items} == ids


def test_a_change_during_paging_reaches_the_next_sync(api):
    for day in range(1, 5):
        api.insert(timed(day))
    first = api.list(maxResults=2).json()
    late = api.insert(timed(9))
    _items, _pages, token = api.all_pages(maxResults=2, pageToken=first["nextPageToken"])
    changes = api.list(syncToken=token).json()["items"]
    assert late["id"] in {e["id"] for e in changes}


def test_change_log_yields_each_event_once_at_its_latest_change():
    calendar = Calendar("c@example.com", "c@example.com", "c")
    entries = [Entry({"id": f"event{n:05d}"}) for n in range(1000)]
    for position, entry in enumerate(entries, start=1):
        calendar.commit(entry, position)
    calendar.commit(entries[10], 1001)
    calendar.commit(entries[998], 1002)
    calendar.commit(entries[10], 1003)
    changed = [(e.id, e.seq) for e in calendar.changed(998, 1003)]
    assert changed == [("event00999", 1000), ("event00998", 1002), ("event00010", 1003)]
    assert [e.id for e in calendar.changed(1001, 1002)] == ["event00998"]


@pytest.mark.parametrize(
    "extra",
    [
        {"timeMin": "2024-05-01T00:00:00Z"},
        {"timeMax": "2024-06-01T00:00:00Z"},
        {"iCalUID": "x@google.com"},
        {"updatedMin": "2024-05-01T00:00:00Z"},
    ],
)
def test_sync_token_with_a_filter_is_400(api, extra):
    _items, _pages, token = api.all_pages()
    assert reason_of(api.list(syncToken=token, **extra)) == (400, "invalid")


def test_expired_sync_token_is_410_full_sync_required(emulator, api):
    _items, _pages, token = api.all_pages()
    emulator.providers["google"].expire_sync_tokens(USER)
    response = api.list(syncToken=token)
    assert reason_of(response) == (410, "fullSyncRequired")
    assert reason_of(api.list(syncToken="not-a-token")) == (410, "fullSyncRequired")
    _items, _pages, fresh = api.all_pages()
    assert api.list(syncToken=fresh).status_code == 200


def test_time_window_filters_on_end_and_start(api):
    before = api.insert(timed(1))
    inside = api.insert(timed(10))
    touching = api.insert(timed(20, hour=8))
    params = {"timeMin": "2024-05-05T00:00:00Z", "timeMax": "2024-05-20T09:00:00Z"}
    ids = {e["id"] for e in api.all_pages(**params)[0]}
    assert ids == {inside["id"], touching["id"]}
    assert before["id"] not in ids
    assert reason_of(api.list(timeMin="2024-05-05T00:00:00")) == (400, "invalid")
    assert reason_of(api.list(timeMin="2024-05-05T00:00:00Z", timeMax="2024-05-04T00:00:00Z")) == (
        400,
        "timeRangeEmpty",
    )


def test_show_deleted_and_updated_min(api):
    gone = api.insert(timed(1))
    api("DELETE", f"/calendars/primary/events/{gone['id']}")
    assert api.list().json()["items"] == []
    shown = api.list(showDeleted="true").json()["items"]
    assert [(e["id"], e["status"]) for e in shown] == [(gone["id"], "cancelled")]
    since = api.list(updatedMin="2000-01-01T00:00:00Z").json()["items"]
    assert [e["id"] for e in since] == [gone["id"]]
    assert api.list(updatedMin="2999-01-01T00:00:00Z").json()["items"] == []


def test_ical_uid_filter(api):
    api.insert(timed(1))
    wanted = api.insert(timed(2, iCalUID="odoo-42@example.com"))
    items = api.list(iCalUID="odoo-42@example.com").json()["items"]
    assert [e["id"] for e in items] == [wanted["id"]]


def test_order_by_start_time_needs_single_events(api):
    late, early = api.insert(timed(9)), api.insert(timed(2))
    assert reason_of(api.list(orderBy="startTime")) == (400, "invalid")
    items = api.list(orderBy="startTime", singleEvents="true").json()["items"]
    assert [e["id"] for e in items] == [early["id"], late["id"]]


def test_bad_max_results_is_400(api):
    assert reason_of(api.list(maxResults="0")) == (400, "invalid")
    assert reason_of(api.list(maxResults="many")) == (400, "invalid")


def test_next_page_of_changes_needs_only_the_page_token(api):
    """Google's page token carries its query: clients send it alone (Odoo's own module does)."""
    _items, _pages, token = api.all_pages()
    ids = {api.insert(timed(day))["id"] for day in range(1, 6)}
    first = api.list(syncToken=token, maxResults=2).json()
    seen = {e["id"] for e in first["items"]}
    page = first
    while "nextPageToken" in page:
        page = api.list(pageToken=page["nextPageToken"], maxResults=2).json()
        seen |= {e["id"] for e in page["items"]}
    assert seen == ids and "nextSyncToken" in page


def test_the_access_token_may_come_as_a_query_parameter(emulator, api):
    """RFC 6750 section 2.3, which Google accepts (Odoo's own module sends GETs that way)."""
    url = emulator.url("google", "/calendar/v3/calendars/primary/events")
    assert requests.get(url, params={"access_token": api.token}, timeout=10).status_code == 200
    assert requests.get(url, params={"access_token": "nope"}, timeout=10).status_code == 401
    assert requests.get(url, timeout=10).status_code == 401
