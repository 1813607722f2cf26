"""Event records of the Graph emulator: applying a body, series expansion, rendering.

A mailbox stores single events, series masters and exceptions (a modified occurrence, whose
``_overrides`` hold only the fields changed on it). Plain occurrences are computed from the
master on demand; their id is ``{master id}.{original start in UTC}``.
"""

import base64
import copy
import datetime as dt
import hashlib
import re
import secrets

from .microsoft_store import (
    NO_TIME,
    UTC,
    bad_request,
    etag,
    expand,
    iso,
    iso_seconds,
    key_to_datetime,
    new_change_key,
    new_id,
    new_uid,
    now,
    occurrence_id,
    occurrence_uid,
    parse_time_zone_pair,
    render_time,
    split_occurrence_id,
    validate_recurrence,
)

DEFAULTS = {
    "subject": "",
    "body": {"contentType": "html", "content": ""},
    "importance": "normal",
    "sensitivity": "normal",
    "showAs": "busy",
    "isAllDay": False,
    "isCancelled": False,
    "isReminderOn": True,
    "reminderMinutesBeforeStart": 15,
    "responseRequested": True,
    "allowNewTimeProposals": True,
    "hideAttendees": False,
    "isDraft": False,
    "categories": [],
    "location": {
        "displayName": "",
        "locationType": "default",
        "uniqueIdType": "unknown",
        "address": {},
        "coordinates": {},
    },
    "locations": [],
    "attendees": [],
    "recurrence": None,
    "isOnlineMeeting": False,
    "onlineMeetingProvider": "unknown",
    "onlineMeeting": None,
}
FIELDS = tuple(DEFAULTS)
# all that calendarView/delta says of a plain occurrence
DELTA_OCCURRENCE = ("@odata.etag", "id", "seriesMasterId", "type", "start", "end")
# set by the server only; a body may echo them, they are ignored
SERVER_FIELDS = ("isCancelled", "onlineMeeting")
SHARED = (*FIELDS, "iCalUId", "organizer", "_start", "_end", "_tz", "_end_tz", "type")
# an exception may change these; recurrence and the meeting belong to the series
EXCEPTION_FIELDS = tuple(
    f
    for f in FIELDS
    if f not in ("recurrence", "isOnlineMeeting", "onlineMeetingProvider", *SERVER_FIELDS)
)


def new_record(box, cal, transaction_id=None):
    stamp = now()
    record = copy.deepcopy(DEFAULTS)
    record.update(
        {
            "id": new_id(),
            "changeKey": new_change_key(),
            "type": "singleInstance",
            "iCalUId": new_uid(),
            "transactionId": transaction_id,
            "_cal": cal["id"],
            "_created": stamp,
            "_modified": stamp,
            "_exceptions": {},
            "_cancelled": set(),
            "_copies": {},
            "_organizer": None,
            "isOrganizer": True,
            "organizer": {"emailAddress": {"name": box.user.name, "address": box.user.email}},
            "responseStatus": {"response": "organizer", "time": NO_TIME},
        }
    )
    return record


def touch(record):
    record["changeKey"] = new_change_key()
    record["_modified"] = now()


def apply_body(record, body, cal, creating):
    """Apply a POST/PATCH body to ``record`` (a copy: a 400 half-way leaves nothing behind)."""
    if creating and ("start" not in body or "end" not in body):
        raise bad_request(
            "An event requires both a start and an end.", "ErrorPropertyValidationFailure"
        )
    for name in FIELDS:
        if name in body and name not in (
            "attendees",
            "recurrence",
            "isOnlineMeeting",
            "onlineMeetingProvider",
            *SERVER_FIELDS,
        ):
            record[name] = copy.deepcopy(body[name])
    if "body" in body:
        record["body"] = {
            "contentType": (body["body"] or {}).get("contentType") or "text",
            "content": (body["body"] or {}).get("content") or "",
        }
    if "attendees" in body:
        record["attendees"] = merge_attendees(record["attendees"], body["attendees"] or [])
    apply_times(record, body)
    if "recurrence" in body:
        if record["type"] in ("occurrence", "exception"):
            raise bad_request("The recurrence of an occurrence cannot be changed.")
        if body["recurrence"]:
            validate_recurrence(body["recurrence"])
            record["recurrence"] = copy.deepcopy(body["recurrence"])
            record["recurrence"]["range"].setdefault("recurrenceTimeZone", record["_tz"])
            record["type"] = "seriesMaster"
        else:
            record["recurrence"] = None
            record["type"] = "singleInstance"
            record["_exceptions"], record["_cancelled"] = {}, set()
    apply_online_meeting(record, body, cal)


def apply_times(record, body):
    if "start" in body:
        record["_start"], record["_tz"] = parse_time_zone_pair(body["start"], "start")
    if "end" in body:
        record["_end"], record["_end_tz"] = parse_time_zone_pair(body["end"], "end")
    if record["_end"] < record["_start"]:
        raise bad_request(
            "The end time of an event cannot be before its start time.",
            "ErrorPropertyValidationFailure",
        )
    if record.get("isAllDay"):
        midnight = dt.time(0, 0)
        if (
            record["_start"].time() != midnight
            or record["_end"].time() != midnight
            or record["_end"] <= record["_start"]
        ):
            raise bad_request(
                "Your request can't be completed. If you're creating an all-day "
                "event, the start and end times must be set to midnight and the "
                "end must be at least one day after the start.",
                "ErrorPropertyValidationFailure",
            )


def merge_attendees(current, wanted):
    """Keep the response of attendees who stay on the list."""
    known = {a["emailAddress"]["address"].lower(): a for a in current}
    merged = []
    for attendee in wanted:
        address = ((attendee.get("emailAddress") or {}).get("address") or "").strip()
        if not address:
            raise bad_request("An attendee requires an email address.", "ErrorInvalidRecipients")
        previous = known.get(address.lower())
        merged.append(
            {
                "type": attendee.get("type") or "required",
                "status": copy.deepcopy(previous["status"])
                if previous
                else {"response": "none", "time": NO_TIME},
                "emailAddress": {
                    "name": attendee["emailAddress"].get("name") or address,
                    "address": address,
                },
            }
        )
    return merged


def apply_online_meeting(record, body, cal):
    if record["onlineMeeting"]:
        # Outlook ignores later changes: once created, the meeting stays
        return
    provider = body.get("onlineMeetingProvider")
    if not body.get("isOnlineMeeting"):
        return
    provider = provider or cal["defaultOnlineMeetingProvider"]
    if provider == "unknown":
        return
    if provider not in cal["allowedOnlineMeetingProviders"]:
        raise bad_request(
            f"The online meeting provider '{provider}' is not allowed for this calendar; "
            f"allowedOnlineMeetingProviders: {cal['allowedOnlineMeetingProviders']}.",
            "ErrorInvalidArgument",
        )
    thread = secrets.token_hex(24)
    if provider == "teamsForBusiness":
        join = (
            f"https://teams.microsoft.com/l/meetup-join/19%3ameeting_{thread}%40thread.v2/0"
            f"?context=%7b%22Tid%22%3a%22{cal['owner']['address']}%22%7d"
        )
    else:
        join = f"https://join.skype.com/{thread[:12]}"
    record["isOnlineMeeting"] = True
    record["onlineMeetingProvider"] = provider
    record["onlineMeeting"] = {
        "joinUrl": join,
        "conferenceId": str(secrets.randbelow(10**9)),
        "tollNumber": "+1 555 0100",
    }


def series_of(box, record):
    return box.events.get(record.get("seriesMasterId")) if record.get("seriesMasterId") else None


def derived_change_key(master, key):
    digest = hashlib.sha256(f"{master['changeKey']}:{key}".encode()).digest()[:18]
    return base64.urlsafe_b64encode(digest).decode().replace("-", "A").replace("_", "B")


def occurrence(master, key, start, end):
    """A plain occurrence, computed from its series (never stored)."""
    return {
        "id": occurrence_id(master["id"], key),
        "type": "occurrence",
        "seriesMasterId": master["id"],
        "_key": key,
        "_start": start,
        "_end": end,
        "changeKey": derived_change_key(master, key),
        "_cal": master["_cal"],
        "_created": master["_created"],
        "_modified": master["_modified"],
        "_overrides": {},
    }


def find_occurrence(box, event_id):
    master_id, key = split_occurrence_id(event_id)
    master = box.events.get(master_id)
    if not key or not master or master["type"] != "seriesMaster" or key in master["_cancelled"]:
        return None
    moment = key_to_datetime(key)
    for found_key, start, end in expand(master, moment, moment + dt.timedelta(seconds=1)):
        if found_key == key:
            return occurrence(master, key, start, end)
    return None


def materialize(box, occ):
    """Turn a plain occurrence into a stored exception (before changing it)."""
    master = box.events[occ["seriesMasterId"]]
    exc = dict(occ, type="exception")
    box.events[exc["id"]] = exc
    master["_exceptions"][occ["_key"]] = exc["id"]
    return exc


def apply_exception(master, exc, body):
    overrides = exc["_overrides"]
    if body.get("recurrence"):
        raise bad_request("The recurrence of an occurrence cannot be changed.")
    view = {name: copy.deepcopy(overrides.get(name, master[name])) for name in FIELDS}
    view.update(
        {
            "_start": exc["_start"],
            "_end": exc["_end"],
            "_tz": master["_tz"],
            "_end_tz": master["_end_tz"],
            "type": "exception",
        }
    )
    for name in EXCEPTION_FIELDS:
        if name in body and name != "attendees":
            view[name] = copy.deepcopy(body[name])
    if "attendees" in body:
        view["attendees"] = merge_attendees(view["attendees"], body["attendees"] or [])
    apply_times(view, body)
    for name in EXCEPTION_FIELDS:
        if name in body:
            overrides[name] = view[name]
    exc["_start"], exc["_end"] = view["_start"], view["_end"]


def instances(box, master, start, end):
    """Occurrences and exceptions of a series overlapping [start, end), by start time."""
    found = {}
    for key, occ_start, occ_end in expand(master, start, end):
        if key in master["_cancelled"]:
            continue
        exc = box.events.get(master["_exceptions"].get(key, ""))
        item = exc or occurrence(master, key, occ_start, occ_end)
        if overlaps(item, start, end):
            found[item["id"]] = item
    for exc_id in master["_exceptions"].values():
        exc = box.events.get(exc_id)
        # a moved exception can land in the window while its original date is outside
        if exc and exc["id"] not in found and overlaps(exc, start, end):
            found[exc["id"]] = exc
    return sorted(found.values(), key=lambda item: item["_start"])


def overlaps(record, start, end):
    if record["_start"] == record["_end"]:
        return start <= record["_start"] < end
    return record["_start"] < end and record["_end"] > start


def window_items(box, record, start, end):
    """What a calendar view of [start, end) shows of one record: (id, record) pairs."""
    if record["type"] == "seriesMaster":
        found = instances(box, record, start, end)
        return [(record["id"], record)] + [(i["id"], i) for i in found] if found else []
    return [(record["id"], record)] if overlaps(record, start, end) else []


def _preview(body):
    text = body.get("content") or ""
    if body.get("contentType") == "html":
        text = re.sub(r"<[^>]+>", " ", text)
    return re.sub(r"\s+", " ", text).strip()[:255]


def render(box, record, tz_name, in_delta=False):
    """The Graph JSON of a record, times in ``tz_name`` (``Prefer: outlook.timezone``)."""
    master = series_of(box, record)
    base = master or record
    values = {name: copy.deepcopy(base[name]) for name in FIELDS}
    values.update(copy.deepcopy(record.get("_overrides") or {}))
    kind = record["type"]
    values["recurrence"] = base["recurrence"] if kind == "seriesMaster" else None
    owner = record if kind in ("singleInstance", "seriesMaster") else base
    out = {
        "@odata.etag": etag(record["changeKey"]),
        "id": record["id"],
        "createdDateTime": iso(record["_created"]),
        "lastModifiedDateTime": iso(record["_modified"]),
        "changeKey": record["changeKey"],
        "transactionId": record.get("transactionId"),
        "originalStartTimeZone": base["_tz"],
        "originalEndTimeZone": base["_end_tz"],
        "iCalUId": base["iCalUId"]
        if master is None
        else occurrence_uid(base["iCalUId"], key_to_datetime(record["_key"])),
        "uid": base["iCalUId"],
        "bodyPreview": _preview(values["body"]),
        "hasAttachments": False,
        "type": kind,
        "seriesMasterId": record.get("seriesMasterId"),
        "isOrganizer": owner["isOrganizer"],
        "responseStatus": copy.deepcopy(
            (record.get("_overrides") or {}).get("responseStatus") or owner["responseStatus"]
        ),
        "organizer": copy.deepcopy(base["organizer"]),
        "webLink": f"https://outlook.office365.com/owa/?itemid={record['id']}&exvsurl=1",
        "onlineMeetingUrl": None,
        **values,
        "start": render_time(record["_start"], values["isAllDay"], tz_name),
        "end": render_time(record["_end"], values["isAllDay"], tz_name),
    }
    if master is not None:
        out["originalStart"] = iso_seconds(key_to_datetime(record["_key"]).astimezone(UTC))
    if in_delta and kind == "occurrence":
        # the delta of a calendar view lists a plain occurrence bare, the rest is its series'
        # (microsoftgraph/microsoft-graph-docs#22197 and #7632; keeper.sh#409)
        out = {"@odata.type": "#microsoft.graph.event", **{k: out[k] for k in DELTA_OCCURRENCE}}
    return out
