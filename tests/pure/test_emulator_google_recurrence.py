"""Recurring events on the Google emulator: expansion, instance ids, exceptions."""

import pytest
from google_api import GoogleApi

USER = "ann@example.com"


def weekly(count=5, tz="Europe/Brussels", **extra):
    body = {
        "summary": "Weekly",
        "start": {"dateTime": "2024-03-17T09:00:00", "timeZone": tz},
        "end": {"dateTime": "2024-03-17T10:00:00", "timeZone": tz},
        "recurrence": [f"RRULE:FREQ=WEEKLY;COUNT={count}"],
    }
    body.update(extra)
    return body


class Api(GoogleApi):
    def __init__(self, emulator, email=USER):
        super().__init__(emulator, email)

    def instances(self, event_id, **params):
        response = self("GET", f"/calendars/primary/events/{event_id}/instances", params=params)
        assert response.status_code == 200, response.text
        return response.json()["items"]


@pytest.fixture
def api(emulator):
    return Api(emulator)


def test_instances_keep_wall_clock_time_across_dst(api):
    master = api.insert(weekly(count=3))
    items = api.instances(master["id"])
    assert [i["start"]["dateTime"] for i in items] == [
        "2024-03-17T09:00:00+01:00",
        "2024-03-24T09:00:00+01:00",
        "2024-03-31T09:00:00+02:00",
    ]
    assert [i["id"] for i in items] == [
        f"{master['id']}_20240317T080000Z",
        f"{master['id']}_20240324T080000Z",
        f"{master['id']}_20240331T070000Z",
    ]
    assert all(i["recurringEventId"] == master["id"] for i in items)
    assert items[2]["originalStartTime"] == {
        "dateTime": "2024-03-31T09:00:00+02:00",
        "timeZone": "Europe/Brussels",
    }
    assert all(i["iCalUID"] == master["iCalUID"] and "recurrence" not in i for i in items)


def test_all_day_instances_use_date_ids(api):
    master = api.insert(
        {
            "summary": "Daily",
            "start": {"date": "2024-05-06"},
            "end": {"date": "2024-05-07"},
            "recurrence": ["RRULE:FREQ=DAILY;UNTIL=20240508"],
        }
    )
    items = api.instances(master["id"])
    assert [i["id"] for i in items] == [f"{master['id']}_2024050{d}" for d in (6, 7, 8)]
    assert items[1]["start"] == {"date": "2024-05-07"}
    assert items[1]["end"] == {"date": "2024-05-08"}


def test_exdate_and_rdate_shape_the_series(api):
    master = api.insert(
        weekly(
            count=3,
            recurrence=[
                "RRULE:FREQ=WEEKLY;COUNT=3",
                "EXDATE;TZID=Europe/Brussels:20240324T090000",
                "RDATE;TZID=Europe/Brussels:20240320T090000",
            ],
        )
    )
    starts = [i["start"]["dateTime"] for i in api.instances(master["id"])]
    assert starts == [
        "2024-03-17T09:00:00+01:00",
        "2024-03-20T09:00:00+01:00",
        "2024-03-31T09:00:00+02:00",
    ]


def test_recurring_timed_event_needs_a_time_zone(api):
    body = weekly(
        start={"dateTime": "2024-03-17T09:00:00Z"}, end={"dateTime": "2024-03-17T10:00:00Z"}
    )
    response = api("POST", "/calendars/primary/events", json=body)
    assert response.status_code == 400
    assert "time zone" in response.json()["error"]["message"]


def test_invalid_recurrence_is_400(api):
    response = api(
        "POST", "/calendars/primary/events", json=weekly(recurrence=["RRULE:FREQ=SOMETIMES"])
    )
    assert response.status_code == 400
    assert response.json()["error"]["errors"][0]["reason"] == "invalid"


def test_single_events_expands_series_in_the_window(api):
    master = api.insert(weekly(count=10))
    items = api(
        "GET",
        "/calendars/primary/events",
        params={
            "singleEvents": "true",
            "timeMin": "2024-03-20T00:00:00Z",
            "timeMax": "2024-04-08T00:00:00Z",
        },
    ).json()["items"]
    assert [i["id"] for i in items] == [
        f"{master['id']}_{s}" for s in ("20240324T080000Z", "20240331T070000Z", "20240407T070000Z")
    ]
    masters = api("GET", "/calendars/primary/events").json()["items"]
    assert [m["id"] for m in masters] == [master["id"]]


def test_patching_an_instance_creates_an_exception(api):
    master = api.insert(weekly())
    instance_id = f"{master['id']}_20240324T080000Z"
    moved = api(
        "PATCH",
        f"/calendars/primary/events/{instance_id}",
        json={
            "start": {"dateTime": "2024-03-24T11:00:00", "timeZone": "Europe/Brussels"},
            "end": {"dateTime": "2024-03-24T12:00:00", "timeZone": "Europe/Brussels"},
        },
    ).json()
    assert moved["id"] == instance_id
    assert moved["recurringEventId"] == master["id"]
    assert moved["originalStartTime"]["dateTime"] == "2024-03-24T09:00:00+01:00"
    assert moved["start"]["dateTime"] == "2024-03-24T11:00:00+01:00"
    starts = [i["start"]["dateTime"] for i in api.instances(master["id"])]
    assert starts[1] == "2024-03-24T11:00:00+01:00"
    listed = {e["id"] for e in api("GET", "/calendars/primary/events").json()["items"]}
    assert listed == {master["id"], instance_id}


def test_deleting_an_instance_cancels_that_occurrence_only(api):
    master = api.insert(weekly(count=3))
    instance_id = f"{master['id']}_20240324T080000Z"
    assert api("DELETE", f"/calendars/primary/events/{instance_id}").status_code == 204
    assert [i["id"] for i in api.instances(master["id"])] == [
        f"{master['id']}_20240317T080000Z",
        f"{master['id']}_20240331T070000Z",
    ]
    shown = api.instances(master["id"], showDeleted="true")
    assert [i["status"] for i in shown] == ["confirmed", "cancelled", "confirmed"]


def test_unknown_occurrence_is_not_found(api):
    master = api.insert(weekly())
    response = api("GET", f"/calendars/primary/events/{master['id']}_20240325T080000Z")
    assert response.status_code == 404


def test_incremental_list_shows_exceptions(api):
    master = api.insert(weekly())
    token = api("GET", "/calendars/primary/events").json()["nextSyncToken"]
    api(
        "PATCH",
        f"/calendars/primary/events/{master['id']}_20240317T080000Z",
        json={"summary": "Special"},
    )
    api("DELETE", f"/calendars/primary/events/{master['id']}_20240324T080000Z")
    changes = api("GET", "/calendars/primary/events", params={"syncToken": token}).json()
    by_id = {e["id"]: e for e in changes["items"]}
    special = by_id[f"{master['id']}_20240317T080000Z"]
    assert (special["summary"], special["recurringEventId"]) == ("Special", master["id"])
    cancelled = by_id[f"{master['id']}_20240324T080000Z"]
    assert cancelled["status"] == "cancelled"
    assert cancelled["recurringEventId"] == master["id"]
    assert cancelled["originalStartTime"]["dateTime"] == "2024-03-24T09:00:00+01:00"


def test_deleting_the_series_cancels_its_exceptions(api):
    master = api.insert(weekly())
    exception_id = f"{master['id']}_20240317T080000Z"
    api("PATCH", f"/calendars/primary/events/{exception_id}", json={"summary": "Special"})
    api("DELETE", f"/calendars/primary/events/{master['id']}")
    assert api("GET", f"/calendars/primary/events/{exception_id}").json()["status"] == ("cancelled")
    response = api("GET", f"/calendars/primary/events/{master['id']}/instances")
    assert response.status_code == 410
