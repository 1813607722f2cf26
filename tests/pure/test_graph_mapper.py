"""services.microsoft.mapper: Graph events <-> neutral events, and the round trip through the
Graph emulator (what Graph stores from ``to_body`` reads back with the same hash)."""

import datetime as dt
import random
from zoneinfo import ZoneInfo

import pytest
import requests

from services.exceptions import Forbidden
from services.microsoft.client import GraphClient
from services.microsoft.mapper import TeamsNotAllowed, html_to_text, to_body, to_remote
from services.microsoft.recurrence import to_pattern
from services.neutral import Attendee, NeutralEvent, changed_fields, sync_hash

UTC = dt.UTC
ALICE = "alice@example.com"
GUESTS = ("bob@example.com", "carol@example.com", "dan@example.com")
ACTIONS = {"accepted": "accept", "declined": "decline", "tentative": "tentativelyAccept"}


def graph_event(**extra):
    """A Graph event as read with Prefer: outlook.timezone="UTC" (shape of the docs' samples)."""
    item = {
        "@odata.etag": 'W/"DwAAABYAAAA"',
        "id": "AAMkAGI2TG93AAA=",
        "changeKey": "DwAAABYAAAA",
        "iCalUId": "040000008200E00074C5B7101A82E00800000000",
        "subject": "Planning",
        "body": {"contentType": "text", "content": "Agenda"},
        "start": {"dateTime": "2024-05-06T07:00:00.0000000", "timeZone": "UTC"},
        "end": {"dateTime": "2024-05-06T08:30:00.0000000", "timeZone": "UTC"},
        "originalStartTimeZone": "Romance Standard Time",
        "originalEndTimeZone": "Romance Standard Time",
        "isAllDay": False,
        "isCancelled": False,
        "isOrganizer": True,
        "type": "singleInstance",
        "showAs": "busy",
        "sensitivity": "normal",
        "location": {"displayName": "Room 1"},
        "attendees": [],
        "organizer": {"emailAddress": {"name": "Alice", "address": "Alice@Example.com"}},
        "responseStatus": {"response": "organizer", "time": "0001-01-01T00:00:00Z"},
        "isOnlineMeeting": False,
        "onlineMeetingProvider": "unknown",
        "onlineMeeting": None,
        "recurrence": None,
    }
    item.update(extra)
    return item


def attendee(address, response="none", kind="required", name=None):
    return {
        "type": kind,
        "status": {"response": response, "time": "2024-05-01T10:00:00Z"},
        "emailAddress": {"name": name or address, "address": address},
    }


def test_a_timed_event_reads_in_utc_with_its_own_zone():
    remote = to_remote(graph_event(), ALICE)
    event = remote.event
    assert (remote.external_id, remote.etag, remote.change_key) == (
        "AAMkAGI2TG93AAA=",
        'W/"DwAAABYAAAA"',
        "DwAAABYAAAA",
    )
    assert event.start == dt.datetime(2024, 5, 6, 7, 0, tzinfo=UTC)
    assert event.end == dt.datetime(2024, 5, 6, 8, 30, tzinfo=UTC)
    assert event.timezone == "Europe/Paris"
    assert (event.title, event.description, event.location) == ("Planning", "Agenda", "Room 1")
    assert event.organizer_email == "alice@example.com"
    assert (remote.is_organizer, remote.self_response) == (True, "accepted")
    assert remote.ical_uid == event.ical_uid == "040000008200E00074C5B7101A82E00800000000"
    assert event.attendees == ()
    assert (event.status, event.show_as, event.privacy) == ("confirmed", "busy", "default")


@pytest.mark.parametrize(
    ("zone_fields", "expected"),
    [
        ({"originalStartTimeZone": "W. Europe Standard Time"}, "Europe/Berlin"),
        ({"originalStartTimeZone": "Pacific Standard Time"}, "America/Los_Angeles"),
        ({"originalStartTimeZone": "Asia/Kolkata"}, "Asia/Kolkata"),
        ({"originalStartTimeZone": "tzone://Microsoft/Utc"}, "UTC"),
        ({"originalStartTimeZone": "Customized Time Zone"}, "UTC"),
        ({"originalStartTimeZone": None}, "UTC"),
    ],
)
def test_zone_labels_become_iana_names(zone_fields, expected):
    assert to_remote(graph_event(**zone_fields), ALICE).event.timezone == expected


def test_times_without_the_utc_preference_are_read_in_their_own_zone():
    item = graph_event(
        start={"dateTime": "2024-05-06T09:00:00.0000000", "timeZone": "Pacific Standard Time"},
        end={"dateTime": "2024-05-06T10:00:00.0000000", "timeZone": "Pacific Standard Time"},
        originalStartTimeZone=None,
    )
    event = to_remote(item, ALICE).event
    assert event.start == dt.datetime(2024, 5, 6, 16, 0, tzinfo=UTC)
    assert event.timezone == "America/Los_Angeles"


def test_all_day_events_are_dates_with_an_exclusive_end():
    item = graph_event(
        isAllDay=True,
        start={"dateTime": "2024-05-06T00:00:00.0000000", "timeZone": "UTC"},
        end={"dateTime": "2024-05-08T00:00:00.0000000", "timeZone": "UTC"},
    )
    event = to_remote(item, ALICE).event
    assert (event.all_day, event.start, event.end) == (
        True,
        dt.date(2024, 5, 6),
        dt.date(2024, 5, 8),
    )


def test_removed_items_are_deletions():
    remote = to_remote({"id": "AAMkAGgone", "@removed": {"reason": "deleted"}}, ALICE)
    assert remote.deleted and remote.event is None and remote.external_id == "AAMkAGgone"


def test_html_bodies_become_plain_text():
    html = (
        '<html><head><meta charset="utf-8"><style>p{margin:0}</style><title>x</title></head>'
        '<body><div class="elementToProof"><p>Hello <b>team</b>,&nbsp;welcome</p>'
        "<p>Line 2<br>Line   3</p><ul><li>one</li><li>two &amp; three</li></ul></div>"
        "</body></html>"
    )
    expected = "Hello team, welcome\nLine 2\nLine 3\none\ntwo & three"
    assert html_to_text(html) == expected
    item = graph_event(body={"contentType": "html", "content": html})
    assert to_remote(item, ALICE).event.description == expected
    assert html_to_text("a<br><br>b") == "a\n\nb"


def test_attendees_their_answers_and_the_organizer():
    item = graph_event(
        attendees=[
            attendee("Bob@Example.com", "accepted", name="Bob B."),
            attendee("carol@example.com", "declined"),
            attendee("dan@example.com", "tentativelyAccepted", "optional"),
            attendee("erin@example.com", "notResponded"),
            attendee("fay@example.com", "none"),
            attendee("room1@example.com", "accepted", "resource"),
        ]
    )
    event = to_remote(item, ALICE).event
    assert [a.canonical() for a in event.attendees] == [
        Attendee("alice@example.com", "Alice", "accepted", organizer=True).canonical(),
        Attendee("bob@example.com", "Bob B.", "accepted").canonical(),
        Attendee("carol@example.com", "", "declined").canonical(),
        Attendee("dan@example.com", "", "tentative", optional=True).canonical(),
        Attendee("erin@example.com", "", "needs_action").canonical(),
        Attendee("fay@example.com", "", "needs_action").canonical(),
    ]


def test_an_invitation_on_an_attendees_calendar():
    item = graph_event(
        isOrganizer=False,
        organizer={"emailAddress": {"name": "Zed", "address": "zed@elsewhere.org"}},
        responseStatus={"response": "tentativelyAccepted", "time": "2024-05-01T10:00:00Z"},
        attendees=[attendee(ALICE, "tentativelyAccepted")],
    )
    remote = to_remote(item, ALICE)
    assert (remote.is_organizer, remote.self_response) == (False, "tentative")
    assert remote.event.organizer_email == "zed@elsewhere.org"
    assert remote.event.attendee("zed@elsewhere.org").organizer
    assert remote.event.attendee(ALICE).response == "tentative"
    not_answered = dict(item, responseStatus={"response": "notResponded"})
    assert to_remote(not_answered, ALICE).self_response == "needs_action"


SHOW_AS = {"busy": "busy", "free": "free", "tentative": "busy", "oof": "busy"}
SHOW_AS.update(workingElsewhere="busy", unknown="busy")
PRIVACY = {"normal": "default", "personal": "private", "private": "private"}
PRIVACY.update(confidential="private")


def test_show_as_and_sensitivity():
    for show_as, expected in SHOW_AS.items():
        assert to_remote(graph_event(showAs=show_as), ALICE).event.show_as == expected
    for sensitivity, expected in PRIVACY.items():
        assert to_remote(graph_event(sensitivity=sensitivity), ALICE).event.privacy == expected


def test_a_cancelled_meeting_stays_as_a_cancelled_event():
    remote = to_remote(graph_event(isCancelled=True, subject="Canceled: Planning"), ALICE)
    assert not remote.deleted and remote.event.status == "cancelled"


def test_a_series_master_and_its_exception():
    recurrence = {
        "pattern": {
            "type": "weekly",
            "interval": 1,
            "month": 0,
            "dayOfMonth": 0,
            "daysOfWeek": ["monday"],
            "firstDayOfWeek": "sunday",
            "index": "first",
        },
        "range": {
            "type": "numbered",
            "startDate": "2024-05-06",
            "endDate": "0001-01-01",
            "recurrenceTimeZone": "Romance Standard Time",
            "numberOfOccurrences": 5,
        },
    }
    master = to_remote(graph_event(type="seriesMaster", recurrence=recurrence), ALICE)
    assert master.event.recurrence == ("RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=5",)
    assert master.recurring_external_id == "" and master.original_start is None
    exception = to_remote(
        graph_event(
            id="AAMkAGexc",
            type="exception",
            seriesMasterId="AAMkAGI2TG93AAA=",
            originalStart="2024-05-13T07:00:00Z",
            start={"dateTime": "2024-05-14T12:00:00.0000000", "timeZone": "UTC"},
            end={"dateTime": "2024-05-14T13:00:00.0000000", "timeZone": "UTC"},
        ),
        ALICE,
    )
    assert exception.recurring_external_id == "AAMkAGI2TG93AAA="
    assert exception.original_start == dt.datetime(2024, 5, 13, 7, 0, tzinfo=UTC)
    assert exception.event.recurrence == ()
    assert exception.event.start == dt.datetime(2024, 5, 14, 12, 0, tzinfo=UTC)
    all_day = to_remote(
        graph_event(
            type="occurrence",
            isAllDay=True,
            seriesMasterId="AAMkAGI2TG93AAA=",
            originalStart="2024-05-12T22:00:00Z",
            start={"dateTime": "2024-05-13T00:00:00.0000000", "timeZone": "UTC"},
            end={"dateTime": "2024-05-14T00:00:00.0000000", "timeZone": "UTC"},
        ),
        ALICE,
    )
    assert all_day.original_start == dt.date(2024, 5, 13)


def test_teams_meetings_are_read_with_their_join_url():
    url = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_x%40thread.v2/0"
    item = graph_event(
        isOnlineMeeting=True,
        onlineMeetingProvider="teamsForBusiness",
        onlineMeeting={"joinUrl": url},
    )
    remote = to_remote(item, ALICE)
    assert (remote.event.online_meeting_provider, remote.event.online_meeting_url) == ("teams", url)
    assert not remote.meeting_pending
    skype = dict(item, onlineMeetingProvider="skypeForBusiness")
    assert to_remote(skype, ALICE).event.online_meeting_provider == "none"


def neutral(**overrides):
    start = dt.datetime(2024, 3, 30, 23, 30, tzinfo=UTC)
    values = {
        "title": "Review",
        "start": start,
        "end": start + dt.timedelta(hours=2),
        "all_day": False,
        "timezone": "Europe/Paris",
        "description": "Line 1\nLine 2",
        "location": "Room 2",
        "organizer_email": ALICE,
    }
    values.update(overrides)
    return NeutralEvent(**values)


def test_the_body_carries_the_events_own_zone_and_every_field():
    event = neutral(
        attendees=(
            Attendee(ALICE, "Alice", "accepted", organizer=True),
            Attendee("bob@example.com", "Bob", "accepted"),
            Attendee("carol@example.com", optional=True),
        ),
        show_as="free",
        privacy="private",
    )
    body = to_body(event)
    # 23:30 UTC on the night Paris moves to summer time is 00:30 CET; the end is CEST
    # Graph gets the CLDR Windows id of the zone, never an IANA name it may refuse
    assert body["start"] == {"dateTime": "2024-03-31T00:30:00", "timeZone": "Romance Standard Time"}
    assert body["end"] == {"dateTime": "2024-03-31T03:30:00", "timeZone": "Romance Standard Time"}
    assert body["subject"] == "Review"
    assert body["body"] == {"contentType": "text", "content": "Line 1\nLine 2"}
    assert body["location"] == {"displayName": "Room 2"}
    assert body["isAllDay"] is False
    assert body["attendees"] == [
        {"emailAddress": {"address": "bob@example.com", "name": "Bob"}, "type": "required"},
        {"emailAddress": {"address": "carol@example.com"}, "type": "optional"},
    ]
    assert (body["showAs"], body["sensitivity"]) == ("free", "private")
    assert "recurrence" not in body
    assert not {"isOnlineMeeting", "onlineMeetingProvider"} & set(body)


def test_an_out_of_office_event_goes_to_outlook_as_oof():
    """Google's outOfOffice events come into Odoo as busy blocks of type out_of_office;
    Outlook has its own free/busy status for them (freeBusyStatus "oof")."""
    away = neutral(event_type="out_of_office", show_as="busy")
    assert to_body(away)["showAs"] == "oof"
    assert to_body(neutral(show_as="busy"))["showAs"] == "busy"
    assert to_body(neutral(event_type="focus_time", show_as="busy"))["showAs"] == "busy"
    # what Outlook answers reads back as the same event: nothing to push again
    answer = graph_event(showAs="oof")
    read = to_remote(answer, ALICE).event
    assert read.show_as == "busy"


def test_all_day_bodies_run_midnight_to_midnight():
    body = to_body(
        neutral(all_day=True, start=dt.date(2024, 5, 6), end=dt.date(2024, 5, 7), timezone="UTC")
    )
    assert body["start"] == {"dateTime": "2024-05-06T00:00:00", "timeZone": "UTC"}
    assert body["end"] == {"dateTime": "2024-05-07T00:00:00", "timeZone": "UTC"}
    assert body["isAllDay"] is True


def test_recurring_bodies_carry_the_pattern():
    event = neutral(recurrence=("RRULE:FREQ=DAILY;COUNT=3",))
    expected = to_pattern(event.recurrence, event.start, "Europe/Paris")
    expected["range"]["recurrenceTimeZone"] = "Romance Standard Time"
    assert to_body(event)["recurrence"] == expected


def test_teams_is_asked_for_only_on_request_and_never_removed():
    event = neutral()
    body = to_body(event, want_meeting=True, allowed_providers=["teamsForBusiness"])
    assert (body["isOnlineMeeting"], body["onlineMeetingProvider"]) == (True, "teamsForBusiness")
    with_meeting = neutral(online_meeting_provider="teams", online_meeting_url="https://t/1")
    for want in (False, True):
        assert not {"isOnlineMeeting", "onlineMeetingProvider"} & set(
            to_body(with_meeting, want_meeting=want)
        )


def test_teams_not_allowed_is_a_clear_forbidden_error():
    with pytest.raises(TeamsNotAllowed) as caught:
        to_body(neutral(), want_meeting=True, allowed_providers=["skypeForBusiness"])
    assert isinstance(caught.value, Forbidden)
    assert "Teams meetings are not allowed" in str(caught.value)
    assert "skypeForBusiness" in str(caught.value)


# -- the round trip through the emulator ------------------------------------------------

ZONES = ("Europe/Paris", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "UTC")
# days around the 2024 DST changes of those zones
DAYS = [dt.date(2024, 3, d) for d in (9, 10, 11, 30, 31)] + [
    dt.date(2024, 4, 6),
    dt.date(2024, 4, 7),
    dt.date(2024, 10, 5),
    dt.date(2024, 10, 6),
    dt.date(2024, 10, 26),
    dt.date(2024, 10, 27),
    dt.date(2024, 11, 2),
    dt.date(2024, 11, 3),
]
CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def _ordinal(day):
    return -1 if day.day > 28 else (day.day - 1) // 7 + 1


def random_rule(rng, first_day, zone, all_day):
    """A canonical RRULE (as the Odoo side writes it) of a random pattern type and range."""
    code = CODES[first_day.weekday()]
    kind = rng.choice(["daily", "weekly", "absM", "relM", "multiM", "absY", "otherY", "relY"])
    parts = {
        "daily": {},
        "weekly": {"BYDAY": ",".join(sorted({code, rng.choice(CODES)}, key=CODES.index))},
        "absM": {"BYMONTHDAY": str(first_day.day)},
        "relM": {"BYDAY": f"{_ordinal(first_day)}{code}"},
        "multiM": {"BYDAY": "MO,TU,WE,TH,FR", "BYSETPOS": rng.choice(["1", "-1"])},
        "absY": {},
        "otherY": {"BYMONTH": "12", "BYMONTHDAY": "24"},
        "relY": {"BYDAY": f"{_ordinal(first_day)}{code}", "BYMONTH": str(first_day.month)},
    }[kind]
    freq = {"daily": "DAILY", "weekly": "WEEKLY", "absY": "YEARLY"}.get(kind)
    freq = freq or ("MONTHLY" if kind.endswith("M") else "YEARLY")
    if rng.random() < 0.4:
        parts["INTERVAL"] = str(rng.randint(2, 3))
    end = rng.choice(["none", "count", "until"])
    if end == "count":
        parts["COUNT"] = str(rng.randint(2, 9))
    elif end == "until":
        last = first_day + dt.timedelta(days=rng.randint(30, 400))
        if all_day:
            parts["UNTIL"] = last.strftime("%Y%m%d")
        else:
            end_of_day = dt.datetime.combine(last, dt.time(23, 59, 59), tzinfo=ZoneInfo(zone))
            parts["UNTIL"] = end_of_day.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return "RRULE:FREQ=" + freq + "".join(f";{k}={parts[k]}" for k in sorted(parts))


def random_event(rng, n):
    zone = rng.choice(ZONES)
    day = rng.choice(DAYS)
    all_day = rng.random() < 0.25
    if all_day:
        start, end = day, day + dt.timedelta(days=rng.randint(1, 3))
    else:
        local = dt.datetime.combine(day, dt.time(rng.randrange(24), rng.choice((0, 15, 30))))
        start = local.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
        end = start + dt.timedelta(minutes=rng.choice((0, 30, 90, 240, 600)))
    guests = rng.sample(GUESTS, rng.choice((0, 0, 1, 2, 3)))
    attendees = [
        Attendee(
            email,
            name=rng.choice(("", email.split("@")[0].title() + " Guest")),
            response=rng.choice(("needs_action", "accepted", "declined", "tentative")),
            optional=rng.random() < 0.3,
        )
        for email in guests
    ]
    if attendees:
        attendees.append(Attendee(ALICE, "Alice", "accepted", organizer=True))
    recurring = rng.random() < 0.5
    return NeutralEvent(
        title=f"Event {n} {rng.choice(('sync', 'réunion', '会議'))}",
        start=start,
        end=end,
        all_day=all_day,
        timezone=zone,
        description=rng.choice(("", "Agenda\n- one\n- two", "Notes: <b> & ü")),
        location=rng.choice(("", "Room 1", "Café, 2nd floor")),
        attendees=tuple(attendees),
        organizer_email=ALICE,
        recurrence=(random_rule(rng, day, zone, all_day),) if recurring else (),
        show_as=rng.choice(("busy", "free")),
        privacy=rng.choice(("default", "private")),
        online_meeting_provider=rng.choice(("none", "none", "teams")),
    )


class Mailbox:
    """A signed-in Graph user of the emulator (a static token is enough here)."""

    def __init__(self, emulator, email):
        token = emulator.providers["microsoft"].add_user(email)
        self.client = GraphClient(
            emulator.url("microsoft", "/graph"), lambda force_refresh=False: token, timeout=10
        )
        self.base = emulator.url("microsoft", "/graph/v1.0")
        self.headers = {"Authorization": f"Bearer {token}"}

    def copy_of(self, ical_uid):
        """This user's own copy of an invitation, found the way Graph allows: by iCalUId."""
        resp = requests.get(
            f"{self.base}/me/events",
            params={"$filter": f"iCalUId eq '{ical_uid}'"},
            headers=self.headers,
            timeout=10,
        )
        resp.raise_for_status()
        [found] = resp.json()["value"]
        return found["id"]


def test_round_trip_through_graph_keeps_the_hash(emulator):
    alice = Mailbox(emulator, ALICE)
    guests = {email: Mailbox(emulator, email) for email in GUESTS}
    rng = random.Random(4)
    events = [random_event(rng, n) for n in range(80)]
    kinds = {(e.all_day, bool(e.recurrence), e.online_meeting_provider) for e in events}
    assert len(kinds) == 8, "every kind of event is generated"
    for n, event in enumerate(events):
        body = to_body(event, want_meeting=event.online_meeting_provider == "teams")
        created = alice.client.create_event(None, body, f"round-trip-{n}")
        for guest in event.attendees:
            if guest.email != ALICE and guest.response != "needs_action":
                mailbox = guests[guest.email]
                mailbox.client.respond(mailbox.copy_of(created["iCalUId"]), ACTIONS[guest.response])
        remote = to_remote(alice.client.get_event(created["id"]), ALICE)
        assert sync_hash(remote.event) == sync_hash(event), (
            changed_fields(event, remote.event),
            event.recurrence,
            remote.event.recurrence,
        )
        if event.online_meeting_provider == "teams":
            assert remote.event.online_meeting_url.startswith("https://teams.microsoft.com/")
        # an update with the same body changes nothing Graph shows
        updated = alice.client.update_event(created["id"], to_body(remote.event))
        assert sync_hash(to_remote(updated, ALICE).event) == sync_hash(event)
