"""The provider-neutral event that both mappers convert to and from.

Odoo, Google and Graph events all become a ``NeutralEvent``; hashing, change detection and
the three-way merge work on it only, so they are written once for every provider.
"""

import dataclasses
import hashlib
import json
import zoneinfo
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime

from .rrule import content_line
from .timezones import same_instants_label

RESPONSES = ("needs_action", "accepted", "declined", "tentative")
STATUSES = ("confirmed", "tentative", "cancelled")
SHOW_AS = ("busy", "free")
PRIVACIES = ("default", "public", "private")
MEETING_PROVIDERS = ("none", "google_meet", "teams")
RECURRENCE_PROPERTIES = ("RRULE", "EXRULE", "RDATE", "EXDATE")
# what the event is beyond a meeting (Google's eventType); fixed when the provider made it
EVENT_TYPES = (
    "default",
    "out_of_office",
    "focus_time",
    "working_location",
    "birthday",
    "from_gmail",
)

# Assigned by the provider, so a difference there is not a change to push or merge.
# attendees_omitted: the provider showed only part of the guest list (Google's
# attendeesOmitted), so the attendees held are not all of them.
PROVIDER_ASSIGNED_FIELDS = ("ical_uid", "online_meeting_url", "event_type", "attendees_omitted")


def _check_choice(owner: str, name: str, value, choices) -> None:
    if value not in choices:
        raise ValueError(f"{owner}.{name} must be one of {', '.join(choices)}; got {value!r}")


def _check_str(owner: str, name: str, value) -> None:
    if not isinstance(value, str):
        raise ValueError(f"{owner}.{name} must be a string, got {type(value).__name__}")


def _clean_text(value: str) -> str:
    """The form a text field is compared in: trimmed, with Unix line ends."""
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


@dataclass(frozen=True)
class Attendee:
    email: str
    name: str = ""
    response: str = "needs_action"
    organizer: bool = False
    optional: bool = False

    def __post_init__(self):
        _check_str("Attendee", "email", self.email)
        _check_str("Attendee", "name", self.name)
        email = self.email.strip().lower()
        if not email:
            raise ValueError("Attendee.email must not be empty")
        object.__setattr__(self, "email", email)
        _check_choice("Attendee", "response", self.response, RESPONSES)
        object.__setattr__(self, "organizer", bool(self.organizer))
        object.__setattr__(self, "optional", bool(self.optional))

    def canonical(self) -> dict:
        return {
            "email": self.email,
            "name": _clean_text(self.name),
            "response": self.response,
            "organizer": self.organizer,
            "optional": self.optional,
        }


# parts that do not change which occurrences a rule makes, in their default value
_NEUTRAL_RULE_PARTS = {"INTERVAL": "1", "WKST": "MO"}


def _wkst_matters(parts) -> bool:
    """WKST changes the dates of a weekly rule with INTERVAL > 1 only (RFC 5545 3.3.10)."""
    return parts.get("FREQ") == "WEEKLY" and parts.get("INTERVAL", "1") not in ("", "1")


def _canonical_rule(line: str) -> str:
    """One text per RRULE/EXRULE: FREQ first, the other parts by name, defaults left out
    (WKST too where it changes no date); so the same rule written by Google, Graph's mapper
    or Odoo hashes the same."""
    name, _, value = line.partition(":")
    if content_line(line)[0] not in ("RRULE", "EXRULE") or "=" not in value:
        return line
    parts = {}
    for part in value.split(";"):
        key, _, item = part.partition("=")
        key, item = key.strip().upper(), item.strip()
        if key and _NEUTRAL_RULE_PARTS.get(key) != item.upper():
            parts[key] = item.upper() if key == "WKST" else item
    if not _wkst_matters(parts):
        parts.pop("WKST", None)
    freq = parts.pop("FREQ", None)
    ordered = ([f"FREQ={freq}"] if freq else []) + [f"{k}={parts[k]}" for k in sorted(parts)]
    return f"{name.upper()}:{';'.join(ordered)}"


@dataclass(frozen=True)
class NeutralEvent:
    """One event. Timed: aware datetimes, stored in UTC. All-day: dates, end exclusive."""

    title: str
    start: date | datetime
    end: date | datetime
    all_day: bool
    timezone: str
    description: str = ""
    location: str = ""
    attendees: tuple[Attendee, ...] = ()
    organizer_email: str = ""
    recurrence: tuple[str, ...] = ()
    status: str = "confirmed"
    show_as: str = "busy"
    privacy: str = "default"
    online_meeting_provider: str = "none"
    online_meeting_url: str = ""
    ical_uid: str = ""
    event_type: str = "default"
    attendees_omitted: bool = False

    def __post_init__(self):
        for name in ("title", "timezone", "description", "location", "organizer_email"):
            _check_str("NeutralEvent", name, getattr(self, name))
        for name in ("online_meeting_url", "ical_uid"):
            _check_str("NeutralEvent", name, getattr(self, name))
        object.__setattr__(self, "all_day", bool(self.all_day))
        self._normalise_when()
        self._check_timezone()
        object.__setattr__(self, "organizer_email", self.organizer_email.strip().lower())
        object.__setattr__(self, "attendees", self._normalise_attendees(self.attendees))
        object.__setattr__(self, "recurrence", self._normalise_recurrence(self.recurrence))
        _check_choice("NeutralEvent", "status", self.status, STATUSES)
        _check_choice("NeutralEvent", "show_as", self.show_as, SHOW_AS)
        _check_choice("NeutralEvent", "privacy", self.privacy, PRIVACIES)
        _check_choice("NeutralEvent", "event_type", self.event_type, EVENT_TYPES)
        object.__setattr__(self, "attendees_omitted", bool(self.attendees_omitted))
        _check_choice(
            "NeutralEvent",
            "online_meeting_provider",
            self.online_meeting_provider,
            MEETING_PROVIDERS,
        )

    def _normalise_when(self):
        if self.all_day:
            for name in ("start", "end"):
                value = getattr(self, name)
                if isinstance(value, datetime) or not isinstance(value, date):
                    raise ValueError(
                        f"all-day event {name} must be a date (not a datetime), got {value!r}"
                    )
            if self.end <= self.start:
                raise ValueError(
                    f"all-day event end {self.end} must be after start {self.start} "
                    "(the end date is exclusive: a one-day event ends the next day)"
                )
            return
        for name in ("start", "end"):
            value = getattr(self, name)
            if not isinstance(value, datetime):
                raise ValueError(f"timed event {name} must be a datetime, got {value!r}")
            if value.tzinfo is None or value.utcoffset() is None:
                raise ValueError(f"timed event {name} must be timezone-aware, got {value!r}")
            object.__setattr__(self, name, value.astimezone(UTC))
        # Zero-length events exist on Odoo, Google and Outlook alike (reminders, deadlines).
        if self.end < self.start:
            raise ValueError(
                f"event end {self.end.isoformat()} is before start {self.start.isoformat()}"
            )

    def _check_timezone(self):
        if not self.timezone:
            raise ValueError("NeutralEvent.timezone must be an IANA zone name, e.g. 'UTC'")
        try:
            zoneinfo.ZoneInfo(self.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"NeutralEvent.timezone {self.timezone!r} is not a known IANA zone name"
            ) from None

    @staticmethod
    def _normalise_attendees(attendees) -> tuple[Attendee, ...]:
        """Sorted by email; a second entry for the same email is dropped (same mailbox)."""
        by_email = {}
        for attendee in attendees:
            if not isinstance(attendee, Attendee):
                raise ValueError(f"NeutralEvent.attendees must hold Attendee, got {attendee!r}")
            by_email.setdefault(attendee.email, attendee)
        return tuple(by_email[email] for email in sorted(by_email))

    @staticmethod
    def _normalise_recurrence(lines) -> tuple[str, ...]:
        """Trimmed, de-duplicated and sorted: the order of RFC 5545 properties is meaningless."""
        if isinstance(lines, str):
            raise ValueError("NeutralEvent.recurrence must be a sequence of lines, not a string")
        cleaned = set()
        for line in lines:
            _check_str("NeutralEvent", "recurrence line", line)
            line = line.strip()
            if not line:
                continue
            if content_line(line)[0] not in RECURRENCE_PROPERTIES or ":" not in line:
                raise ValueError(
                    f"recurrence line {line!r} must be an RRULE, EXRULE, RDATE or EXDATE property"
                )
            cleaned.add(_canonical_rule(line))
        return tuple(sorted(cleaned))

    def attendee(self, email: str) -> Attendee | None:
        email = email.strip().lower()
        return next((a for a in self.attendees if a.email == email), None)


SYNCED_FIELDS = tuple(
    f.name for f in fields(NeutralEvent) if f.name not in PROVIDER_ASSIGNED_FIELDS
)

_TEXT_FIELDS = ("title", "timezone", "description", "location", "organizer_email")


def _when_text(value: date | datetime) -> str:
    return value.isoformat()


def canonical_value(event: NeutralEvent, name: str):
    """JSON value of one field in the form sync compares it (see ``sync_hash``)."""
    value = getattr(event, name)
    if name in ("start", "end"):
        return _when_text(value)
    if name == "timezone":
        # zones with one Windows id are one zone to Graph (same instants): the same value
        return same_instants_label(value)
    if name in _TEXT_FIELDS:
        return _clean_text(value)
    if name == "attendees":
        return [attendee.canonical() for attendee in value]
    if name == "recurrence":
        return list(value)
    return value


def canonical(event: NeutralEvent) -> dict:
    """The synced fields only, normalised: what ``sync_hash`` hashes."""
    return {name: canonical_value(event, name) for name in SYNCED_FIELDS}


def sync_hash(event: NeutralEvent) -> str:
    """sha256 of the synced fields; equal for events that need no sync between them."""
    text = json.dumps(canonical(event), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def changed_fields(a: NeutralEvent | None, b: NeutralEvent | None) -> set[str]:
    """Synced fields whose values differ; every synced field when one side is missing."""
    if a is None or b is None:
        return set() if a is b else set(SYNCED_FIELDS)
    return {name for name in SYNCED_FIELDS if canonical_value(a, name) != canonical_value(b, name)}


def only_exdates_changed(event: NeutralEvent | None, base: NeutralEvent | None) -> bool:
    """Whether a series differs from what was last synced (``base``) by EXDATEs alone: some
    occurrences cancelled (or restored), nothing else changed."""
    if event is None or base is None or not event.recurrence:
        return False

    def rule(value):
        kept = tuple(line for line in value.recurrence if not line.upper().startswith("EXDATE"))
        return dataclasses.replace(value, recurrence=kept)

    return event != base and rule(event) == rule(base)


def to_snapshot(event: NeutralEvent) -> dict:
    """Every field as JSON-serialisable data, exactly as stored (round-trips)."""
    snapshot = {}
    for f in fields(NeutralEvent):
        value = getattr(event, f.name)
        if f.name in ("start", "end"):
            value = _when_text(value)
        elif f.name == "attendees":
            value = [
                {
                    "email": a.email,
                    "name": a.name,
                    "response": a.response,
                    "organizer": a.organizer,
                    "optional": a.optional,
                }
                for a in value
            ]
        elif f.name == "recurrence":
            value = list(value)
        snapshot[f.name] = value
    return snapshot


def from_snapshot(data: dict) -> NeutralEvent:
    """Rebuild an event from ``to_snapshot`` output; unknown keys are ignored."""
    if not isinstance(data, dict):
        raise ValueError(f"event snapshot must be a dict, got {type(data).__name__}")
    missing = [
        name for name in ("title", "start", "end", "all_day", "timezone") if name not in data
    ]
    if missing:
        raise ValueError(f"event snapshot lacks {', '.join(missing)}")
    known = {f.name for f in fields(NeutralEvent)}
    values = {name: value for name, value in data.items() if name in known}
    parse = date.fromisoformat if values["all_day"] else datetime.fromisoformat
    for name in ("start", "end"):
        if not isinstance(values[name], str):
            raise ValueError(f"event snapshot {name} must be an ISO string")
        values[name] = parse(values[name])
    values["attendees"] = tuple(Attendee(**a) for a in values.get("attendees", ()))
    values["recurrence"] = tuple(values.get("recurrence", ()))
    return NeutralEvent(**values)
