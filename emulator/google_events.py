"""Validation and normalisation of Calendar API event bodies, the way Google answers them."""

import copy
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import google_discovery as discovery
from .google_store import ApiError, invalid, required

# set by the server: a client may send back what it read, the emulator ignores them
READ_ONLY = {
    "kind",
    "etag",
    "htmlLink",
    "created",
    "updated",
    "creator",
    "organizer",
    "hangoutLink",
    "recurringEventId",
    "originalStartTime",
}
WRITABLE = frozenset(discovery.schema("Event")["properties"]) - READ_ONLY
# fields whose change Google counts as a new revision of the invitation
SEQUENCE_FIELDS = ("start", "end", "recurrence", "location", "summary", "description")
PERSONAL_FIELDS = ("reminders", "colorId", "transparency")


def check_body(body):
    """The writable fields of an event body, judged by Google's discovery document."""
    if not isinstance(body, dict):
        raise ApiError(400, "parseError", "Parse Error")
    discovery.check_event(body)
    return {name: copy.deepcopy(value) for name, value in body.items() if name in WRITABLE}


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
        email = attendee.get("email")
        if not email or not isinstance(email, str) or "@" not in email:
            raise required("Missing attendee email.", "attendees.email")
        email = email.strip().lower()
        status = attendee.get("responseStatus")
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
