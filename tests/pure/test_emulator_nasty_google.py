"""The Google emulator's unkind options (emulator.nasty): each on its own, then all at once."""

import pytest
from google_api import GoogleApi

USER = "ann@example.com"
EVENTS = "/calendars/primary/events"


def timed(day, **extra):
    body = {
        "summary": f"Event {day}",
        "start": {"dateTime": f"2024-05-{day:02d}T09:00:00Z"},
        "end": {"dateTime": f"2024-05-{day:02d}T10:00:00Z"},
    }
    body.update(extra)
    return body


def series(count=5):
    return timed(
        6,
        summary="Weekly",
        start={"dateTime": "2024-05-06T09:00:00", "timeZone": "Europe/Brussels"},
        end={"dateTime": "2024-05-06T10:00:00", "timeZone": "Europe/Brussels"},
        recurrence=[f"RRULE:FREQ=WEEKLY;COUNT={count}"],
    )


class Api(GoogleApi):
    def list(self, **params):
        response = self("GET", EVENTS, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def pages(self, **params):
        """Every page of a listing: [(items, the page's tokens)]."""
        found = []
        while True:
            page = self.list(**params)
            found.append((page["items"], {k for k in page if k.startswith("next")}))
            if "nextPageToken" not in page:
                return found, page["nextSyncToken"]
            params["pageToken"] = page["nextPageToken"]

    def sync_token(self):
        return self.pages()[1]


@pytest.fixture
def google(emulator):
    return emulator.providers["google"]


@pytest.fixture
def api(emulator):
    return Api(emulator, USER)


def test_pages_hold_at_most_page_limit_items_whatever_max_results_says(google, api):
    for day in range(1, 9):
        api.insert(timed(day))
    assert len(api.list(maxResults=250)["items"]) == 8  # kind by default

    google.page_limit = 3
    pages, _token = api.pages(maxResults=250)
    assert [len(items) for items, _ in pages] == [3, 3, 2]
    # nextSyncToken on the last page only, nextPageToken on every other one
    assert [tokens for _, tokens in pages] == [{"nextPageToken"}] * 2 + [{"nextSyncToken"}]


def test_incremental_pages_are_limited_too_and_end_with_the_sync_token(google, api):
    token = api.sync_token()
    google.page_limit = 3
    for day in range(1, 8):
        api.insert(timed(day))
    pages, _token = api.pages(syncToken=token, maxResults=50)
    assert [len(items) for items, _ in pages] == [3, 3, 1]
    assert [tokens for _, tokens in pages][-1] == {"nextSyncToken"}


def test_sparse_cancelled_items_carry_only_id_and_status(google, api):
    gone = api.insert(timed(1))
    master = api.insert(series())
    token = api.sync_token()
    api("DELETE", f"{EVENTS}/{gone['id']}")
    instance = api("GET", f"{EVENTS}/{master['id']}/instances").json()["items"][1]
    api("DELETE", f"{EVENTS}/{instance['id']}")

    kind = {item["id"]: item for item in api.list(syncToken=token)["items"]}
    assert set(kind[gone["id"]]) == {"kind", "etag", "id", "status"}

    google.sparse_cancelled = True
    items = {item["id"]: item for item in api.list(syncToken=token)["items"]}
    assert items[gone["id"]] == {"id": gone["id"], "status": "cancelled"}
    assert items[instance["id"]] == {
        "id": instance["id"],
        "status": "cancelled",
        "recurringEventId": master["id"],
        "originalStartTime": instance["originalStartTime"],
    }


def test_a_stale_write_on_a_deleted_event_is_412_then_reads_back_cancelled(google, api):
    google.sparse_cancelled = True
    event = api.insert(timed(1))
    google.remove_event(USER, event["id"])  # deleted in Google's UI, nobody told the client

    answer = api(
        "PATCH",
        f"{EVENTS}/{event['id']}",
        json={"summary": "x"},
        headers={"If-Match": event["etag"]},
    )
    assert answer.status_code == 412
    assert answer.json()["error"]["errors"][0]["reason"] == "conditionNotMet"
    read = api("GET", f"{EVENTS}/{event['id']}")
    assert read.status_code == 200
    assert read.json() == {"id": event["id"], "status": "cancelled"}


def test_a_series_change_lists_its_exceptions_again_and_reaches_them(google, api):
    master = api.insert(series())
    instances = api("GET", f"{EVENTS}/{master['id']}/instances").json()["items"]
    moved, renamed, cancelled = instances[1], instances[2], instances[3]
    api(
        "PATCH",
        f"{EVENTS}/{moved['id']}",
        json={
            "start": {"dateTime": "2024-05-13T11:00:00Z"},
            "end": {"dateTime": "2024-05-13T12:00:00Z"},
        },
    )
    api("PATCH", f"{EVENTS}/{renamed['id']}", json={"summary": "Own title"})
    api("DELETE", f"{EVENTS}/{cancelled['id']}")
    token = api.sync_token()

    google.relist_exceptions = True
    google.change_event(USER, master["id"], {"summary": "Weekly, renamed", "location": "Room 2"})

    items = {item["id"]: item for item in api.list(syncToken=token)["items"]}
    assert set(items) == {master["id"], moved["id"], renamed["id"], cancelled["id"]}
    assert items[moved["id"]]["summary"] == "Weekly, renamed"
    assert items[moved["id"]]["start"]["dateTime"] == "2024-05-13T13:00:00+02:00"
    assert items[renamed["id"]]["summary"] == "Own title"  # its own value stays
    assert items[renamed["id"]]["location"] == "Room 2"
    assert items[cancelled["id"]]["status"] == "cancelled"


def test_without_the_option_a_series_change_lists_the_master_only(api):
    master = api.insert(series())
    moved = api("GET", f"{EVENTS}/{master['id']}/instances").json()["items"][1]
    api("PATCH", f"{EVENTS}/{moved['id']}", json={"summary": "Own title"})
    token = api.sync_token()
    api("PATCH", f"{EVENTS}/{master['id']}", json={"summary": "Weekly, renamed"})
    assert [item["id"] for item in api.list(syncToken=token)["items"]] == [master["id"]]


def test_nasty_mode_turns_every_google_option_on_and_reset_turns_it_off(emulator, google):
    applied = emulator.nasty(seed=3)
    assert applied["google"] == {
        "page_limit": 3,
        "sparse_cancelled": True,
        "relist_exceptions": True,
    }
    assert (google.page_limit, google.sparse_cancelled, google.relist_exceptions) == (3, True, True)
    emulator.reset()
    assert (google.page_limit, google.sparse_cancelled, google.relist_exceptions) == (
        None,
        False,
        False,
    )
