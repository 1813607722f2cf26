"""Invitations between emulated Google users, and Google Meet conferences."""

import pytest
import requests

ANN, BOB = "ann@example.com", "bob@example.com"


def meeting(**extra):
    body = {
        "summary": "Review",
        "start": {"dateTime": "2024-05-06T09:00:00Z"},
        "end": {"dateTime": "2024-05-06T10:00:00Z"},
    }
    body.update(extra)
    return body


MEET_REQUEST = {
    "createRequest": {"requestId": "req-1", "conferenceSolutionKey": {"type": "hangoutsMeet"}}
}


class Api:
    def __init__(self, emulator, email):
        self.emulator = emulator
        self.token = emulator.providers["google"].add_user(email)

    def __call__(self, method, path, **kwargs):
        return requests.request(
            method,
            self.emulator.url("google", "/calendar/v3" + path),
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=10,
            **kwargs,
        )

    def insert(self, body, **params):
        response = self("POST", "/calendars/primary/events", json=body, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def get(self, event_id):
        return self("GET", f"/calendars/primary/events/{event_id}").json()

    def patch(self, event_id, body, **params):
        response = self("PATCH", f"/calendars/primary/events/{event_id}", json=body, params=params)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
def ann(emulator):
    return Api(emulator, ANN)


@pytest.fixture
def bob(emulator):
    return Api(emulator, BOB)


def status_of(event, email):
    return next(a["responseStatus"] for a in event["attendees"] if a["email"] == email)


def test_invitation_appears_on_the_attendees_calendar(ann, bob):
    event = ann.insert(
        meeting(
            attendees=[{"email": ANN}, {"email": "Bob@Example.com"}, {"email": "zed@elsewhere.org"}]
        )
    )
    copy = bob.get(event["id"])
    assert copy["iCalUID"] == event["iCalUID"]
    assert copy["organizer"] == {"email": ANN}
    mine = next(a for a in copy["attendees"] if a["email"] == BOB)
    assert mine == {"email": BOB, "responseStatus": "needsAction", "self": True}
    organizer = next(a for a in event["attendees"] if a["email"] == ANN)
    assert organizer["organizer"] is True and organizer["self"] is True


def test_attendee_response_reaches_the_organizer(ann, bob):
    event = ann.insert(meeting(attendees=[{"email": BOB}]))
    copy = bob.get(event["id"])
    bob.patch(
        event["id"],
        {
            "attendees": [
                dict(a, responseStatus="accepted") if a["email"] == BOB else a
                for a in copy["attendees"]
            ]
        },
    )
    reference = ann.get(event["id"])
    assert status_of(reference, BOB) == "accepted"
    assert reference["etag"] != event["etag"]


def test_attendee_edits_stay_on_their_copy(ann, bob):
    event = ann.insert(meeting(attendees=[{"email": BOB}]))
    assert bob.patch(event["id"], {"summary": "My name for it"})["summary"] == "My name for it"
    assert ann.get(event["id"])["summary"] == "Review"


def test_organizer_changes_reach_the_copies_and_keep_responses(ann, bob):
    event = ann.insert(meeting(attendees=[{"email": BOB}]))
    bob.patch(
        event["id"], {"attendees": [{"email": BOB, "responseStatus": "tentative"}], "colorId": "3"}
    )
    ann.patch(event["id"], {"location": "Room 2", "attendees": [{"email": BOB}]})
    copy = bob.get(event["id"])
    assert copy["location"] == "Room 2"
    assert status_of(copy, BOB) == "tentative"
    assert copy["colorId"] == "3"


def test_removed_attendee_and_deleted_event_cancel_the_copy(ann, bob, emulator):
    google = emulator.providers["google"]
    first = ann.insert(meeting(attendees=[{"email": BOB}]))
    second = ann.insert(meeting(attendees=[{"email": BOB}]))
    ann.patch(first["id"], {"attendees": []})
    ann("DELETE", f"/calendars/primary/events/{second['id']}")
    assert bob.get(first["id"])["status"] == "cancelled"
    assert bob.get(second["id"])["status"] == "cancelled"
    assert google.events_of(BOB) == []


def test_attendee_deleting_their_copy_declines(ann, bob):
    event = ann.insert(meeting(attendees=[{"email": BOB}]))
    bob("DELETE", f"/calendars/primary/events/{event['id']}")
    assert status_of(ann.get(event["id"]), BOB) == "declined"
    ann.patch(event["id"], {"location": "Room 3"})
    assert bob.get(event["id"])["status"] == "cancelled"


def test_attendee_answering_one_occurrence(ann, bob):
    series = ann.insert(
        meeting(
            start={"dateTime": "2024-05-06T09:00:00", "timeZone": "UTC"},
            end={"dateTime": "2024-05-06T10:00:00", "timeZone": "UTC"},
            recurrence=["RRULE:FREQ=DAILY;COUNT=3"],
            attendees=[{"email": BOB}],
        )
    )
    occurrence = f"{series['id']}_20240507T090000Z"
    bob.patch(occurrence, {"attendees": [{"email": BOB, "responseStatus": "declined"}]})
    organizer_view = ann.get(occurrence)
    assert organizer_view["recurringEventId"] == series["id"]
    assert status_of(organizer_view, BOB) == "declined"
    assert status_of(ann.get(f"{series['id']}_20240508T090000Z"), BOB) == "needsAction"


def test_meet_request_goes_pending_then_success(ann):
    event = ann.insert(meeting(conferenceData=MEET_REQUEST), conferenceDataVersion=1)
    request = event["conferenceData"]["createRequest"]
    assert request["status"] == {"statusCode": "pending"}
    assert "hangoutLink" not in event
    ready = ann.get(event["id"])
    conference = ready["conferenceData"]
    assert conference["createRequest"]["status"] == {"statusCode": "success"}
    video = conference["entryPoints"][0]
    assert video["entryPointType"] == "video"
    assert video["uri"] == f"https://meet.google.com/{conference['conferenceId']}"
    assert ready["hangoutLink"] == video["uri"]
    assert ready["etag"] != event["etag"]


def test_pending_reads_knob(emulator, ann):
    emulator.providers["google"].conference_pending_reads = 3
    event = ann.insert(meeting(conferenceData=MEET_REQUEST), conferenceDataVersion=1)
    states = [
        ann.get(event["id"])["conferenceData"]["createRequest"]["status"]["statusCode"]
        for _ in range(3)
    ]
    assert states == ["pending", "pending", "success"]


def test_meet_request_without_conference_data_version_is_ignored(ann):
    event = ann.insert(meeting(conferenceData=MEET_REQUEST))
    assert "conferenceData" not in event
    assert "conferenceData" not in ann.get(event["id"])


def test_meet_added_by_patch_and_kept_by_later_patches(ann):
    event = ann.insert(meeting())
    pending = ann.patch(event["id"], {"conferenceData": MEET_REQUEST}, conferenceDataVersion=1)
    assert pending["conferenceData"]["createRequest"]["status"]["statusCode"] == "pending"
    link = ann.get(event["id"])["hangoutLink"]
    assert ann.patch(event["id"], {"summary": "Renamed"})["hangoutLink"] == link


def test_meet_with_an_unknown_solution_is_400(ann):
    body = meeting(
        conferenceData={
            "createRequest": {"requestId": "r", "conferenceSolutionKey": {"type": "zoom"}}
        }
    )
    response = ann(
        "POST", "/calendars/primary/events", json=body, params={"conferenceDataVersion": 1}
    )
    assert response.status_code == 400


def test_attendee_copy_carries_the_meet_link(ann, bob):
    event = ann.insert(
        meeting(attendees=[{"email": BOB}], conferenceData=MEET_REQUEST), conferenceDataVersion=1
    )
    link = ann.get(event["id"])["hangoutLink"]
    assert bob.get(event["id"])["hangoutLink"] == link
