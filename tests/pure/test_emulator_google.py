"""Google Calendar API v3 emulator: auth, errors and faults, event writes, validation, etags."""

import pytest
from google_api import GoogleApi

USER = "ann@example.com"


def timed(**extra):
    body = {
        "summary": "Planning",
        "start": {"dateTime": "2024-05-06T09:00:00+02:00", "timeZone": "Europe/Brussels"},
        "end": {"dateTime": "2024-05-06T10:00:00+02:00", "timeZone": "Europe/Brussels"},
    }
    body.update(extra)
    return body


class Api(GoogleApi):
    def __init__(self, emulator, email=USER):
        super().__init__(emulator, email)


@pytest.fixture
def api(emulator):
    return Api(emulator)


def error_of(response):
    error = response.json()["error"]
    return response.status_code, error["errors"][0]["reason"]


def test_missing_bearer_is_401_login_required(api):
    response = api("GET", "/users/me/calendarList", headers={"Authorization": ""})
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == 401
    assert error["status"] == "UNAUTHENTICATED"
    assert error["errors"][0] == {
        "domain": "global",
        "reason": "required",
        "message": "Login Required.",
        "locationType": "header",
        "location": "Authorization",
    }


def test_unknown_bearer_is_401_auth_error(api):
    assert error_of(api("GET", "/calendars/primary/events", token="ya29.bogus")) == (
        401,
        "authError",
    )


def test_token_without_calendar_scope_is_403(emulator, api):
    token = emulator.providers["google"].add_user("bob@example.com", scope="openid email")
    assert error_of(api("GET", "/calendars/primary/events", token=token)) == (
        403,
        "insufficientPermissions",
    )


def test_calendar_list_has_the_primary_calendar(api):
    items = api("GET", "/users/me/calendarList").json()["items"]
    assert items[0]["id"] == USER and items[0]["primary"] is True
    assert items[0]["accessRole"] == "owner"


def test_other_users_calendar_is_not_found(emulator, api):
    emulator.providers["google"].add_user("bob@example.com")
    assert error_of(api("GET", "/calendars/bob@example.com/events")) == (404, "notFound")


@pytest.mark.parametrize(
    ("status", "reason", "domain"),
    [
        (429, "rateLimitExceeded", "usageLimits"),
        (403, "rateLimitExceeded", "usageLimits"),
        (403, "userRateLimitExceeded", "usageLimits"),
        (500, "backendError", "global"),
        (503, "backendError", "global"),
    ],
)
def test_faults_answer_in_googles_shape(emulator, api, status, reason, domain):
    emulator.add_fault(
        "google",
        "events.list",
        status=status,
        retry_after=7,
        reason=reason if status == 403 else None,
    )
    response = api("GET", "/calendars/primary/events")
    assert response.status_code == status
    assert response.headers["Retry-After"] == "7"
    detail = response.json()["error"]["errors"][0]
    assert (detail["reason"], detail["domain"]) == (reason, domain)
    assert api("GET", "/calendars/primary/events").status_code == 200


def test_insert_returns_a_complete_event(api):
    event = api.insert(timed(description="Q2"))
    assert event["kind"] == "calendar#event"
    assert event["status"] == "confirmed"
    assert event["etag"].startswith('"') and event["etag"].endswith('"')
    assert event["iCalUID"] == f"{event['id']}@google.com"
    assert event["organizer"] == {"email": USER, "self": True}
    assert event["creator"] == {"email": USER, "self": True}
    assert event["sequence"] == 0
    assert event["htmlLink"].startswith("https://www.google.com/calendar/event?eid=")
    assert event["created"] and event["updated"]
    assert event["start"] == {
        "dateTime": "2024-05-06T09:00:00+02:00",
        "timeZone": "Europe/Brussels",
    }


def test_insert_expresses_times_in_the_events_zone(api):
    event = api.insert(
        timed(start={"dateTime": "2024-05-06T07:00:00Z", "timeZone": "Europe/Brussels"})
    )
    assert event["start"]["dateTime"] == "2024-05-06T09:00:00+02:00"


def test_insert_honours_a_client_chosen_id_once(api):
    event = api.insert(timed(id="odoo0123456789abcdef"))
    assert event["id"] == "odoo0123456789abcdef"
    again = api("POST", "/calendars/primary/events", json=timed(id="odoo0123456789abcdef"))
    assert error_of(again) == (409, "duplicate")


@pytest.mark.parametrize("bad_id", ["abcd", "has_underscore1", "UPPERCASE123", "wxyz12345"])
def test_insert_rejects_ids_outside_base32hex(api, bad_id):
    response = api("POST", "/calendars/primary/events", json=timed(id=bad_id))
    assert error_of(response) == (400, "invalid")


def test_insert_keeps_a_given_ical_uid_and_refuses_it_twice(api):
    assert api.insert(timed(iCalUID="meeting-1@odoo"))["iCalUID"] == "meeting-1@odoo"
    response = api("POST", "/calendars/primary/events", json=timed(iCalUID="meeting-1@odoo"))
    assert error_of(response) == (409, "duplicate")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (timed(colour="red"), (400, "invalid")),
        (timed(summary=["Planning"]), (400, "invalid")),
        (timed(attendees="ann@example.com"), (400, "invalid")),
        (timed(sequence="1"), (400, "invalid")),
        ({"summary": "no times"}, (400, "required")),
        (timed(end=None), (400, "required")),
        (timed(end={"dateTime": "2024-05-06T08:00:00+02:00"}), (400, "timeRangeEmpty")),
        (timed(end={"date": "2024-05-07"}), (400, "invalid")),
        (timed(start={"dateTime": "2024-05-06T09:00:00"}), (400, "invalid")),
        (
            timed(start={"dateTime": "2024-05-06T09:00:00", "timeZone": "Mars/Olympus"}),
            (400, "invalid"),
        ),
        (timed(attendees=[{"displayName": "no email"}]), (400, "required")),
        (timed(status="maybe"), (400, "invalid")),
    ],
)
def test_insert_validates_bodies_like_google(api, body, expected):
    body = {k: v for k, v in body.items() if v is not None}
    assert error_of(api("POST", "/calendars/primary/events", json=body)) == expected


def test_unparsable_body_is_a_parse_error(api):
    response = api(
        "POST",
        "/calendars/primary/events",
        data="{not json",
        headers={"Content-Type": "application/json"},
    )
    assert error_of(response) == (400, "parseError")


def test_all_day_event_keeps_dates_with_exclusive_end(api):
    event = api.insert(
        {"summary": "Off", "start": {"date": "2024-05-06"}, "end": {"date": "2024-05-08"}}
    )
    assert event["start"] == {"date": "2024-05-06"}
    assert event["end"] == {"date": "2024-05-08"}
    same_day = api(
        "POST",
        "/calendars/primary/events",
        json={"start": {"date": "2024-05-06"}, "end": {"date": "2024-05-05"}},
    )
    assert error_of(same_day) == (400, "timeRangeEmpty")


def test_get_returns_the_stored_event(api):
    event = api.insert(timed())
    response = api("GET", f"/calendars/primary/events/{event['id']}")
    assert response.json() == event
    assert response.headers["ETag"] == event["etag"]
    assert error_of(api("GET", "/calendars/primary/events/nosuchevent")) == (404, "notFound")


def test_patch_merges_and_changes_etag_updated_and_sequence(api):
    event = api.insert(timed(description="keep me"))
    patched = api(
        "PATCH", f"/calendars/primary/events/{event['id']}", json={"location": "Room 1"}
    ).json()
    assert patched["description"] == "keep me"
    assert patched["location"] == "Room 1"
    assert patched["etag"] != event["etag"]
    assert patched["updated"] >= event["updated"]
    assert patched["sequence"] == 1


def test_patch_of_a_personal_field_keeps_the_sequence(api):
    event = api.insert(timed())
    patched = api("PATCH", f"/calendars/primary/events/{event['id']}", json={"colorId": "5"}).json()
    assert patched["sequence"] == 0
    assert patched["etag"] != event["etag"]


def test_patch_null_clears_a_field(api):
    event = api.insert(timed(description="gone soon"))
    patched = api(
        "PATCH", f"/calendars/primary/events/{event['id']}", json={"description": None}
    ).json()
    assert "description" not in patched


def test_update_replaces_the_whole_event(api):
    event = api.insert(timed(description="dropped", location="Room 1"))
    updated = api(
        "PUT", f"/calendars/primary/events/{event['id']}", json=timed(summary="Replaced")
    ).json()
    assert updated["summary"] == "Replaced"
    assert "description" not in updated and "location" not in updated
    assert updated["id"] == event["id"] and updated["iCalUID"] == event["iCalUID"]
    missing_end = api(
        "PUT", f"/calendars/primary/events/{event['id']}", json={"start": timed()["start"]}
    )
    assert error_of(missing_end) == (400, "required")


def test_if_match_with_a_stale_etag_is_412(api):
    event = api.insert(timed())
    path = f"/calendars/primary/events/{event['id']}"
    fresh = api("PATCH", path, json={"summary": "v2"}, headers={"If-Match": event["etag"]})
    assert fresh.status_code == 200
    stale = api("PATCH", path, json={"summary": "v3"}, headers={"If-Match": event["etag"]})
    assert error_of(stale) == (412, "conditionNotMet")
    assert error_of(api("DELETE", path, headers={"If-Match": event["etag"]})) == (
        412,
        "conditionNotMet",
    )
    assert api("GET", path).json()["summary"] == "v2"


def test_delete_cancels_then_answers_410(emulator, api):
    event = api.insert(timed())
    path = f"/calendars/primary/events/{event['id']}"
    assert api("DELETE", path).status_code == 204
    assert api("GET", path).json()["status"] == "cancelled"
    assert error_of(api("DELETE", path)) == (410, "deleted")
    assert emulator.providers["google"].events_of(USER) == []


def test_send_updates_is_validated_and_recorded(emulator, api):
    api.insert(timed(attendees=[{"email": "zed@example.org"}]), sendUpdates="all")
    api.insert(timed(), sendUpdates="none")
    assert [u["attendees"] for u in emulator.providers["google"].sent_updates] == [
        ["zed@example.org"]
    ]
    response = api(
        "POST", "/calendars/primary/events", json=timed(), params={"sendUpdates": "everyone"}
    )
    assert error_of(response) == (400, "invalid")


def test_requests_are_counted_per_endpoint(emulator, api):
    api.insert(timed())
    api("GET", "/calendars/primary/events")
    assert emulator.count("google", "events.insert") == 1
    assert emulator.count("google", "events.list") == 1


def test_if_none_match_with_the_current_etag_is_304(api):
    event = api.insert(timed())
    path = f"/calendars/primary/events/{event['id']}"
    assert api("GET", path, headers={"If-None-Match": event["etag"]}).status_code == 304
    assert api("GET", path, headers={"If-None-Match": '"1"'}).status_code == 200


def test_hooks_act_like_a_user_in_googles_own_ui(emulator, api):
    google = emulator.providers["google"]
    token = api("GET", "/calendars/primary/events").json()["nextSyncToken"]
    created = google.put_event(USER, timed(summary="Typed in Google"))
    google.change_event(USER, created["id"], {"location": "Room 9"})
    other = google.put_event(USER, timed(summary="Short lived"))
    google.remove_event(USER, other["id"])
    changes = api("GET", "/calendars/primary/events", params={"syncToken": token}).json()
    by_id = {e["id"]: e for e in changes["items"]}
    assert by_id[created["id"]]["location"] == "Room 9"
    assert by_id[other["id"]]["status"] == "cancelled"
    assert google.event_of(USER, created["id"])["summary"] == "Typed in Google"
    assert [e["id"] for e in google.events_of(USER)] == [created["id"]]
