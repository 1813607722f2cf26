"""Graph calendars and events on the emulator: what the addon relies on, over HTTP."""

import pytest
import requests
from graph_api import GraphApi

PARIS_9_TO_10 = {
    "start": {"dateTime": "2024-05-02T09:00:00", "timeZone": "Europe/Paris"},
    "end": {"dateTime": "2024-05-02T10:00:00", "timeZone": "Europe/Paris"},
}


class Graph(GraphApi):
    def create(self, **fields):
        resp = self("POST", "/me/events", json={"subject": "Planning", **PARIS_9_TO_10, **fields})
        assert resp.status_code == 201, resp.text
        return resp.json()


@pytest.fixture
def alice(emulator):
    return Graph(emulator, "alice@example.com")


@pytest.fixture
def bob(emulator):
    return Graph(emulator, "bob@example.com")


def test_calendars_expose_default_and_meeting_providers(alice):
    calendars = alice("GET", "/me/calendars").json()["value"]
    default = alice("GET", "/me/calendar").json()
    assert [c["id"] for c in calendars] == [default["id"]]
    assert default["isDefaultCalendar"] is True
    assert default["canEdit"] is True
    assert default["allowedOnlineMeetingProviders"] == ["teamsForBusiness"]
    assert default["defaultOnlineMeetingProvider"] == "teamsForBusiness"
    assert alice("GET", f"/me/calendars/{default['id']}").json()["name"] == "Calendar"


def test_times_are_read_in_utc_or_in_the_preferred_zone(alice):
    event = alice.create()
    assert event["start"] == {"dateTime": "2024-05-02T07:00:00.0000000", "timeZone": "UTC"}
    assert event["originalStartTimeZone"] == "Europe/Paris"

    pacific = alice(
        "GET",
        f"/me/events/{event['id']}",
        headers={"Prefer": 'outlook.timezone="Pacific Standard Time"'},
    ).json()

    assert pacific["start"] == {
        "dateTime": "2024-05-02T00:00:00.0000000",
        "timeZone": "Pacific Standard Time",
    }
    assert pacific["end"]["dateTime"] == "2024-05-02T01:00:00.0000000"


def test_each_update_changes_the_change_key_and_if_match_guards_it(alice):
    event = alice.create()
    updated = alice(
        "PATCH",
        f"/me/events/{event['id']}",
        json={"subject": "Moved"},
        headers={"If-Match": event["@odata.etag"]},
    )
    assert updated.status_code == 200
    assert updated.json()["changeKey"] != event["changeKey"]
    assert updated.json()["@odata.etag"] != event["@odata.etag"]

    stale = alice(
        "PATCH",
        f"/me/events/{event['id']}",
        json={"subject": "Lost"},
        headers={"If-Match": event["@odata.etag"]},
    )
    stale_delete = alice(
        "DELETE", f"/me/events/{event['id']}", headers={"If-Match": event["@odata.etag"]}
    )

    assert stale.status_code == 412
    assert stale.json()["error"]["code"] == "ErrorIrresolvableConflict"
    assert stale_delete.status_code == 412
    assert alice("GET", f"/me/events/{event['id']}").json()["subject"] == "Moved"


def test_deleted_event_is_gone(alice):
    event = alice.create()
    assert alice("DELETE", f"/me/events/{event['id']}").status_code == 204
    missing = alice("GET", f"/me/events/{event['id']}")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "ErrorItemNotFound"
    assert "innerError" in missing.json()["error"]


def test_same_transaction_id_creates_one_event(alice):
    first = alice.create(transactionId="odoo-db-42")
    retried = alice.create(transactionId="odoo-db-42")
    other = alice.create(transactionId="odoo-db-43")
    assert retried["id"] == first["id"]
    assert other["id"] != first["id"]
    assert len(alice("GET", "/me/events").json()["value"]) == 2


@pytest.mark.parametrize(
    "body",
    [
        {"subjekt": "typo"},
        {"isAllDay": "yes"},
        {"showAs": "busyish"},
        {"attendees": {"emailAddress": {"address": "x@example.com"}}},
        {"reminderMinutesBeforeStart": "15"},
        {"start": "2024-05-02T09:00:00"},
    ],
)
def test_unknown_fields_and_wrong_types_are_rejected(alice, body):
    resp = alice("POST", "/me/events", json={"subject": "x", **PARIS_9_TO_10, **body})
    assert resp.status_code == 400
    assert resp.json()["error"]["code"] == "RequestBodyRead"
    assert alice("GET", "/me/events").json()["value"] == []


def test_end_before_start_and_unknown_zone_are_rejected(alice):
    backwards = alice(
        "POST",
        "/me/events",
        json={"subject": "x", "start": PARIS_9_TO_10["end"], "end": PARIS_9_TO_10["start"]},
    )
    unknown = alice(
        "POST",
        "/me/events",
        json={
            "subject": "x",
            "start": {"dateTime": "2024-05-02T09:00:00", "timeZone": "Mars/Olympus"},
            "end": PARIS_9_TO_10["end"],
        },
    )
    assert backwards.status_code == 400
    assert unknown.status_code == 400
    assert unknown.json()["error"]["code"] == "TimeZoneNotSupportedException"


def test_all_day_events_run_midnight_to_midnight_in_any_zone(alice):
    event = alice.create(
        isAllDay=True,
        start={"dateTime": "2024-07-14T00:00:00", "timeZone": "Europe/Paris"},
        end={"dateTime": "2024-07-15T00:00:00", "timeZone": "Europe/Paris"},
    )
    tokyo = alice(
        "GET", f"/me/events/{event['id']}", headers={"Prefer": 'outlook.timezone="Asia/Tokyo"'}
    ).json()
    assert tokyo["isAllDay"] is True
    assert tokyo["start"] == {"dateTime": "2024-07-14T00:00:00.0000000", "timeZone": "Asia/Tokyo"}
    assert tokyo["end"]["dateTime"] == "2024-07-15T00:00:00.0000000"

    noon = alice(
        "POST",
        "/me/events",
        json={
            "subject": "x",
            "isAllDay": True,
            "start": {"dateTime": "2024-07-14T12:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2024-07-15T00:00:00", "timeZone": "UTC"},
        },
    )
    assert noon.status_code == 400


def test_teams_meeting_is_created_once_and_survives_edits(alice):
    event = alice.create(isOnlineMeeting=True, onlineMeetingProvider="teamsForBusiness")
    join_url = event["onlineMeeting"]["joinUrl"]
    assert join_url.startswith("https://teams.microsoft.com/l/meetup-join/")
    assert event["isOnlineMeeting"] is True

    edited = alice(
        "PATCH", f"/me/events/{event['id']}", json={"subject": "Renamed", "isOnlineMeeting": False}
    ).json()

    assert edited["onlineMeeting"]["joinUrl"] == join_url
    assert edited["isOnlineMeeting"] is True
    assert alice.create()["onlineMeeting"] is None


def test_teams_refused_when_the_tenant_does_not_allow_it(emulator, alice):
    emulator.providers["microsoft"].set_online_meeting_providers(alice.email, [])
    assert alice("GET", "/me/calendar").json()["allowedOnlineMeetingProviders"] == []
    resp = alice(
        "POST",
        "/me/events",
        json={
            "subject": "x",
            **PARIS_9_TO_10,
            "isOnlineMeeting": True,
            "onlineMeetingProvider": "teamsForBusiness",
        },
    )
    assert resp.status_code == 400
    assert alice("GET", "/me/events").json()["value"] == []


def test_attendee_gets_own_copy_and_response_reaches_organizer(alice, bob):
    event = alice.create(
        attendees=[{"emailAddress": {"address": "bob@example.com"}, "type": "required"}]
    )
    assert event["attendees"][0]["status"]["response"] == "none"
    copies = bob("GET", "/me/events").json()["value"]
    assert len(copies) == 1
    mine = copies[0]
    assert mine["iCalUId"] == event["iCalUId"]
    assert mine["id"] != event["id"]
    assert mine["isOrganizer"] is False
    assert mine["organizer"]["emailAddress"]["address"] == "alice@example.com"
    assert mine["responseStatus"]["response"] == "notResponded"

    answer = bob(
        "POST", f"/me/events/{mine['id']}/accept", json={"comment": "See you", "sendResponse": True}
    )

    assert answer.status_code == 202
    assert bob("GET", f"/me/events/{mine['id']}").json()["responseStatus"]["response"] == (
        "accepted"
    )
    seen = alice("GET", f"/me/events/{event['id']}").json()
    assert seen["attendees"][0]["status"]["response"] == "accepted"
    assert seen["changeKey"] != event["changeKey"]

    bob("POST", f"/me/events/{mine['id']}/decline", json={"sendResponse": False})
    seen_again = alice("GET", f"/me/events/{event['id']}").json()
    assert seen_again["attendees"][0]["status"]["response"] == "accepted"
    assert bob("GET", f"/me/events/{mine['id']}").json()["responseStatus"]["response"] == (
        "declined"
    )


def test_organizer_changes_reach_copies_and_removal_cancels(alice, bob):
    attendee = {"emailAddress": {"address": "bob@example.com"}}
    event = alice.create(attendees=[attendee])
    alice("PATCH", f"/me/events/{event['id']}", json={"subject": "Budget"})
    assert bob("GET", "/me/events").json()["value"][0]["subject"] == "Budget"

    alice("PATCH", f"/me/events/{event['id']}", json={"attendees": []})

    copy = bob("GET", "/me/events").json()["value"][0]
    assert copy["isCancelled"] is True
    assert copy["subject"] == "Canceled: Budget"


def test_organizer_cannot_respond_to_own_meeting(alice):
    event = alice.create()
    resp = alice("POST", f"/me/events/{event['id']}/tentativelyAccept", json={})
    assert resp.status_code == 400


def test_missing_invalid_and_expired_tokens_are_401(emulator, alice):
    url = emulator.url("microsoft", "/graph/v1.0/me/events")
    missing = requests.get(url, timeout=10)
    garbage = requests.get(url, headers={"Authorization": "Bearer nope"}, timeout=10)
    emulator.providers["microsoft"].expire_access_tokens()
    expired = alice("GET", "/me/events")
    for resp in (missing, garbage, expired):
        assert resp.status_code == 401
        assert resp.json()["error"]["code"] == "InvalidAuthenticationToken"
        assert "WWW-Authenticate" in resp.headers
    assert "expired" in expired.json()["error"]["message"]


def test_token_without_calendar_permission_is_403(emulator):
    token = emulator.providers["microsoft"].add_user("carol@example.com", scopes=("User.Read",))
    resp = requests.get(
        emulator.url("microsoft", "/graph/v1.0/me/events"),
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert resp.status_code == 403
    assert resp.json()["error"]["code"] == "ErrorAccessDenied"


def test_read_only_calendar_refuses_writes(emulator, alice):
    shared = emulator.providers["microsoft"].add_calendar(alice.email, "Team", can_edit=False)
    assert alice("GET", f"/me/calendars/{shared}").json()["canEdit"] is False
    resp = alice("POST", f"/me/calendars/{shared}/events", json={"subject": "x", **PARIS_9_TO_10})
    assert resp.status_code == 403


def test_calendar_scoped_paths_only_see_their_calendar(emulator, alice):
    other = emulator.providers["microsoft"].add_calendar(alice.email, "Side")
    event = alice(
        "POST", f"/me/calendars/{other}/events", json={"subject": "side", **PARIS_9_TO_10}
    ).json()
    assert alice("GET", f"/me/calendars/{other}/events/{event['id']}").status_code == 200
    assert alice("GET", f"/me/calendar/events/{event['id']}").status_code == 404
    assert alice("GET", f"/me/events/{event['id']}").status_code == 200
    assert alice("GET", "/me/calendar/events").json()["value"] == []


def test_ids_are_checked(alice):
    malformed = alice("GET", "/me/events/not-an-id")
    assert malformed.status_code == 400
    assert malformed.json()["error"]["code"] == "ErrorInvalidIdMalformed"
    unknown = alice("GET", "/me/events/AAMkAGunknown")
    assert unknown.status_code == 404


def test_events_list_pages_and_filters_by_ical_uid(alice):
    created = [alice.create(subject=f"e{i}") for i in range(3)]
    first = alice("GET", "/me/events", params={"$top": 2}).json()
    second = alice("GET", first["@odata.nextLink"]).json()
    assert len(first["value"]) == 2
    assert "@odata.nextLink" not in second
    assert {e["id"] for e in first["value"] + second["value"]} == {e["id"] for e in created}

    found = alice(
        "GET", "/me/events", params={"$filter": f"iCalUId eq '{created[1]['iCalUId']}'"}
    ).json()["value"]
    assert [e["id"] for e in found] == [created[1]["id"]]


def test_an_invitation_from_outside_keeps_the_organizers_ical_uid(emulator):
    microsoft = emulator.providers["microsoft"]
    token = microsoft.add_user("dana@example.com")
    event_id = microsoft.receive_invitation(
        "dana@example.com",
        {
            "subject": "From Google",
            "start": {"dateTime": "2030-05-06T09:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2030-05-06T10:00:00", "timeZone": "UTC"},
        },
        ical_uid="abc123@google.com",
        organizer_email="grace@example.com",
    )
    response = requests.get(
        f"{emulator.tls_base_url}/microsoft/graph/v1.0/me/events/{event_id}",
        headers={"Authorization": f"Bearer {token}"},
        verify=emulator.ca_file,
        timeout=10,
    )
    item = response.json()
    assert item["iCalUId"] == "abc123@google.com"
    assert item["isOrganizer"] is False
    assert item["organizer"]["emailAddress"]["address"] == "grace@example.com"
    assert item["responseStatus"]["response"] == "notResponded"


def test_events_put_and_changed_through_the_hooks_are_served_and_in_delta(emulator, alice):
    """put_event/change_event (the benchmark's Outlook-UI hooks): no request counted, the
    event is served over HTTP and an incremental delta round reports the edit."""
    graph = emulator.providers["microsoft"]
    window = {"startDateTime": "2024-05-01T00:00:00Z", "endDateTime": "2024-06-01T00:00:00Z"}
    emulator.stats.clear()
    event_id = graph.put_event(alice.email, {"subject": "From Outlook", **PARIS_9_TO_10})
    assert emulator.count("microsoft") == 0
    first = alice("GET", "/me/calendarView/delta", params=window).json()
    assert [(e["id"], e["subject"]) for e in first["value"]] == [(event_id, "From Outlook")]
    change_key = first["value"][0]["changeKey"]

    graph.change_event(alice.email, event_id, {"subject": "Renamed in Outlook"})
    changes = alice("GET", first["@odata.deltaLink"]).json()["value"]
    assert [(e["id"], e["subject"]) for e in changes] == [(event_id, "Renamed in Outlook")]
    assert changes[0]["changeKey"] != change_key
    assert changes[0]["start"] == {"dateTime": "2024-05-02T07:00:00.0000000", "timeZone": "UTC"}


def test_put_event_refuses_what_the_api_refuses(emulator, alice):
    graph = emulator.providers["microsoft"]
    with pytest.raises(Exception, match="start"):
        graph.put_event(alice.email, {"subject": "No times"})
    assert graph.mailbox(alice.email).events == {}


def test_property_and_enum_names_are_read_case_insensitively(alice):
    """Graph's OData reader ignores case: Graph's own samples send "HTML", the SDK "Comment"."""
    event = alice.create(
        body={"contentType": "HTML", "content": "<p>Agenda</p>"},
        ShowAs="Free",
        Importance="HIGH",
    )
    assert event["body"]["contentType"] == "html"
    assert event["showAs"] == "free"
    assert event["importance"] == "high"
    assert "ShowAs" not in event

    patched = alice("PATCH", f"/me/events/{event['id']}", json={"SUBJECT": "Renamed"})
    assert patched.status_code == 200, patched.text
    assert patched.json()["subject"] == "Renamed"


def test_responses_accept_the_sdk_spelling(alice, bob):
    event = alice.create(attendees=[{"emailAddress": {"address": "bob@example.com"}}])
    mine = bob("GET", "/me/events").json()["value"][0]

    # what msgraph-sdk's AcceptPostRequestBody / DeclinePostRequestBody serialize
    accepted = bob(
        "POST", f"/me/events/{mine['id']}/accept", json={"Comment": "Yes", "SendResponse": True}
    )
    assert accepted.status_code == 202, accepted.text
    seen = alice("GET", f"/me/events/{event['id']}").json()
    assert seen["attendees"][0]["status"]["response"] == "accepted"

    quiet = bob("POST", f"/me/events/{mine['id']}/decline", json={"SendResponse": False})
    assert quiet.status_code == 202, quiet.text
    seen = alice("GET", f"/me/events/{event['id']}").json()
    assert seen["attendees"][0]["status"]["response"] == "accepted"
