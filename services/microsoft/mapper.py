"""Microsoft Graph event resources <-> neutral events (pure functions, no HTTP).

``to_remote`` reads what Graph returns with ``Prefer: outlook.timezone="UTC"`` (the client
always sends it); ``to_body`` writes the body of a create or update. A body that Graph stores
and returns unchanged maps back to an event with the same ``sync_hash``.
"""

import datetime as dt
import re
import zoneinfo
from html.parser import HTMLParser

from ..adapter import RemoteEvent
from ..exceptions import Forbidden
from ..mirror import GRAPH_MARK_ID, TRANSACTION_PREFIX
from ..neutral import Attendee, NeutralEvent
from ..timezones import iana_zone, windows_zone
from .recurrence import to_pattern, to_rrule

TEAMS = "teamsForBusiness"
RESPONSE_FROM_GRAPH = {
    "none": "needs_action",
    "notResponded": "needs_action",
    "accepted": "accepted",
    "declined": "declined",
    "tentativelyAccepted": "tentative",
    "organizer": "accepted",
}
# Graph has no "tentative" or "out of office" in neutral terms: they block time
SHOW_AS_FROM_GRAPH = {"free": "free"}
# Graph's freeBusyStatus for what the event is, beyond busy (Google's outOfOffice events)
SHOW_AS_BY_TYPE = {"out_of_office": "oof"}
# neutral "public" has no Graph level: normal is what everybody sees
SENSITIVITY_FROM_GRAPH = {"private": "private", "confidential": "private", "personal": "private"}
SENSITIVITY_TO_GRAPH = {"default": "normal", "public": "normal", "private": "private"}
_DATETIME = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d)?)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)?$")


class TeamsNotAllowed(Forbidden):
    """The calendar's allowedOnlineMeetingProviders lacks teamsForBusiness."""

    def __init__(self, allowed=()):
        allowed_text = ", ".join(p for p in allowed if p != "unknown") or "none"
        super().__init__(
            "Microsoft Teams meetings are not allowed for this Outlook calendar (allowed "
            f"online meeting providers: {allowed_text}). Ask your Microsoft 365 administrator "
            "to allow Teams, or create the event without a Teams meeting.",
            403,
            "TeamsNotAllowed",
        )
        self.allowed = tuple(allowed)


def event_timezone(item, default="UTC"):
    """The event's own zone label: a series' recurrenceTimeZone, else originalStartTimeZone,
    else a non-UTC start zone (Windows ids read through CLDR)."""
    rng = (item.get("recurrence") or {}).get("range") or {}
    label = iana_zone(rng.get("recurrenceTimeZone")) or iana_zone(item.get("originalStartTimeZone"))
    if label:
        return label
    label = iana_zone((item.get("start") or {}).get("timeZone"))
    if label and label != "UTC":
        return label
    return iana_zone(default) or "UTC"


def graph_time_zone(name):
    """The Windows id Graph gets for the IANA zone ``name`` ("UTC" when no Windows zone keeps
    its times: the instants stay right, only the label is lost)."""
    return windows_zone(name) or "UTC"


def parse_datetime(text, timezone="UTC"):
    """A Graph dateTime (up to 7 fractional digits, offset or not) -> aware UTC datetime.

    Without an offset it is read in ``timezone`` (the value's own ``timeZone``).
    """
    match = _DATETIME.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a Graph dateTime")
    base, fraction, offset = match.groups()
    moment = dt.datetime.fromisoformat(base).replace(
        microsecond=int((fraction or "0")[:6].ljust(6, "0"))
    )
    if offset:
        zone = dt.UTC if offset == "Z" else dt.datetime.fromisoformat(base + offset).tzinfo
    else:
        zone = zoneinfo.ZoneInfo(iana_zone(timezone) or "UTC")
    return moment.replace(tzinfo=zone).astimezone(dt.UTC)


def parse_when(when, all_day):
    """A Graph start/end: a date for an all-day event (floating midnight), else aware UTC."""
    if all_day:
        return dt.date.fromisoformat(when["dateTime"][:10])
    return parse_datetime(when["dateTime"], when.get("timeZone") or "UTC")


def original_start(item, timezone, all_day):
    """``originalStart`` of an occurrence or exception: its slot in the series. Graph's delta
    lists a plain occurrence bare (id, type, seriesMasterId, start, end): at its slot."""
    raw = item.get("originalStart")
    if not raw and item.get("type") == "occurrence" and item.get("start"):
        return parse_when(item["start"], all_day)
    if not raw:
        return None
    moment = parse_datetime(raw)
    return moment.astimezone(zoneinfo.ZoneInfo(timezone)).date() if all_day else moment


class _TextExtractor(HTMLParser):
    BLOCKS = {
        "p", "div", "li", "tr", "table", "ul", "ol", "blockquote", "pre", "section",
        "h1", "h2", "h3", "h4", "h5", "h6", "hr", "body",
    }  # fmt: skip
    HIDDEN = {"head", "style", "script", "title"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.chunks = []
        self.hidden = 0
        self.pre = 0

    def _newline(self):
        if self.chunks and not self.chunks[-1].endswith("\n"):
            self.chunks.append("\n")

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag == "br":
            self.chunks.append("\n")
        elif tag in self.BLOCKS:
            self.pre += tag == "pre"
            self._newline()

    def handle_startendtag(self, tag, attrs):
        if tag == "br":
            self.chunks.append("\n")
        elif tag in self.BLOCKS:
            self._newline()

    def handle_endtag(self, tag):
        if tag in self.HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in self.BLOCKS:
            self.pre = max(0, self.pre - (tag == "pre"))
            self._newline()

    def handle_data(self, data):
        if self.hidden:
            return
        data = data.replace("\xa0", " ")
        if not self.pre:
            data = re.sub(r"\s+", " ", data)
            if not self.chunks or self.chunks[-1].endswith("\n"):
                data = data.lstrip()
        if data:
            self.chunks.append(data)


def html_to_text(html):
    """Plain text of an HTML body: line breaks for <br> and blocks, markup and head dropped."""
    parser = _TextExtractor()
    parser.feed(html or "")
    parser.close()
    lines = [line.strip() for line in "".join(parser.chunks).split("\n")]
    return "\n".join(lines).strip()


def body_text(body):
    body = body or {}
    content = body.get("content") or ""
    if (body.get("contentType") or "text").lower() == "html":
        return html_to_text(content)
    return content


def _name(email_address):
    name = (email_address.get("name") or "").strip()
    address = (email_address.get("address") or "").strip()
    # Graph fills a missing name with the address: no name worth keeping
    return "" if name.lower() == address.lower() else name


def _attendees(item, organizer_email):
    found = []
    for raw in item.get("attendees") or []:
        address = ((raw.get("emailAddress") or {}).get("address") or "").strip()
        if raw.get("type") == "resource" or not address:
            continue
        is_organizer = address.lower() == organizer_email
        response = (raw.get("status") or {}).get("response")
        found.append(
            Attendee(
                email=address,
                name=_name(raw["emailAddress"]),
                response="accepted"
                if is_organizer
                else RESPONSE_FROM_GRAPH.get(response, "needs_action"),
                organizer=is_organizer,
                optional=raw.get("type") == "optional",
            )
        )
    organizer = (item.get("organizer") or {}).get("emailAddress") or {}
    if found and organizer_email and not any(a.organizer for a in found):
        # Graph keeps the organizer out of the attendees; neutral events list them
        found.append(
            Attendee(
                email=organizer_email, name=_name(organizer), response="accepted", organizer=True
            )
        )
    return tuple(found)


def meeting_of(item):
    """``(provider, url, pending)`` of the event's Teams meeting, if any."""
    if not item.get("isOnlineMeeting") or item.get("onlineMeetingProvider") != TEAMS:
        return "none", "", False
    url = (item.get("onlineMeeting") or {}).get("joinUrl") or ""
    return "teams", url, not url


def mirror_mark_of(item):
    """The mark of a mirrored busy block: its extended property when Graph was asked for it
    ($expand), else its create's transactionId (the delta cannot expand extended properties)."""
    for prop in item.get("singleValueExtendedProperties") or []:
        if (prop.get("id") or "").lower() == GRAPH_MARK_ID.lower() and prop.get("value"):
            return prop["value"]
    transaction = item.get("transactionId") or ""
    return transaction if transaction.startswith(TRANSACTION_PREFIX) else ""


def to_remote(item, account_email, default_timezone="UTC"):
    """The RemoteEvent of one Graph event (or ``@removed`` entry) of the account's calendar.

    ``default_timezone`` labels events whose own zone cannot be read.
    """
    if "@removed" in item:
        return RemoteEvent(item["id"], deleted=True)
    account_email = (account_email or "").strip().lower()
    timezone = event_timezone(item, default_timezone)
    all_day = bool(item.get("isAllDay"))
    kind = item.get("type") or "singleInstance"
    in_series = kind in ("occurrence", "exception")
    organizer_email = (
        ((item.get("organizer") or {}).get("emailAddress") or {}).get("address") or ""
    ).lower()
    provider, url, pending = meeting_of(item)
    recurrence = ()
    if kind == "seriesMaster" and item.get("recurrence"):
        recurrence = to_rrule(item["recurrence"], timezone, all_day=all_day)
    event = NeutralEvent(
        title=item.get("subject") or "",
        start=parse_when(item["start"], all_day),
        end=parse_when(item["end"], all_day),
        all_day=all_day,
        timezone=timezone,
        description=body_text(item.get("body")),
        location=(item.get("location") or {}).get("displayName") or "",
        attendees=_attendees(item, organizer_email),
        organizer_email=organizer_email,
        recurrence=recurrence,
        status="cancelled" if item.get("isCancelled") else "confirmed",
        show_as=SHOW_AS_FROM_GRAPH.get(item.get("showAs"), "busy"),
        privacy=SENSITIVITY_FROM_GRAPH.get(item.get("sensitivity"), "default"),
        online_meeting_provider=provider,
        online_meeting_url=url,
        ical_uid=item.get("iCalUId") or "",
    )
    if "isOrganizer" in item:
        is_organizer = bool(item["isOrganizer"])
    else:
        is_organizer = not organizer_email or organizer_email == account_email
    response = (item.get("responseStatus") or {}).get("response")
    return RemoteEvent(
        external_id=item["id"],
        etag=item.get("@odata.etag") or "",
        change_key=item.get("changeKey") or "",
        ical_uid=item.get("iCalUId") or "",
        event=event,
        recurring_external_id=(item.get("seriesMasterId") or "") if in_series else "",
        original_start=original_start(item, timezone, all_day) if in_series else None,
        is_organizer=is_organizer,
        self_response=RESPONSE_FROM_GRAPH.get(response, "") if response else "",
        meeting_pending=pending,
        client_token=item.get("transactionId") or "",
        mirror_mark=mirror_mark_of(item),
    )


def _when_body(value, all_day, timezone):
    windows = graph_time_zone(timezone)
    if all_day:
        return {"dateTime": f"{value.isoformat()}T00:00:00", "timeZone": windows}
    zone = zoneinfo.ZoneInfo("UTC" if windows == "UTC" else timezone)
    local = value.astimezone(zone).replace(tzinfo=None)
    return {"dateTime": local.isoformat(timespec="seconds"), "timeZone": windows}


def _attendee_body(attendee):
    address = {"address": attendee.email}
    if attendee.name:
        address["name"] = attendee.name
    return {"emailAddress": address, "type": "optional" if attendee.optional else "required"}


def to_body(event: NeutralEvent, want_meeting=False, allowed_providers=None, mark="") -> dict:
    """The create/update body of ``event`` (every synced field Graph can hold).

    A Teams meeting is asked for only with ``want_meeting`` (and when the event has none
    yet); nothing here ever turns an existing meeting off. ``allowed_providers`` is the
    calendar's allowedOnlineMeetingProviders: ``TeamsNotAllowed`` when Teams is not in it.
    ``mark``: a mirrored busy block's mark (services/mirror.py), a single-value extended
    property.
    """
    organizer = event.organizer_email
    body = {
        "subject": event.title,
        "body": {"contentType": "text", "content": event.description},
        "location": {"displayName": event.location},
        "start": _when_body(event.start, event.all_day, event.timezone),
        "end": _when_body(event.end, event.all_day, event.timezone),
        "isAllDay": event.all_day,
        # the organizer is the event's owner on Graph, never one of its attendees
        "attendees": [
            _attendee_body(a) for a in event.attendees if not a.organizer and a.email != organizer
        ],
        "showAs": SHOW_AS_BY_TYPE.get(event.event_type, event.show_as),
        "sensitivity": SENSITIVITY_TO_GRAPH[event.privacy],
    }
    recurrence = to_pattern(event.recurrence, event.start, event.timezone)
    if recurrence:
        recurrence["range"]["recurrenceTimeZone"] = graph_time_zone(event.timezone)
        body["recurrence"] = recurrence
    if mark:
        body["singleValueExtendedProperties"] = [{"id": GRAPH_MARK_ID, "value": mark}]
        # the source event reminds the user already
        body["isReminderOn"] = False
    if want_meeting and not event.online_meeting_url:
        if allowed_providers is not None and TEAMS not in allowed_providers:
            raise TeamsNotAllowed(allowed_providers)
        body["isOnlineMeeting"] = True
        body["onlineMeetingProvider"] = TEAMS
    return body
