"""calendarView/delta on the Graph emulator: paging, incremental rounds, removals, expiry."""

from urllib.parse import parse_qs, urlparse

import pytest
from graph_api import GraphApi

WINDOW = {"startDateTime": "2024-05-01T00:00:00Z", "endDateTime": "2024-06-01T00:00:00Z"}


class Graph(GraphApi):
    def create(self, day=2, subject="Event", **fields):
        resp = self(
            "POST",
            "/me/events",
            json={
                "subject": subject,
                "start": {"dateTime": f"2024-05-{day:02d}T09:00:00", "timeZone": "UTC"},
                "end": {"dateTime": f"2024-05-{day:02d}T10:00:00", "timeZone": "UTC"},
                **fields,
            },
        )
        assert resp.status_code == 201, resp.text
        return resp.json()

    def sync(self, url="/me/calendarView/delta", params=None, page_size=None):
        """Follow nextLinks to the end: (items, pages, deltaLink)."""
        headers = {"Prefer": f"odata.maxpagesize={page_size}"} if page_size else {}
        items, pages = [], 0
        while True:
            resp = self("GET", url, params=params, headers=headers)
            assert resp.status_code == 200, resp.text
            body = resp.json()
            items += body["value"]
            pages += 1
            if "@odata.nextLink" in body:
                assert "$skiptoken" in parse_qs(urlparse(body["@odata.nextLink"]).query)
                url, params = body["@odata.nextLink"], None
                continue
            assert "$deltatoken" in parse_qs(urlparse(body["@odata.deltaLink"]).query)
            return items, pages, body["@odata.deltaLink"]


@pytest.fixture
def graph(emulator):
    return Graph(emulator, "alice@example.com")


def test_initial_sync_pages_with_skiptoken_then_gives_a_delta_link(graph):
    created = {graph.create(day=d)["id"] for d in range(2, 7)}
    graph.create(
        day=2,
        start={"dateTime": "2024-07-01T09:00:00", "timeZone": "UTC"},
        end={"dateTime": "2024-07-01T10:00:00", "timeZone": "UTC"},
    )

    items, pages, _link = graph.sync(params=WINDOW, page_size=2)

    assert pages == 3
    assert {i["id"] for i in items} == created


def test_delta_link_returns_only_changes_and_removals(graph):
    kept, changed, deleted = (graph.create(day=d) for d in (2, 3, 4))
    _items, _pages, link = graph.sync(params=WINDOW)
    graph("PATCH", f"/me/events/{changed['id']}", json={"subject": "Changed"})
    graph("DELETE", f"/me/events/{deleted['id']}")
    added = graph.create(day=5)

    items, _pages, link = graph.sync(url=link)

    by_id = {i["id"]: i for i in items}
    assert set(by_id) == {changed["id"], deleted["id"], added["id"]}
    assert kept["id"] not in by_id
    assert by_id[changed["id"]]["subject"] == "Changed"
    assert by_id[deleted["id"]]["@removed"] == {"reason": "deleted"}
    assert graph.sync(url=link)[0] == []


def test_moving_out_of_the_window_is_a_removal_and_back_in_an_addition(graph):
    event = graph.create(day=10)
    _items, _pages, link = graph.sync(params=WINDOW)
    july = {
        "start": {"dateTime": "2024-07-10T09:00:00", "timeZone": "UTC"},
        "end": {"dateTime": "2024-07-10T10:00:00", "timeZone": "UTC"},
    }
    graph("PATCH", f"/me/events/{event['id']}", json=july)
    items, _pages, link = graph.sync(url=link)
    assert items == [
        {
            "@odata.type": "#microsoft.graph.event",
            "id": event["id"],
            "@removed": {"reason": "deleted"},
        }
    ]

    graph(
        "PATCH",
        f"/me/events/{event['id']}",
        json={
            "start": {"dateTime": "2024-05-11T09:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2024-05-11T10:00:00", "timeZone": "UTC"},
        },
    )
    items, _pages, _link = graph.sync(url=link)
    assert [i["id"] for i in items] == [event["id"]]
    assert "@removed" not in items[0]


def test_a_round_returns_what_changed_not_the_whole_calendar(graph):
    events = [graph.create(day=1 + i % 28, subject=f"e{i}") for i in range(120)]
    _items, pages, link = graph.sync(params=WINDOW, page_size=50)
    assert pages == 3
    graph("PATCH", f"/me/events/{events[7]['id']}", json={"subject": "only this"})

    items, pages, _link = graph.sync(url=link, page_size=50)

    assert pages == 1
    assert [i["subject"] for i in items] == ["only this"]


def test_series_in_delta_with_occurrences_and_a_cancelled_one(graph):
    master = graph.create(
        day=6,
        recurrence={
            "pattern": {"type": "daily", "interval": 1},
            "range": {"type": "numbered", "startDate": "2024-05-06", "numberOfOccurrences": 3},
        },
    )
    items, _pages, link = graph.sync(params=WINDOW)
    kinds = sorted(i["type"] for i in items)
    assert kinds == ["occurrence", "occurrence", "occurrence", "seriesMaster"]
    occurrences = [i for i in items if i["type"] == "occurrence"]
    # bare, as Graph lists them: the rest (subject, originalStart, iCalUId...) is the series'
    bare = {"@odata.type", "@odata.etag", "id", "seriesMasterId", "type", "start", "end"}
    assert all(set(i) == bare for i in occurrences)

    graph("DELETE", f"/me/events/{occurrences[1]['id']}")
    items, _pages, _link = graph.sync(url=link)

    assert {
        "id": occurrences[1]["id"],
        "@removed": {"reason": "deleted"},
        "@odata.type": "#microsoft.graph.event",
    } in items
    assert master["id"] in {i["id"] for i in items}


def test_a_series_is_never_split_over_pages_and_a_rename_lists_it_whole(graph):
    """As Graph does (pages then hold more than odata.maxpagesize asks): a series' expansion
    stays on one page, in the first round and after its master changed."""
    graph.create(day=2, subject="Before")
    master = graph.create(
        day=6,
        recurrence={
            "pattern": {"type": "daily", "interval": 1},
            "range": {"type": "numbered", "startDate": "2024-05-06", "numberOfOccurrences": 5},
        },
    )
    graph.create(day=20, subject="After")
    items, pages, link = graph.sync(params=WINDOW, page_size=2)
    assert len(items) == 8
    assert pages == 2, "Before and the series' 6 items, then After"

    graph("PATCH", f"/me/events/{master['id']}", json={"subject": "Renamed"})
    items, pages, _link = graph.sync(url=link, page_size=2)

    assert pages == 1
    assert sorted(i["type"] for i in items) == ["occurrence"] * 5 + ["seriesMaster"]
    assert all(i.get("seriesMasterId") in (None, master["id"]) for i in items)


def test_expired_delta_token_is_410_and_a_full_sync_starts_over(emulator, graph):
    graph.create()
    _items, _pages, link = graph.sync(params=WINDOW)
    emulator.providers["microsoft"].expire_delta_tokens("alice@example.com")

    gone = graph("GET", link)

    assert gone.status_code == 410
    assert gone.json()["error"]["code"] == "SyncStateNotFound"
    assert len(graph.sync(params=WINDOW)[0]) == 1


def test_delta_needs_a_window_and_honours_the_time_zone(graph):
    graph.create()
    assert graph("GET", "/me/calendarView/delta").status_code == 400
    resp = graph(
        "GET",
        "/me/calendarView/delta",
        params=WINDOW,
        headers={"Prefer": 'outlook.timezone="Asia/Tokyo"'},
    )
    assert resp.json()["value"][0]["start"] == {
        "dateTime": "2024-05-02T18:00:00.0000000",
        "timeZone": "Asia/Tokyo",
    }


def test_calendar_delta_sees_only_that_calendar(emulator, graph):
    other = emulator.providers["microsoft"].add_calendar("alice@example.com", "Side")
    graph.create(day=3)
    side = graph(
        "POST",
        f"/me/calendars/{other}/events",
        json={
            "subject": "side",
            "start": {"dateTime": "2024-05-04T09:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2024-05-04T10:00:00", "timeZone": "UTC"},
        },
    ).json()
    items, _pages, _link = graph.sync(
        url=f"/me/calendars/{other}/calendarView/delta", params=WINDOW
    )
    assert [i["id"] for i in items] == [side["id"]]


def test_tokens_belong_to_their_mailbox(emulator, graph):
    graph.create()
    _items, _pages, link = graph.sync(params=WINDOW)
    bob = Graph(emulator, "bob@example.com")
    assert bob("GET", link).status_code == 410
