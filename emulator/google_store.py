"""State of the Google emulator: mailboxes, calendars, events and their change logs.

Every calendar keeps an append-only change log of ``(position, event id)``; a sync token or
a page token is an encoded position in it, so an incremental list costs what changed since
that position, whatever the size of the calendar.
"""

import base64
import binascii
import bisect
import json
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

BASE32HEX = "0123456789abcdefghijklmnopqrstuv"


class ApiError(Exception):
    """A Calendar API failure; the provider renders it in Google's error shape."""

    def __init__(
        self,
        status,
        reason,
        message,
        domain="global",
        location=None,
        location_type=None,
        headers=None,
    ):
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.message = message
        self.domain = domain
        self.location = location
        self.location_type = location_type
        self.headers = headers or {}


def invalid(message, location=None):
    return ApiError(
        400, "invalid", message, location=location, location_type="parameter" if location else None
    )


def required(message, location=None):
    return ApiError(
        400, "required", message, location=location, location_type="parameter" if location else None
    )


def utcnow():
    return datetime.now(UTC)


def rfc3339(moment):
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def new_id(length=26):
    return "".join(secrets.choice(BASE32HEX) for _ in range(length))


def valid_event_id(value):
    return (
        isinstance(value, str)
        and 5 <= len(value) <= 1024
        and all(char in BASE32HEX for char in value)
    )


def html_link(event_id, calendar_id):
    eid = base64.urlsafe_b64encode(f"{event_id} {calendar_id}".encode()).decode().rstrip("=")
    return f"https://www.google.com/calendar/event?eid={eid}"


def encode_token(payload):
    raw = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token):
    """The payload of a sync/page token, or None when it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        payload = json.loads(raw)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    return payload if isinstance(payload, dict) else None


class Clock:
    """One increasing counter for change positions and etags (etag = quoted position)."""

    def __init__(self):
        self.value = int(time.time() * 1000) * 1000

    def tick(self):
        self.value += 1
        return self.value


@dataclass
class Entry:
    """One stored event (a single event, a recurring master or an exception)."""

    resource: dict
    seq: int = 0
    # reads left before a pending Meet createRequest turns into a conference
    conference_reads: int | None = None
    # on an attendee's copy: (organizer email, organizer calendar id)
    organizer_calendar: tuple | None = None
    # on an organizer's event: emails of attendees holding a copy
    copies: set = field(default_factory=set)

    @property
    def id(self):
        return self.resource["id"]

    @property
    def cancelled(self):
        return self.resource.get("status") == "cancelled"

    @property
    def recurring(self):
        return bool(self.resource.get("recurrence"))


class Calendar:
    def __init__(self, calendar_id, owner, summary, time_zone="UTC", primary=False):
        self.id = calendar_id
        self.owner = owner
        self.summary = summary
        self.time_zone = time_zone
        self.primary = primary
        self.entries = {}
        self._positions = []
        self._event_ids = []

    @property
    def tz(self):
        return ZoneInfo(self.time_zone)

    @property
    def position(self):
        return self._positions[-1] if self._positions else 0

    @property
    def etag(self):
        return f'"{self.position}"'

    def commit(self, entry, position):
        entry.seq = position
        entry.resource["etag"] = f'"{position}"'
        self.entries[entry.id] = entry
        self._positions.append(position)
        self._event_ids.append(entry.id)

    def changed(self, after, upto):
        """Entries whose latest change lies in (after, upto], oldest change first."""
        start = bisect.bisect_right(self._positions, after)
        stop = bisect.bisect_right(self._positions, upto)
        for index in range(start, stop):
            entry = self.entries[self._event_ids[index]]
            if entry.seq == self._positions[index]:
                yield entry


class Mailbox:
    """One Google user: their calendars (the primary one's id is the email)."""

    def __init__(self, email):
        self.email = email
        self.sync_generation = 0
        self.calendars = {email: Calendar(email, email, email, primary=True)}
        # calendars of other users in this user's calendarList: {calendar id: (owner, role)}
        # (an ACL rule the owner granted: reader, writer or freeBusyReader)
        self.shared = {}

    @property
    def primary(self):
        return self.calendars[self.email]
