"""Microsoft's Graph SDK models are the judge of the Graph emulator's request bodies.

``emulator/graph_models.json`` must be exactly what ``tools/graph_models.py`` extracts from
the msgraph-sdk wheel (downloaded by ``tools/setup.sh``, never installed), so neither a hand
edit nor a newer SDK goes unnoticed.
"""

import json
import os
from pathlib import Path

import pytest
from graph_api import GraphApi

from tools import graph_models

COMMITTED = Path(graph_models.__file__).parent.parent / "emulator" / "graph_models.json"
PARIS = {
    "start": {"dateTime": "2024-05-02T09:00:00", "timeZone": "Europe/Paris"},
    "end": {"dateTime": "2024-05-02T10:00:00", "timeZone": "Europe/Paris"},
}


def test_the_emulators_models_are_the_sdks():
    wheel = graph_models.default_wheel()
    assert os.path.exists(wheel), (
        f"{wheel} is missing: run tools/setup.sh, or pip download --no-deps "
        f"-d {os.path.dirname(wheel)} {graph_models.SDK}"
    )
    assert json.loads(COMMITTED.read_text()) == graph_models.extract(wheel)


@pytest.fixture
def alice(emulator):
    return GraphApi(emulator, "alice@example.com")


@pytest.mark.parametrize(
    "fields",
    [
        {"location": {"displayName": "Room 1", "locationType": "spaceship"}},
        {"location": {"displayName": "Room 1", "uniqueIdType": 3}},
        {"attendees": [{"emailAddress": {"address": "b@example.com"}, "type": "vip"}]},
        {"recurrence": {"pattern": {"type": "weekly", "daysOfWeek": ["funday"]}}},
        {"onlineMeeting": {"joinUrl": 1}},
    ],
)
def test_what_the_models_refuse_is_a_400(alice, fields):
    resp = alice("POST", "/me/events", json={"subject": "x", **PARIS, **fields})
    assert resp.status_code == 400, resp.text
    assert resp.json()["error"]["code"] == "RequestBodyRead"


def test_what_the_models_define_is_read(alice):
    resp = alice(
        "POST",
        "/me/events",
        json={
            "subject": "x",
            **PARIS,
            "singleValueExtendedProperties": [
                {"id": "String {66f5a359-4659-4830-9070-00047ec6ac6e} Name Odoo", "value": "1"}
            ],
            "location": {"displayName": "Room 1", "locationType": "conferenceRoom"},
        },
    )
    assert resp.status_code == 201, resp.text
