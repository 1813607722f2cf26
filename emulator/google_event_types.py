"""What Google lets a client do with each event type, and with omitted attendees.

From Google's guides (guides/event-types, guides/calendar-status) and the discovery
document: an event's type never changes after creation; ``fromGmail`` events cannot be
created through the API and keep everything but a few personal fields; birthdays are
all-day, yearly, and only their title and personal fields change; status events (out of
office, focus time, working location) describe the user and have no guests; working
location is public and free, out of office and focus time block time. ``attendeesOmitted``
on a read means the list holds only the viewer; on a write, that the list sent holds only
the attendees to change, so the others are kept.
"""

import copy

from .google_store import ApiError, invalid

STATUS_TYPES = ("outOfOffice", "focusTime", "workingLocation")
# fields a client may change on events of these types (anything else is refused)
PERSONAL = {"colorId", "reminders", "extendedProperties"}
EDITABLE = {
    "birthday": PERSONAL | {"summary"},
    "fromGmail": PERSONAL | {"visibility", "transparency", "status"},
}
_NOT_COMPARED = {"sequence", "attendees", "attendeesOmitted", "id", "iCalUID", "eventType"}


def _refuse(message, location="eventType"):
    raise invalid(message, location)


def _guests(resource):
    organizer = (resource.get("organizer") or {}).get("email")
    return [a for a in resource.get("attendees") or [] if a.get("email") != organizer]


def check_shape(resource):
    """The fields an event of its type must (not) have, on insert and after every write."""
    kind = resource.get("eventType", "default")
    if kind in STATUS_TYPES and _guests(resource):
        _refuse(f"A {kind} event cannot have attendees.", "attendees")
    if kind in ("outOfOffice", "focusTime") and resource.get("transparency") == "transparent":
        _refuse(f"A {kind} event blocks time: its transparency must be opaque.", "transparency")
    if kind == "workingLocation":
        if resource.get("transparency", "opaque") != "transparent":
            _refuse("A workingLocation event must be transparent.", "transparency")
        if resource.get("visibility", "default") != "public":
            _refuse("A workingLocation event must be public.", "visibility")
        if not (resource.get("workingLocationProperties") or {}).get("type"):
            _refuse("Missing workingLocationProperties.type.", "workingLocationProperties")
    if kind == "birthday":
        if "date" not in (resource.get("start") or {}):
            _refuse("A birthday event must be an all-day event.", "start")
        rules = resource.get("recurrence") or []
        if not any(line.upper().startswith("RRULE:FREQ=YEARLY") for line in rules):
            _refuse("A birthday event must recur yearly.", "recurrence")


def check_insert(data):
    if data.get("eventType") == "fromGmail":
        _refuse("Events of type fromGmail cannot be created.")


def _membership(attendees):
    return {a.get("email") for a in attendees}


def check_revision(old, new, by_attendee):
    """Refuse a write Google refuses: a new type, a field the type keeps, or an attendee
    changing the guest list (shared properties belong to the organizer)."""
    kind = old.get("eventType", "default")
    if new.get("eventType", "default") != kind:
        _refuse("The event type cannot be changed.")
    editable = EDITABLE.get(kind)
    if editable is not None:
        for name in (set(old) | set(new)) - editable - _NOT_COMPARED:
            if old.get(name) != new.get(name):
                _refuse(f"The {name} of a {kind} event cannot be changed.", name)
    if (editable is not None or by_attendee) and _membership(
        old.get("attendees") or []
    ) != _membership(new.get("attendees") or []):
        if by_attendee:
            raise ApiError(
                403,
                "forbiddenForNonOrganizer",
                "Shared properties can only be changed by the organizer of the event.",
            )
        _refuse(f"The attendees of a {kind} event cannot be changed.", "attendees")
    check_shape(new)


def merge_omitted(previous, sent):
    """``attendeesOmitted`` on a write: the attendees sent change theirs, the others stay."""
    merged = {a.get("email"): copy.deepcopy(a) for a in previous or []}
    for attendee in sent or []:
        email = (attendee.get("email") or "").strip().lower()
        merged[email] = {**merged.get(email, {}), **copy.deepcopy(attendee), "email": email}
    return list(merged.values())


def viewed(resource, viewer, is_organizer, max_attendees=None):
    """The resource a reader gets: only the viewer's own attendee entry (and
    ``attendeesOmitted``) when guests are hidden from them or above ``maxAttendees``."""
    attendees = resource.get("attendees") or []
    hidden = not is_organizer and resource.get("guestsCanSeeOtherGuests") is False
    too_many = max_attendees is not None and len(attendees) > max_attendees
    if not attendees or not (hidden or too_many):
        return resource
    view = copy.deepcopy(resource)
    view["attendees"] = [a for a in view["attendees"] if a.get("email") == viewer]
    view["attendeesOmitted"] = True
    return view
