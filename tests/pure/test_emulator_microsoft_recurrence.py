"""Recurring events on the Graph emulator: patterns, instances, exceptions, cancellations."""

import pytest
from graph_api import GraphApi

Graph = GraphApi


@pytest.fixture
def graph(emulator):
    return Graph(emulator, "alice@example.com")


def series(
    graph,
    pattern,
    rng,
    start="2024-03-25T09:00:00",
    end="2024-03-25T10:00:00",
    tz="Europe/Paris",
    subject="Series",
):
    resp = graph(
        "POST",
        "/me/events",
        json={
            "subject": subject,
            "start": {"dateTime": start, "timeZone": tz},
            "end": {"dateTime": end, "timeZone": tz},
            "recurrence": {"pattern": pattern, "range": rng},
        },
    )
    assert resp.status_code == 201, resp.text
    return resp.json()


def instances(graph, master_id, start, end, zone=None):
    headers = {"Prefer": f'outlook.timezone="{zone}"'} if zone else {}
    resp = graph(
        "GET",
        f"/me/events/{master_id}/instances",
        headers=headers,
        params={"startDateTime": start, "endDateTime": end, "$top": 100},
    )
    assert resp.status_code == 200, resp.text
    return resp.json()["value"]


def starts(items):
    return [i["start"]["dateTime"][:16] for i in items]


def test_weekly_series_keeps_wall_clock_time_across_dst(graph):
    master = series(
        graph,
        {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"], "firstDayOfWeek": "monday"},
        {"type": "noEnd", "startDate": "2024-03-25"},
    )
    assert master["type"] == "seriesMaster"
    assert master["recurrence"]["pattern"]["daysOfWeek"] == ["monday"]

    utc = instances(graph, master["id"], "2024-03-20T00:00:00Z", "2024-04-09T00:00:00Z")
    paris = instances(
        graph, master["id"], "2024-03-20T00:00:00Z", "2024-04-09T00:00:00Z", zone="Europe/Paris"
    )

    assert starts(utc) == ["2024-03-25T08:00", "2024-04-01T07:00", "2024-04-08T07:00"]
    assert starts(paris) == ["2024-03-25T09:00", "2024-04-01T09:00", "2024-04-08T09:00"]
    assert {i["type"] for i in utc} == {"occurrence"}
    assert {i["seriesMasterId"] for i in utc} == {master["id"]}


@pytest.mark.parametrize(
    ("pattern", "rng", "expected"),
    [
        (
            {"type": "daily", "interval": 2},
            {"type": "numbered", "startDate": "2024-01-01", "numberOfOccurrences": 3},
            ["2024-01-01", "2024-01-03", "2024-01-05"],
        ),
        (
            {"type": "weekly", "interval": 2, "daysOfWeek": ["tuesday", "thursday"]},
            {"type": "endDate", "startDate": "2024-01-02", "endDate": "2024-01-16"},
            ["2024-01-02", "2024-01-04", "2024-01-16"],
        ),
        (
            {"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 31},
            {"type": "numbered", "startDate": "2024-01-31", "numberOfOccurrences": 4},
            ["2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30"],
        ),
        (
            {
                "type": "relativeMonthly",
                "interval": 1,
                "daysOfWeek": ["tuesday"],
                "index": "second",
            },
            {"type": "numbered", "startDate": "2024-01-01", "numberOfOccurrences": 3},
            ["2024-01-09", "2024-02-13", "2024-03-12"],
        ),
        (
            {"type": "relativeMonthly", "interval": 1, "daysOfWeek": ["friday"], "index": "last"},
            {"type": "numbered", "startDate": "2024-01-01", "numberOfOccurrences": 2},
            ["2024-01-26", "2024-02-23"],
        ),
        (
            {"type": "absoluteYearly", "interval": 1, "dayOfMonth": 29, "month": 2},
            {"type": "numbered", "startDate": "2024-02-29", "numberOfOccurrences": 2},
            ["2024-02-29", "2025-02-28"],
        ),
        (
            {
                "type": "relativeYearly",
                "interval": 1,
                "daysOfWeek": ["monday"],
                "month": 9,
                "index": "first",
            },
            {"type": "numbered", "startDate": "2024-01-01", "numberOfOccurrences": 2},
            ["2024-09-02", "2025-09-01"],
        ),
    ],
)
def test_patterns_expand_like_outlook(graph, pattern, rng, expected):
    master = series(
        graph,
        pattern,
        rng,
        start=f"{rng['startDate']}T10:00:00",
        end=f"{rng['startDate']}T11:00:00",
        tz="UTC",
    )
    found = instances(graph, master["id"], "2023-12-01T00:00:00Z", "2026-12-31T00:00:00Z")
    assert [s[:10] for s in starts(found)] == expected


def test_invalid_patterns_are_rejected(graph):
    resp = graph(
        "POST",
        "/me/events",
        json={
            "subject": "x",
            "start": {"dateTime": "2024-01-01T10:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2024-01-01T11:00:00", "timeZone": "UTC"},
            "recurrence": {
                "pattern": {"type": "weekly", "interval": 1},
                "range": {"type": "noEnd", "startDate": "2024-01-01"},
            },
        },
    )
    assert resp.status_code == 400
    assert graph("GET", "/me/events").json()["value"] == []


def test_instances_require_a_window(graph):
    master = series(
        graph, {"type": "daily", "interval": 1}, {"type": "noEnd", "startDate": "2024-03-25"}
    )
    resp = graph("GET", f"/me/events/{master['id']}/instances")
    assert resp.status_code == 400
    assert resp.json()["error"]["code"] == "ErrorInvalidParameter"


def test_patched_occurrence_becomes_an_exception_and_deleted_one_disappears(graph):
    master = series(
        graph,
        {"type": "daily", "interval": 1},
        {"type": "numbered", "startDate": "2024-03-25", "numberOfOccurrences": 4},
    )
    window = ("2024-03-24T00:00:00Z", "2024-04-01T00:00:00Z")
    first, second, third, _fourth = instances(graph, master["id"], *window)
    assert second["iCalUId"] != master["iCalUId"]
    assert second["uid"] == master["iCalUId"]
    assert graph("GET", f"/me/events/{second['id']}").json()["type"] == "occurrence"

    moved = graph(
        "PATCH",
        f"/me/events/{second['id']}",
        json={
            "subject": "Moved",
            "start": {"dateTime": "2024-03-26T15:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2024-03-26T16:00:00", "timeZone": "UTC"},
        },
    )
    assert moved.status_code == 200
    assert graph("DELETE", f"/me/events/{third['id']}").status_code == 204
    graph("PATCH", f"/me/events/{master['id']}", json={"subject": "Renamed series"})

    after = instances(graph, master["id"], *window)
    assert [i["id"] for i in after] == [first["id"], second["id"], _fourth["id"]]
    assert [i["type"] for i in after] == ["occurrence", "exception", "occurrence"]
    assert after[1]["subject"] == "Moved"
    assert after[1]["start"]["dateTime"].startswith("2024-03-26T15:00")
    assert after[1]["originalStart"] == "2024-03-26T08:00:00Z"
    assert after[0]["subject"] == "Renamed series"
    assert graph("GET", f"/me/events/{third['id']}").status_code == 404
    assert graph("GET", f"/me/events/{master['id']}").json()["type"] == "seriesMaster"


def test_removing_the_recurrence_makes_a_single_event(graph):
    master = series(
        graph, {"type": "daily", "interval": 1}, {"type": "noEnd", "startDate": "2024-03-25"}
    )
    single = graph("PATCH", f"/me/events/{master['id']}", json={"recurrence": None}).json()
    assert single["type"] == "singleInstance"
    assert single["recurrence"] is None
    assert instances(graph, master["id"], "2024-03-24T00:00:00Z", "2024-04-01T00:00:00Z") == []


def test_moving_the_series_discards_its_exceptions(graph):
    master = series(
        graph,
        {"type": "daily", "interval": 1},
        {"type": "numbered", "startDate": "2024-03-25", "numberOfOccurrences": 3},
    )
    window = ("2024-03-24T00:00:00Z", "2024-04-01T00:00:00Z")
    first, second, _third = instances(graph, master["id"], *window)
    graph("PATCH", f"/me/events/{first['id']}", json={"subject": "Special"})
    graph("DELETE", f"/me/events/{second['id']}")

    graph(
        "PATCH",
        f"/me/events/{master['id']}",
        json={
            "start": {"dateTime": "2024-03-25T14:00:00", "timeZone": "Europe/Paris"},
            "end": {"dateTime": "2024-03-25T15:00:00", "timeZone": "Europe/Paris"},
        },
    )

    after = instances(graph, master["id"], *window, zone="Europe/Paris")
    assert starts(after) == ["2024-03-25T14:00", "2024-03-26T14:00", "2024-03-27T14:00"]
    assert {i["type"] for i in after} == {"occurrence"}
    assert {i["subject"] for i in after} == {"Series"}
