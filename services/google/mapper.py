"""Google Calendar event resources <-> neutral events (pure functions, no HTTP).

``to_remote`` reads what the API returns (events.get/list/insert/patch answers);
``to_body`` writes the body of an events.insert or events.patch. A body that Google stores
and returns unchanged maps back to an event with the same ``sync_hash``.
"""

import uuid
import zoneinfo
from datetime import UTC, date, datetime

from ..adapter import RemoteEvent
from ..mirror import MARK_KEY
from ..neutral import Attendee, NeutralEvent
from ..timezones import known_zone

RESPONSE_FROM_GOOGLE = {
    "needsAction": "needs_action",
    "accepted": "accepted",
    "declined": "declined",
    "tentative": "tentative",
}
RESPONSE_TO_GOOGLE = {value: key for key, value in RESPONSE_FROM_GOOGLE.items()}
SHOW_AS_FROM_TRANSPARENCY = {"opaque": "busy", "transparent": "free"}
TRANSPARENCY_FROM_SHOW_AS = {value: key for key, value in SHOW_AS_FROM_TRANSPARENCY.items()}
# Google's "confidential" is a legacy alias of private; neutral events know three levels
PRIVACY_FROM_VISIBILITY = {
    "default": "default",
    "public": "public",
    "private": "private",
    "confidential": "private",
}
MEET_SOLUTIONS = ("hangoutsMeet", "eventHangout", "eventNamedHangout")
EVENT_TYPE_FROM_GOOGLE = {
    "default": "default",
    "outOfOffice": "out_of_office",
    "focusTime": "focus_time",
    "workingLocation": "working_location",
    "birthday": "birthday",
    "fromGmail": "from_gmail",
}
EVENT_TYPE_TO_GOOGLE = {value: key for key, value in EVENT_TYPE_FROM_GOOGLE.items()}
# What Google lets a client change per event type (guides/event-types, calendar-status):
# status events have no guests and keep their free/busy, working location its visibility,
# birthdays only their title, Gmail's events only personal fields. None: every field.
EDITABLE_BY_TYPE = {
    "default": None,
    "out_of_office": ("summary", "description", "start", "end", "recurrence", "status"),
    "focus_time": ("summary", "description", "start", "end", "recurrence", "status"),
    "working_location": ("start", "end", "recurrence", "status"),
    "birthday": ("summary",),
    "from_gmail": ("transparency", "visibility"),
}
# the meaning of a typed event in free/busy terms, whatever the copy says
SHOW_AS_BY_TYPE = {
    "out_of_office": "busy",
    "focus_time": "busy",
    "working_location": "free",
    "birthday": "free",
}


def _event_timezone(item, calendar_timezone):
    """The event's own zone label: start's, else end's, else the calendar's, else UTC."""
    for when in (item.get("start") or {}, item.get("end") or {}):
        name = known_zone(when.get("timeZone"))
        if name:
            return name
    return known_zone(calendar_timezone) or "UTC"


def parse_when(when, timezone):
    """A Google start/end/originalStartTime as a date (all-day) or an aware UTC datetime."""
    if when.get("date"):
        return date.fromisoformat(when["date"])
    moment = datetime.fromisoformat(when["dateTime"])
    if moment.tzinfo is None:
        # Google answers with an offset; a bare local time is read in the event's zone
        moment = moment.replace(tzinfo=zoneinfo.ZoneInfo(timezone))
    return moment.astimezone(UTC)


def _attendees(item):
    found = []
    for raw in item.get("attendees") or []:
        if raw.get("resource") or not raw.get("email"):
            continue
        found.append(
            Attendee(
                email=raw["email"],
                name=raw.get("displayName") or "",
                response=RESPONSE_FROM_GOOGLE.get(raw.get("responseStatus"), "needs_action"),
                organizer=bool(raw.get("organizer")),
                optional=bool(raw.get("optional")),
            )
        )
    return tuple(found)


def _self_response(item, account_email):
    for raw in item.get("attendees") or []:
        email = (raw.get("email") or "").lower()
        if raw.get("self") or (account_email and email == account_email):
            return RESPONSE_FROM_GOOGLE.get(raw.get("responseStatus"), "needs_action")
    return ""


def meeting_of(item):
    """``(provider, url, pending)`` of the event's Google Meet conference, if any."""
    conference = item.get("conferenceData") or {}
    solution = ((conference.get("conferenceSolution") or {}).get("key") or {}).get("type")
    request = conference.get("createRequest") or {}
    requested = (request.get("conferenceSolutionKey") or {}).get("type")
    status = (request.get("status") or {}).get("statusCode")
    url = next(
        (
            entry.get("uri")
            for entry in conference.get("entryPoints") or []
            if entry.get("entryPointType") == "video" and entry.get("uri")
        ),
        None,
    ) or item.get("hangoutLink")
    if url and (solution in MEET_SOLUTIONS or item.get("hangoutLink")):
        return "google_meet", url, False
    if status == "pending" and requested in MEET_SOLUTIONS:
        return "google_meet", "", True
    return "none", "", False


def to_remote(item, account_email, calendar_timezone=""):
    """The RemoteEvent of one Google event resource, as the account's calendar shows it.

    ``calendar_timezone`` labels events whose start/end carry no ``timeZone``.
    """
    account_email = (account_email or "").strip().lower()
    timezone = _event_timezone(item, calendar_timezone)
    original = item.get("originalStartTime")
    common = {
        "external_id": item["id"],
        "etag": item.get("etag") or "",
        "ical_uid": item.get("iCalUID") or "",
        "recurring_external_id": item.get("recurringEventId") or "",
        "original_start": parse_when(original, timezone) if original else None,
        # the id of an event the addon created is the one it chose (see PushOp "create")
        "client_token": item["id"],
    }
    if item.get("status") == "cancelled":
        return RemoteEvent(deleted=True, **common)
    organizer = item.get("organizer") or {}
    organizer_email = (organizer.get("email") or "").lower()
    provider, url, pending = meeting_of(item)
    start, end = item["start"], item["end"]
    event_type = EVENT_TYPE_FROM_GOOGLE.get(item.get("eventType"), "default")
    show_as = SHOW_AS_FROM_TRANSPARENCY.get(item.get("transparency"), "busy")
    event = NeutralEvent(
        title=item.get("summary") or "",
        start=parse_when(start, timezone),
        end=parse_when(end, timezone),
        all_day=bool(start.get("date")),
        timezone=timezone,
        description=item.get("description") or "",
        location=item.get("location") or "",
        # a working location says where the user is, with nobody: not a meeting
        attendees=() if event_type == "working_location" else _attendees(item),
        organizer_email=organizer_email,
        recurrence=tuple(item.get("recurrence") or ()),
        status=item.get("status") or "confirmed",
        show_as=SHOW_AS_BY_TYPE.get(event_type, show_as),
        privacy=PRIVACY_FROM_VISIBILITY.get(item.get("visibility"), "default"),
        online_meeting_provider=provider,
        online_meeting_url=url,
        ical_uid=item.get("iCalUID") or "",
        event_type=event_type,
        attendees_omitted=bool(item.get("attendeesOmitted")),
    )
    private = (item.get("extendedProperties") or {}).get("private") or {}
    is_organizer = bool(organizer.get("self")) or bool(
        account_email and organizer_email == account_email
    )
    return RemoteEvent(
        event=event,
        is_organizer=is_organizer,
        self_response=_self_response(item, account_email),
        meeting_pending=pending,
        mirror_mark=private.get(MARK_KEY) or "",
        **common,
    )


def _when_body(value, all_day, timezone):
    # the other key is sent as null so a patch can turn a timed event into an all-day one
    if all_day:
        # Google ignores the zone of an all-day event but keeps the label we send
        return {"date": value.isoformat(), "dateTime": None, "timeZone": timezone}
    local = value.astimezone(zoneinfo.ZoneInfo(timezone))
    return {"date": None, "dateTime": local.isoformat(timespec="seconds"), "timeZone": timezone}


def _attendee_body(attendee):
    body = {"email": attendee.email, "responseStatus": RESPONSE_TO_GOOGLE[attendee.response]}
    if attendee.name:
        body["displayName"] = attendee.name
    if attendee.optional:
        body["optional"] = True
    return body


def meet_request():
    """A new ``conferenceData`` asking Google for a Meet (needs conferenceDataVersion=1)."""
    return {
        "createRequest": {
            "requestId": uuid.uuid4().hex,
            "conferenceSolutionKey": {"type": "hangoutsMeet"},
        }
    }


def to_body(event: NeutralEvent, want_meeting=False, drop_meeting=False, mark="") -> dict:
    """The events.insert / events.patch body of ``event``: every synced field Google lets a
    client change on an event of its type. ``drop_meeting`` removes the event's Meet
    (``conferenceData: null``, sent with conferenceDataVersion=1). ``mark``: a mirrored busy
    block's mark (services/mirror.py), kept in the calendar's private extended properties."""
    body = {
        "summary": event.title,
        "description": event.description,
        "location": event.location,
        "start": _when_body(event.start, event.all_day, event.timezone),
        "end": _when_body(event.end, event.all_day, event.timezone),
        "attendees": [_attendee_body(a) for a in event.attendees],
        "transparency": TRANSPARENCY_FROM_SHOW_AS[event.show_as],
        "visibility": event.privacy,
        "status": event.status,
    }
    if event.recurrence:
        body["recurrence"] = list(event.recurrence)
    if want_meeting and not event.online_meeting_url and event.event_type == "default":
        body["conferenceData"] = meet_request()
    elif drop_meeting and event.online_meeting_provider == "none":
        body["conferenceData"] = None
    if event.attendees_omitted:
        # the list holds only the guests Google showed: send it as the ones to change, so
        # Google keeps the others
        body["attendeesOmitted"] = True
    if mark:
        body["extendedProperties"] = {"private": {MARK_KEY: mark}}
        # the source event reminds the user already
        body["reminders"] = {"useDefault": False, "overrides": []}
    editable = EDITABLE_BY_TYPE[event.event_type]
    if editable is not None:
        body = {name: value for name, value in body.items() if name in editable}
        body["eventType"] = EVENT_TYPE_TO_GOOGLE[event.event_type]
    return body
