"""Values and state of the Microsoft Graph emulator: errors, ids, times, mailboxes, recurrence."""

import bisect
import datetime as dt
import re
import secrets
import uuid
from zoneinfo import ZoneInfoNotFoundError

from dateutil import rrule

from .microsoft_time_zones import zone_info

UTC = dt.UTC
NO_TIME = "0001-01-01T00:00:00Z"
ID_PREFIX = "AAMkAG"
MAX_CONCURRENT = 4


class GraphError(Exception):
    """A Graph error answer: ``{"error": {"code", "message", "innerError"}}``."""

    def __init__(self, status, code, message, headers=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def bad_request(message, code="ErrorInvalidRequest"):
    return GraphError(400, code, message)


def not_found(message="The specified object was not found in the store."):
    return GraphError(404, "ErrorItemNotFound", message)


def new_id():
    """An Exchange-looking opaque id (url-safe, no dots: dots separate occurrence ids)."""
    return ID_PREFIX + secrets.token_urlsafe(36).replace("-", "A").replace("_", "B")


def new_change_key():
    return secrets.token_urlsafe(18).replace("-", "A").replace("_", "B")


def etag(change_key):
    return f'W/"{change_key}"'


def now():
    return dt.datetime.now(UTC)


def iso(moment):
    """Graph's DateTimeOffset rendering: seven fractional digits and a Z."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}0Z"


def iso_seconds(moment):
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def zone(name):
    """The tzinfo for a Graph ``timeZone`` value: a Windows id or one of the IANA names Graph
    documents (``microsoft_time_zones``); anything else is refused as Graph refuses it."""
    name = (name or "UTC").strip()
    try:
        found = zone_info(name)
        if found is None:
            raise ZoneInfoNotFoundError(name)
        return found
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise GraphError(
            400,
            "TimeZoneNotSupportedException",
            f"A valid TimeZone value must be specified. The following TimeZone value is not "
            f"supported: '{name}'.",
        ) from exc


_DATETIME = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d)?)(\.\d+)?(Z|[+-]\d\d:\d\d)?$")


def parse_datetime(value, field="dateTime"):
    """A Graph ``dateTime`` string -> naive or aware datetime (7 fractional digits allowed)."""
    match = _DATETIME.match(value or "") if isinstance(value, str) else None
    if not match:
        raise bad_request(
            f"Cannot convert the literal '{value}' to the expected type of {field}.",
            "RequestBodyRead",
        )
    base, fraction, offset = match.groups()
    micro = int((fraction or ".0")[1:7].ljust(6, "0"))
    moment = dt.datetime.fromisoformat(base).replace(microsecond=micro)
    if offset:
        moment = (
            moment.replace(tzinfo=UTC)
            if offset == "Z"
            else dt.datetime.fromisoformat(base + offset).replace(microsecond=micro)
        )
    return moment


def parse_time_zone_pair(value, field):
    """``{"dateTime", "timeZone"}`` -> (aware datetime in that zone, zone name)."""
    if not isinstance(value, dict) or not value.get("dateTime"):
        raise bad_request(f"The '{field}' property with a dateTime is required.")
    name = value.get("timeZone") or "UTC"
    tz = zone(name)
    moment = parse_datetime(value["dateTime"], field)
    moment = moment.astimezone(tz) if moment.tzinfo else moment.replace(tzinfo=tz)
    return moment, name


def parse_query_datetime(value, name):
    """``startDateTime``-style query parameters; without an offset they are UTC."""
    if not value:
        raise bad_request(
            "This request requires a time window specified by the query string parameters "
            "StartDateTime and EndDateTime.",
            "ErrorInvalidParameter",
        )
    try:
        moment = parse_datetime(value.replace(" ", "+"), name)
    except GraphError as exc:
        raise bad_request(
            f"The parameter '{name}' is not a valid date time.", "ErrorInvalidParameter"
        ) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def render_time(moment, all_day, tz_name):
    """Render for a ``Prefer: outlook.timezone`` zone; all-day times are floating midnights."""
    local = moment.replace(tzinfo=None) if all_day else moment.astimezone(zone(tz_name))
    text = local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond:06d}0"
    return {"dateTime": text, "timeZone": tz_name}


class Mailbox:
    """One user's calendars and events (series masters, single events and exceptions)."""

    def __init__(self, user):
        self.user = user
        self.calendars = {}
        self.events = {}
        self.transactions = {}
        self.default_calendar_id = None
        self.allowed_providers = ["teamsForBusiness"]

    def add_calendar(self, name, is_default=False, can_edit=True):
        cal_id = new_id()
        self.calendars[cal_id] = {
            "id": cal_id,
            "name": name,
            "color": "auto",
            "hexColor": "",
            "isDefaultCalendar": is_default,
            "changeKey": new_change_key(),
            "canShare": can_edit,
            "canViewPrivateItems": True,
            "canEdit": can_edit,
            "isRemovable": not is_default,
            "isTallyingResponses": True,
            "allowedOnlineMeetingProviders": list(self.allowed_providers),
            "defaultOnlineMeetingProvider": self.allowed_providers[0]
            if self.allowed_providers
            else "unknown",
            "owner": {"name": self.user.name, "address": self.user.email},
            "_log": [],
            "_seqs": [],
        }
        if is_default:
            self.default_calendar_id = cal_id
        return self.calendars[cal_id]

    def calendar(self, cal_id=None):
        cal = self.calendars.get(cal_id or self.default_calendar_id)
        if cal is None:
            raise not_found()
        return cal

    def log_change(self, cal, seq, event_id, previous):
        """Remember that ``event_id`` changed; ``previous`` is its snapshot before (or None)."""
        cal["_seqs"].append(seq)
        cal["_log"].append((seq, event_id, previous))

    def changes_since(self, cal, seq):
        start = bisect.bisect_right(cal["_seqs"], seq)
        return cal["_log"][start:]


def occurrence_id(master_id, key):
    return f"{master_id}.{key}"


def split_occurrence_id(event_id):
    master_id, _, key = event_id.partition(".")
    return master_id, key or None


def occurrence_key(original_start):
    return original_start.astimezone(UTC).strftime("%Y%m%dT%H%M%S")


def key_to_datetime(key):
    return dt.datetime.strptime(key, "%Y%m%dT%H%M%S").replace(tzinfo=UTC)


_WEEKDAYS = {
    "monday": rrule.MO,
    "tuesday": rrule.TU,
    "wednesday": rrule.WE,
    "thursday": rrule.TH,
    "friday": rrule.FR,
    "saturday": rrule.SA,
    "sunday": rrule.SU,
}
_INDEX = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1}
_FREQ = {
    "daily": rrule.DAILY,
    "weekly": rrule.WEEKLY,
    "absoluteMonthly": rrule.MONTHLY,
    "relativeMonthly": rrule.MONTHLY,
    "absoluteYearly": rrule.YEARLY,
    "relativeYearly": rrule.YEARLY,
}


def validate_recurrence(recurrence):
    """Check a patternedRecurrence the way Outlook does; raises a 400 GraphError."""
    pattern = recurrence.get("pattern") or {}
    rng = recurrence.get("range") or {}
    kind = pattern.get("type")
    if kind not in _FREQ:
        raise bad_request(f"Recurrence pattern type '{kind}' is not valid.")
    if (pattern.get("interval") or 0) < 1:
        raise bad_request("Recurrence pattern interval must be a positive integer.")
    needs = {
        "weekly": ("daysOfWeek",),
        "absoluteMonthly": ("dayOfMonth",),
        "relativeMonthly": ("daysOfWeek",),
        "absoluteYearly": ("dayOfMonth", "month"),
        "relativeYearly": ("daysOfWeek", "month"),
    }.get(kind, ())
    for name in needs:
        if not pattern.get(name):
            raise bad_request(f"Recurrence pattern '{kind}' requires '{name}'.")
    if pattern.get("dayOfMonth") and not 1 <= pattern["dayOfMonth"] <= 31:
        raise bad_request("Recurrence pattern dayOfMonth must be between 1 and 31.")
    if pattern.get("month") and not 1 <= pattern["month"] <= 12:
        raise bad_request("Recurrence pattern month must be between 1 and 12.")
    if rng.get("type") not in ("endDate", "noEnd", "numbered"):
        raise bad_request("Recurrence range type must be endDate, noEnd or numbered.")
    for name in ("startDate",) + (("endDate",) if rng["type"] == "endDate" else ()):
        try:
            dt.date.fromisoformat(rng.get(name) or "")
        except ValueError as exc:
            raise bad_request(f"Recurrence range '{name}' must be a date.") from exc
    if rng["type"] == "numbered" and (rng.get("numberOfOccurrences") or 0) < 1:
        raise bad_request("Recurrence range numberOfOccurrences must be a positive integer.")
    if rng.get("recurrenceTimeZone"):
        zone(rng["recurrenceTimeZone"])


def _month_days(day):
    # Outlook puts "day 31" on the last day of shorter months
    return (
        {"bymonthday": day}
        if day <= 28
        else {"bymonthday": [d for d in range(28, day + 1)], "bysetpos": -1}
    )


def _rule(master, dtstart):
    pattern = master["recurrence"]["pattern"]
    rng = master["recurrence"]["range"]
    kind = pattern["type"]
    kwargs = {"dtstart": dtstart, "interval": pattern.get("interval") or 1}
    days = [_WEEKDAYS[d.lower()] for d in pattern.get("daysOfWeek") or []]
    if kind == "weekly":
        kwargs["byweekday"] = days
        kwargs["wkst"] = _WEEKDAYS[(pattern.get("firstDayOfWeek") or "sunday").lower()]
    elif kind == "absoluteMonthly":
        kwargs.update(_month_days(pattern["dayOfMonth"]))
    elif kind in ("relativeMonthly", "relativeYearly"):
        kwargs["byweekday"] = days
        kwargs["bysetpos"] = _INDEX[pattern.get("index") or "first"]
    if kind == "absoluteYearly":
        kwargs.update(_month_days(pattern["dayOfMonth"]))
    if kind in ("absoluteYearly", "relativeYearly"):
        kwargs["bymonth"] = pattern["month"]
    if rng["type"] == "endDate":
        kwargs["until"] = dt.datetime.combine(dt.date.fromisoformat(rng["endDate"]), dt.time.max)
    elif rng["type"] == "numbered":
        kwargs["count"] = rng["numberOfOccurrences"]
    return rrule.rrule(_FREQ[kind], **kwargs)


def expand(master, window_start, window_end):
    """(key, start, end) of every occurrence of a series overlapping the window.

    Occurrences are generated in wall-clock time of the recurrence zone (so a 9:00 meeting
    stays at 9:00 across DST) and keep the master's duration.
    """
    rng = master["recurrence"]["range"]
    all_day = master["isAllDay"]
    tz = (
        master["_start"].tzinfo if all_day else zone(rng.get("recurrenceTimeZone") or master["_tz"])
    )
    local_start = master["_start"].astimezone(tz)
    duration = master["_end"] - master["_start"]
    first_day = dt.date.fromisoformat(rng["startDate"])
    dtstart = dt.datetime.combine(first_day, local_start.time().replace(tzinfo=None))
    found = []
    for naive in _rule(master, dtstart):
        start = naive.replace(tzinfo=tz)
        if all_day:
            end = (naive + duration).replace(tzinfo=tz)
        else:
            end = (start.astimezone(UTC) + duration).astimezone(tz)
        if start >= window_end:
            break
        if end > window_start or (start == end and start >= window_start):
            found.append((occurrence_key(start), start, end))
    return found


GOID_PREFIX = "040000008200E00074C5B7101A82E008"


def new_uid():
    """An Exchange global object id: the instance date (bytes 16-19) is zero for a series."""
    return GOID_PREFIX + "00000000" + "0" * 16 + "1000000000000000" + uuid.uuid4().hex.upper()


def occurrence_uid(uid, start):
    """Graph gives each occurrence its own iCalUId: the series id with the instance date."""
    if not uid.startswith(GOID_PREFIX):
        return uid
    stamp = f"{start.year:04X}{start.month:02X}{start.day:02X}"
    return uid[:32] + stamp + uid[40:]
