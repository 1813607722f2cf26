"""The marks of mirrored busy blocks on the emulator, as the providers document them: Google
private extended properties (stored per calendar copy, ``privateExtendedProperty`` filter on
events.list, all constraints must match) and Graph single-value extended properties (set in a
create or an update, returned only through ``$expand``, found with ``$filter=.../any(...)``,
a malformed id refused)."""

import pytest
from google_api import GoogleApi
from graph_api import GraphApi

from services.mirror import GRAPH_MARK_ID

USER = "ann@example.com"
GOOGLE_TIMES = {
    "start": {"dateTime": "2024-05-06T09:00:00Z"},
    "end": {"dateTime": "2024-05-06T10:00:00Z"},
}
GRAPH_TIMES = {
    "start": {"dateTime": "2024-05-06T09:00:00", "timeZone": "UTC"},
    "end": {"dateTime": "2024-05-06T10:00:00", "timeZone": "UTC"},
}
EXPAND = {"$expand": f"singleValueExtendedProperties($filter=id eq '{GRAPH_MARK_ID}')"}


@pytest.fixture
def google(emulator):
    return GoogleApi(emulator, USER)


@pytest.fixture
def graph(emulator):
    return GraphApi(emulator, USER)


def test_google_lists_events_by_private_property(google):
    google.insert({"summary": "A", **GOOGLE_TIMES, "extendedProperties": {"private": {"k": "1"}}})
    google.insert({"summary": "B", **GOOGLE_TIMES, "extendedProperties": {"private": {"k": "2"}}})
    google.insert({"summary": "C", **GOOGLE_TIMES, "extendedProperties": {"shared": {"k": "1"}}})

    def listed(**params):
        response = google("GET", "/calendars/primary/events", params=params)
        assert response.status_code == 200, response.text
        return sorted(item["summary"] for item in response.json()["items"])

    assert listed(privateExtendedProperty="k=1") == ["A"]
    assert listed(sharedExtendedProperty="k=1") == ["C"]
    assert listed(privateExtendedProperty=["k=1", "k=2"]) == []  # all must match
    assert listed() == ["A", "B", "C"]
    bad = google("GET", "/calendars/primary/events", params={"privateExtendedProperty": "k"})
    assert bad.status_code == 400


def test_google_refuses_the_property_filter_with_a_sync_token(google):
    google.insert({"summary": "A", **GOOGLE_TIMES})
    token = google("GET", "/calendars/primary/events").json()["nextSyncToken"]
    response = google(
        "GET",
        "/calendars/primary/events",
        params={"syncToken": token, "privateExtendedProperty": "k=1"},
    )
    assert response.status_code == 400


def _create(graph, **fields):
    response = graph("POST", "/me/events", json={"subject": "Block", **GRAPH_TIMES, **fields})
    assert response.status_code == 201, response.text
    return response.json()


def test_graph_returns_an_extended_property_only_when_expanded(graph):
    mark = {"id": GRAPH_MARK_ID, "value": "db:1:event-7"}
    event = _create(graph, singleValueExtendedProperties=[mark])
    assert "singleValueExtendedProperties" not in event
    plain = graph("GET", f"/me/events/{event['id']}").json()
    assert "singleValueExtendedProperties" not in plain
    expanded = graph("GET", f"/me/events/{event['id']}", params=EXPAND).json()
    assert expanded["singleValueExtendedProperties"] == [mark]
    # an update sets another value; the id is matched whatever its case
    changed = {"id": GRAPH_MARK_ID.upper().replace("STRING", "String"), "value": "db:1:event-8"}
    response = graph(
        "PATCH", f"/me/events/{event['id']}", json={"singleValueExtendedProperties": [changed]}
    )
    assert response.status_code == 200, response.text
    again = graph("GET", f"/me/events/{event['id']}", params=EXPAND).json()
    assert [p["value"] for p in again["singleValueExtendedProperties"]] == ["db:1:event-8"]


def test_graph_filters_events_by_extended_property(graph):
    _create(
        graph, subject="Ours", singleValueExtendedProperties=[{"id": GRAPH_MARK_ID, "value": "x"}]
    )
    _create(graph, subject="Theirs")
    query = f"singleValueExtendedProperties/any(ep: ep/id eq '{GRAPH_MARK_ID}' and ep/value eq 'x')"
    found = graph("GET", "/me/events", params={"$filter": query}).json()["value"]
    assert [e["subject"] for e in found] == ["Ours"]


@pytest.mark.parametrize(
    "prop",
    [
        {"id": "ccsMirror", "value": "x"},
        {"id": "String {not-a-guid} Name ccsMirror", "value": "x"},
        {"id": "Text {1c0b7a5e-3f47-4c1e-9d55-6a2f0e8c3b11} Name ccsMirror", "value": "x"},
        {"id": GRAPH_MARK_ID},
    ],
)
def test_graph_refuses_a_malformed_extended_property(graph, prop):
    response = graph(
        "POST",
        "/me/events",
        json={"subject": "B", **GRAPH_TIMES, "singleValueExtendedProperties": [prop]},
    )
    assert response.status_code == 400


def test_graph_delta_never_shows_extended_properties(graph):
    _create(graph, singleValueExtendedProperties=[{"id": GRAPH_MARK_ID, "value": "x"}])
    params = {"startDateTime": "2024-05-01T00:00:00Z", "endDateTime": "2024-05-30T00:00:00Z"}
    items = graph("GET", "/me/calendarView/delta", params=params).json()["value"]
    assert items and all("singleValueExtendedProperties" not in item for item in items)
