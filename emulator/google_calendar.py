"""Calendar API v3 event writes and single reads: insert, get, patch, update, delete."""

import copy
import json

from werkzeug.wrappers import Response

from .google_event_types import check_insert, check_revision, check_shape, merge_omitted
from .google_events import (
    WRITABLE,
    check_body,
    merge_patch,
    normalize_attendees,
    normalize_times,
    sequence_changed,
)
from .google_listing import _details_hidden, _max_attendees, _view, cancelled_view
from .google_meet import apply_conference, resolve_conference
from .google_recurrence import Series
from .google_store import (
    ApiError,
    Entry,
    html_link,
    invalid,
    new_id,
    rfc3339,
    utcnow,
    valid_event_id,
)
from .provider import json_response

_KEPT_ON_UPDATE = {"id", "iCalUID", "conferenceData"}
_ABSENT = object()


def event_response(resource, status=200):
    return json_response(resource, status, {"ETag": resource.get("etag", "")})


class EventsMixin:
    """Event writes; state and auth live on the provider."""

    # -- request helpers -------------------------------------------------------------
    def _json_body(self, request):
        raw = request.get_data(cache=True)
        if not raw.strip():
            return {}
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise ApiError(400, "parseError", "Parse Error") from exc

    def _calendar_for(self, request, calendar_id, write=False):
        """(mailbox holding the calendar, calendar) for the caller: their own, or one shared
        with them, whose ACL role bounds what they may do (writes need writer; reading
        events needs reader: a freeBusyReader sees free/busy through freebusy.query only)."""
        record = self._bearer(request)
        self._check_scope(record, write)
        box = self.mailbox(record["email"])
        wanted = box.email if calendar_id == "primary" else calendar_id
        calendar = box.calendars.get(wanted)
        if calendar is not None:
            return box, calendar
        owner, role = box.shared.get(wanted, (None, None))
        owner_box = self.users.get(owner) if owner else None
        calendar = owner_box.calendars.get(wanted) if owner_box else None
        if calendar is None:
            raise ApiError(404, "notFound", "Not Found")
        if write and role != "writer":
            raise ApiError(
                403, "requiredAccessLevel", "You need to have writer access to this calendar."
            )
        if role == "freeBusyReader":
            raise ApiError(
                403, "requiredAccessLevel", "You need to have reader access to this calendar."
            )
        return owner_box, calendar

    def _role(self, request, calendar):
        """The caller's ACL role on ``calendar``: owner, or the role it was shared with."""
        box = self.mailbox(self._bearer(request)["email"])
        return "owner" if calendar.owner == box.email else box.shared[calendar.id][1]

    @staticmethod
    def _conference_version(args):
        value = args.get("conferenceDataVersion", "0")
        if value not in ("0", "1"):
            raise invalid("Invalid conference data version.", "conferenceDataVersion")
        return int(value)

    @staticmethod
    def _send_updates(args):
        value = args.get("sendUpdates")
        if value is None:
            return "all" if args.get("sendNotifications") == "true" else "none"
        if value not in ("all", "externalOnly", "none"):
            raise invalid("Invalid value for: sendUpdates", "sendUpdates")
        return value

    @staticmethod
    def _check_if_match(request, entry):
        expected = request.headers.get("If-Match")
        if expected and expected.strip() not in ("*", entry.resource.get("etag")):
            raise ApiError(
                412,
                "conditionNotMet",
                "Precondition Failed",
                location="If-Match",
                location_type="header",
            )

    def _record_updates(self, action, calendar, entry, send_updates):
        if send_updates == "none":
            return
        guests = [
            a["email"]
            for a in entry.resource.get("attendees") or []
            if a["email"] != calendar.owner
        ]
        self.sent_updates.append(
            {
                "action": action,
                "calendar": calendar.id,
                "event": entry.id,
                "sendUpdates": send_updates,
                "attendees": guests,
            }
        )

    # -- storage ---------------------------------------------------------------------
    def _find(self, calendar, event_id):
        """A stored event, else an occurrence of a stored series (not stored), else None."""
        entry = calendar.entries.get(event_id)
        if entry is not None:
            return entry
        master_id, sep, suffix = event_id.rpartition("_")
        master = calendar.entries.get(master_id) if sep else None
        if master is None or master.cancelled or not master.recurring:
            return None
        series = Series(master.resource, calendar.tz)
        start = series.find(suffix)
        if start is None:
            return None
        return Entry(
            series.instance(master.resource, start), organizer_calendar=master.organizer_calendar
        )

    def _commit(self, calendar, entry):
        entry.resource["updated"] = rfc3339(utcnow())
        calendar.commit(entry, self.clock.tick())
        self._changed(calendar)

    def _save(self, calendar, entry, skip=()):
        """Store a new version; an organizer's change reaches the attendees' copies."""
        self._commit(calendar, entry)
        if entry.organizer_calendar is None:
            self._sync_copies(calendar, entry, skip)

    def _read(self, calendar, entry):
        """The resource a read returns; each read brings a pending Meet closer to success."""
        if (
            entry.conference_reads is not None
            and not entry.cancelled
            and calendar.entries.get(entry.id) is entry
        ):
            entry.conference_reads -= 1
            if entry.conference_reads <= 0:
                entry.conference_reads = None
                resolve_conference(entry.resource)
                self._save(calendar, entry)
        return entry.resource

    def _request_conference(self, entry):
        entry.conference_reads = self.conference_pending_reads
        if entry.conference_reads <= 0:
            entry.conference_reads = None
            resolve_conference(entry.resource)

    def _normalize(self, calendar, resource, previous=None):
        normalize_times(resource, calendar.tz)
        if resource.get("recurrence"):
            if resource.get("recurringEventId"):
                raise invalid("Invalid recurrence rule.", "recurrence")
            Series(resource, calendar.tz)
        if resource.get("attendees") is not None:
            resource["attendees"] = normalize_attendees(
                resource["attendees"],
                resource["organizer"]["email"],
                calendar.owner,
                (previous or {}).get("attendees"),
            )

    def _new_event(self, box, calendar, data, version, by_user=False):
        if not by_user:
            check_insert(data)
        data.pop("attendeesOmitted", None)
        event_id = data.pop("id", None) or new_id()
        if not valid_event_id(event_id):
            raise invalid("Invalid resource id value.", "id")
        if event_id in calendar.entries:
            raise ApiError(409, "duplicate", "The requested identifier already exists.")
        conference = data.pop("conferenceData", None)
        now = rfc3339(utcnow())
        resource = {
            "kind": "calendar#event",
            "etag": "",
            "id": event_id,
            "status": "confirmed",
            "htmlLink": html_link(event_id, calendar.id),
            "created": now,
            "updated": now,
        }
        resource.update(data)
        resource["creator"] = {"email": box.email, "self": True}
        resource["organizer"] = {"email": calendar.owner, "self": True}
        resource.setdefault("iCalUID", f"{event_id}@google.com")
        resource.setdefault("sequence", 0)
        resource.setdefault("reminders", {"useDefault": True})
        resource.setdefault("eventType", "default")
        self._normalize(calendar, resource)
        check_shape(resource)
        for other in calendar.entries.values():
            if (
                other.resource.get("iCalUID") == resource["iCalUID"]
                and not other.cancelled
                and not other.resource.get("recurringEventId")
            ):
                raise ApiError(409, "duplicate", "The requested identifier already exists.")
        entry = Entry(resource)
        if version == 1 and conference is not None and apply_conference(resource, conference):
            self._request_conference(entry)
        return entry

    def _revise(self, calendar, entry, data, replace, version):
        """The event after a patch (merge) or an update (replace), validated."""
        old = entry.resource
        resource = copy.deepcopy(old)
        conference = data.pop("conferenceData", None if replace else _ABSENT)
        data.pop("id", None)
        data.pop("iCalUID", None)
        if data.pop("attendeesOmitted", False):
            # the attendees sent are the ones to change: the others stay as they are
            data["attendees"] = merge_omitted(old.get("attendees"), data.get("attendees"))
        if replace:
            for name in WRITABLE - _KEPT_ON_UPDATE:
                resource.pop(name, None)
            resource.update(data)
            resource.setdefault("status", "confirmed")
        else:
            merge_patch(resource, data)
        self._normalize(calendar, resource, old)
        resource.setdefault("eventType", "default")
        check_revision(
            old, resource, bool(entry.organizer_calendar) and not old.get("guestsCanModify")
        )
        previous_sequence = old.get("sequence", 0)
        if sequence_changed(old, resource) and resource.get("sequence", 0) <= previous_sequence:
            resource["sequence"] = previous_sequence + 1
        requested = False
        if version == 1 and conference is not _ABSENT:
            requested = apply_conference(resource, conference)
        return resource, requested

    def _cancel(self, box, calendar, entry):
        if entry.organizer_calendar:
            for attendee in entry.resource.get("attendees") or []:
                if attendee.get("email") == box.email:
                    attendee["responseStatus"] = "declined"
        entry.resource["status"] = "cancelled"
        entry.conference_reads = None
        self._save(calendar, entry)
        if entry.organizer_calendar:
            self._propagate_response(box, calendar, entry)
        if entry.recurring:
            for other in list(calendar.entries.values()):
                if other.resource.get("recurringEventId") == entry.id and not other.cancelled:
                    other.resource["status"] = "cancelled"
                    self._save(calendar, other)

    # -- handlers --------------------------------------------------------------------
    def on_events_insert(self, request, calendarId):
        box, calendar = self._calendar_for(request, calendarId, write=True)
        version = self._conference_version(request.args)
        send_updates = self._send_updates(request.args)
        entry = self._new_event(box, calendar, check_body(self._json_body(request)), version)
        self._save(calendar, entry)
        self._record_updates("insert", calendar, entry, send_updates)
        return event_response(entry.resource)

    def on_events_get(self, request, calendarId, eventId):
        _box, calendar = self._calendar_for(request, calendarId)
        entry = self._find(calendar, eventId)
        if entry is None:
            raise ApiError(404, "notFound", "Not Found")
        resource = self._read(calendar, entry)
        stored_etag = resource.get("etag")
        if entry.cancelled and self.sparse_cancelled:
            # "the get method always returns them", with only the id guaranteed
            resource = cancelled_view(resource, sparse=True)
        if request.headers.get("If-None-Match") == stored_etag:
            return Response(status=304, headers={"ETag": stored_etag})
        view = _view(resource, calendar, _max_attendees(request.args))
        if self._role(request, calendar) == "reader":
            view = _details_hidden(view)
        return event_response(view)

    def _write_event(self, request, calendar_id, event_id, replace):
        box, calendar = self._calendar_for(request, calendar_id, write=True)
        version = self._conference_version(request.args)
        send_updates = self._send_updates(request.args)
        data = check_body(self._json_body(request))
        entry = self._find(calendar, event_id)
        if entry is None:
            raise ApiError(404, "notFound", "Not Found")
        self._check_if_match(request, entry)
        before = entry.resource
        entry.resource, requested = self._revise(calendar, entry, data, replace, version)
        if requested:
            self._request_conference(entry)
        self._save(calendar, entry)
        self._relist_exceptions(calendar, before, entry)
        if entry.organizer_calendar:
            self._propagate_response(box, calendar, entry)
        self._record_updates("update", calendar, entry, send_updates)
        return event_response(entry.resource)

    def on_events_patch(self, request, calendarId, eventId):
        return self._write_event(request, calendarId, eventId, replace=False)

    def on_events_update(self, request, calendarId, eventId):
        return self._write_event(request, calendarId, eventId, replace=True)

    def on_events_delete(self, request, calendarId, eventId):
        box, calendar = self._calendar_for(request, calendarId, write=True)
        send_updates = self._send_updates(request.args)
        entry = self._find(calendar, eventId)
        if entry is None:
            raise ApiError(404, "notFound", "Not Found")
        if entry.cancelled:
            raise ApiError(410, "deleted", "Resource has been deleted")
        self._check_if_match(request, entry)
        self._cancel(box, calendar, entry)
        self._record_updates("delete", calendar, entry, send_updates)
        return Response(status=204)
