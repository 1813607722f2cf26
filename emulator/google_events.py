"""Validation and normalisation of Calendar API event bodies, the way Google answers them."""

import copy
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .google_store import ApiError, invalid, required

_STR, _BOOL, _INT, _LIST, _DICT = str, bool, int, list, dict

WRITABLE = {
    "anyoneCanAddSelf": _BOOL,
    "attachments": _LIST,
    "attendees": _LIST,
    "attendeesOmitted": _BOOL,
    "birthdayProperties": _DICT,
    "colorId": _STR,
    "conferenceData": _DICT,
    "description": _STR,
    "end": _DICT,
    "endTimeUnspecified": _BOOL,
    "eventType": _STR,
    "extendedProperties": _DICT,
    "focusTimeProperties": _DICT,
    "gadget": _DICT,
    "guestsCanInviteOthers": _BOOL,
    "guestsCanModify": _BOOL,
    "guestsCanSeeOtherGuests": _BOOL,
    "iCalUID": _STR,
    "id": _STR,
    "location": _STR,
    "locked": _BOOL,
    "outOfOfficeProperties": _DICT,
    "privateCopy": _BOOL,
    "recurrence": _LIST,
    "reminders": _DICT,
    "sequence": _INT,
    "source": _DICT,
    "start": _DICT,
    "status": _STR,
    "summary": _STR,
    "transparency": _STR,
    "visibility": _STR,
    "workingLocationProperties": _DICT,
}
# accepted (a client may send back what it read) but never taken from the body
READ_ONLY = {
    "kind": _STR,
    "etag": _STR,
    "htmlLink": _STR,
    "created": _STR,
    "updated": _STR,
    "creator": _DICT,
    "organizer": _DICT,
    "hangoutLink": _STR,
    "recurringEventId": _STR,
    "originalStartTime": _DICT,
}
ENUMS = {
    "status": {"confirmed", "tentative", "cancelled"},
    "transparency": {"opaque", "transparent"},
    "visibility": {"default", "public", "private", "confidential"},
    "eventType": {
        "default",
        "outOfOffice",
        "focusTime",
        "workingLocation",
        "birthday",
        "fromGmail",
    },
}
RESPONSES = {"needsAction", "declined", "tentative", "accepted"}
ATTENDEE_FIELDS = {
    "email",
    "displayName",
    "optional",
    "responseStatus",
    "comment",
    "additionalGuests",
    "resource",
    "id",
    "organizer",
    "self",
}
# fields whose change Google counts as a new revision of the invitation
SEQUENCE_FIELDS = ("start", "end", "recurrence", "location", "summary", "description")
PERSONAL_FIELDS = ("reminders", "colorId", "transparency")


def _type_ok(value, expected):
    if expected is _INT:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, expected)


def check_body(body):
    """The writable fields of an event body; unknown fields and bad types are a 400."""
    if not isinstance(body, dict):
        raise ApiError(400, "parseError", "Parse Error")
    clean = {}
    for name, value in body.items():
        expected = WRITABLE.get(name) or READ_ONLY.get(name)
        if expected is None:
            raise invalid(
                f'Invalid JSON payload received. Unknown name "{name}": Cannot find field.', name
            )
        if value is not None and not _type_ok(value, expected):
            raise invalid(f"Invalid value for: {name}", name)
        if name in ENUMS and value is not None and value not in ENUMS[name]:
            raise invalid(f"Invalid value for: {name}", name)
        if name in WRITABLE:
            clean[name] = copy.deepcopy(value)
    for line in clean.get("recurrence") or []:
        if not isinstance(line, str):
            raise invalid("Invalid recurrence rule.", "recurrence")
    reminders = clean.get("reminders")
    if reminders:
        for override in reminders.get("overrides") or []:
            if (
                not isinstance(override, dict)
                or override.get("method") not in ("email", "popup")
                or not _type_ok(override.get("minutes"), _INT)
            ):
                raise invalid("Invalid reminder.", "reminders.overrides")
    return clean


def merge_patch(target, patch):
    """Patch semantics: objects merge recursively, arrays are replaced, null clears."""
    for name, value in patch.items():
        if value is None:
            target.pop(name, None)
        elif isinstance(value, dict) and isinstance(target.get(name), dict):
            merge_patch(target[name], value)
        else:
            target[name] = copy.deepcopy(value)
    return target


def zone(name, label):
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise invalid(
            f"Invalid time zone definition for {label} time.", f"{label}.timeZone"
        ) from exc


def format_datetime(moment):
    text = moment.isoformat(timespec="seconds")
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _parse_when(when, label, calendar_tz, recurring):
    """Normalise one of start/end in place; returns ("date", date) or ("dateTime", aware)."""
    if not isinstance(when, dict):
        raise invalid(f"Invalid {label} time.", label)
    unknown = set(when) - {"date", "dateTime", "timeZone"}
    if unknown:
        raise invalid(f'Invalid JSON payload received. Unknown name "{unknown.pop()}".', label)
    value_date, value_time, tz_name = when.get("date"), when.get("dateTime"), when.get("timeZone")
    if value_date is not None and value_time is not None:
        raise invalid(f"Invalid {label} time.", label)
    if value_date is None and value_time is None:
        raise required(f"Missing {label} time.", label)
    tz = zone(tz_name, label) if tz_name is not None else None
    if value_date is not None:
        try:
            day = date.fromisoformat(value_date)
        except (TypeError, ValueError) as exc:
            raise invalid(f"Invalid {label} time.", f"{label}.date") from exc
        when.pop("dateTime", None)
        return "date", day
    try:
        moment = datetime.fromisoformat(value_time)
    except (TypeError, ValueError) as exc:
        raise invalid(f"Invalid {label} time.", f"{label}.dateTime") from exc
    if moment.tzinfo is None:
        if tz is None:
            raise invalid(f"Missing time zone definition for {label} time.", label)
        moment = moment.replace(tzinfo=tz)
    if recurring and tz is None:
        raise invalid(f"Missing time zone definition for {label} time.", label)
    when.pop("date", None)
    when["dateTime"] = format_datetime(moment.astimezone(tz or calendar_tz))
    return "dateTime", moment


def normalize_times(resource, calendar_tz):
    """Check start/end like Google and rewrite dateTime in the event's own zone."""
    recurring = bool(resource.get("recurrence"))
    if resource.get("start") is None:
        raise required("Missing start time.", "start")
    if resource.get("end") is None:
        raise required("Missing end time.", "end")
    start_kind, start = _parse_when(resource["start"], "start", calendar_tz, recurring)
    end_kind, end = _parse_when(resource["end"], "end", calendar_tz, recurring)
    if start_kind != end_kind:
        raise invalid("Start and end times must either both be date or both be dateTime.", "end")
    if end < start:
        raise ApiError(
            400,
            "timeRangeEmpty",
            "The specified time range is empty.",
            domain="calendar",
            location="end",
            location_type="parameter",
        )


def instant(when, calendar_tz):
    """An aware datetime for a start/end (a date is midnight in the calendar's zone)."""
    if "date" in when:
        return datetime.combine(date.fromisoformat(when["date"]), time(0), tzinfo=calendar_tz)
    return datetime.fromisoformat(when["dateTime"]).astimezone(UTC)


def normalize_attendees(attendees, organizer_email, viewer_email, previous=None):
    """Attendees as Google keeps them: lowercase unique emails, a responseStatus each."""
    known = {a["email"]: a for a in previous or [] if a.get("email")}
    result, seen = [], set()
    for attendee in attendees:
        if not isinstance(attendee, dict):
            raise invalid("Invalid attendee.", "attendees")
        unknown = set(attendee) - ATTENDEE_FIELDS
        if unknown:
            raise invalid(
                f'Invalid JSON payload received. Unknown name "{unknown.pop()}".', "attendees"
            )
        email = attendee.get("email")
        if not email or not isinstance(email, str) or "@" not in email:
            raise required("Missing attendee email.", "attendees.email")
        email = email.strip().lower()
        status = attendee.get("responseStatus")
        if status is not None and status not in RESPONSES:
            raise invalid("Invalid attendee response status.", "attendees.responseStatus")
        if email in seen:
            continue
        seen.add(email)
        clean = {k: v for k, v in attendee.items() if k not in ("self", "organizer", "id")}
        clean["email"] = email
        if status is None:
            clean["responseStatus"] = known.get(email, {}).get("responseStatus", "needsAction")
        if email == organizer_email:
            clean["organizer"] = True
        if email == viewer_email:
            clean["self"] = True
        result.append(clean)
    return result


def sequence_changed(before, after):
    return any(before.get(name) != after.get(name) for name in SEQUENCE_FIELDS)
