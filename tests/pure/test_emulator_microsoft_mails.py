"""What Outlook mails guests when an organizer's meeting is created, changed or deleted:
the Graph emulator records it (Graph has no way to create or change a meeting silently)."""

import pytest
from graph_api import GraphApi

PARIS = {
    "start": {"dateTime": "2024-05-02T09:00:00", "timeZone": "Europe/Paris"},
    "end": {"dateTime": "2024-05-02T10:00:00", "timeZone": "Europe/Paris"},
}


@pytest.fixture
def alice(emulator):
    return GraphApi(emulator, "alice@example.com")


def guests(*emails):
    return [{"emailAddress": {"address": e}, "type": "required"} for e in emails]


def mails(emulator):
    return [
        (m["action"], tuple(m["attendees"])) for m in emulator.providers["microsoft"].sent_mails
    ]


def test_outlook_mails_guests_on_create_change_and_delete(emulator, alice):
    alone = alice("POST", "/me/events", json={"subject": "Alone", **PARIS}).json()
    alice("PATCH", f"/me/events/{alone['id']}", json={"subject": "Still alone"})
    assert mails(emulator) == [], "no guest, no mail"

    meeting = alice(
        "POST", "/me/events", json={"subject": "Review", **PARIS, "attendees": guests("b@x.org")}
    ).json()
    assert mails(emulator) == [("invite", ("b@x.org",))]

    moved = {
        "start": {"dateTime": "2024-05-03T09:00:00", "timeZone": "Europe/Paris"},
        "end": {"dateTime": "2024-05-03T10:00:00", "timeZone": "Europe/Paris"},
        "attendees": guests("b@x.org", "c@x.org"),
    }
    alice("PATCH", f"/me/events/{meeting['id']}", json=moved)
    assert mails(emulator)[1:] == [("update", ("b@x.org",)), ("invite", ("c@x.org",))]

    alice("PATCH", f"/me/events/{meeting['id']}", json={"attendees": guests("c@x.org")})
    assert mails(emulator)[3:] == [("cancel", ("b@x.org",))]

    alice("DELETE", f"/me/events/{meeting['id']}")
    assert mails(emulator)[4:] == [("cancel", ("c@x.org",))]
