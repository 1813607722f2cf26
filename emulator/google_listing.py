"""Calendar API v3 collection reads: calendarList, events.list (pages, sync tokens), instances.

A full list ends with a ``nextSyncToken`` holding the calendar's change position when the
listing started; an incremental list walks the change log from that position, so its cost
is what changed since, not the calendar size.
"""

import copy
from datetime import datetime

from .google_event_types import viewed
from .google_events import instant
from .google_recurrence import Series
from .google_store import ApiError, decode_token, encode_token, invalid, rfc3339, utcnow
from .provider import json_response

MAX_PAGE = 2500
DEFAULT_PAGE = 250
SYNC_INCOMPATIBLE = (
    "timeMin",
    "timeMax",
    "iCalUID",
    "updatedMin",
    "orderBy",
    "q",
    "privateExtendedProperty",
    "sharedExtendedProperty",
)
_GONE = "Sync token is no longer valid, a full sync is required."


def _flag(args, name):
    value = args.get(name)
    if value not in (None, "true", "false"):
        raise invalid(f"Invalid value for: {name}", name)
    return value == "true"


def _moment(args, name):
    value = args.get(name)
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise invalid(f"Invalid value for: {name}", name) from exc
    if moment.tzinfo is None:
        raise invalid(f"Invalid value for: {name}", name)
    return moment


def _property_constraints(args):
    """``privateExtendedProperty`` / ``sharedExtendedProperty``: repeated ``propertyName=value``
    constraints that an event must all match (the discovery document: "to return events that
    match all given constraints")."""
    constraints = []
    for scope in ("private", "shared"):
        name = f"{scope}ExtendedProperty"
        for constraint in args.getlist(name):
            key, sep, value = constraint.partition("=")
            if not sep or not key:
                raise invalid(f"Invalid value for: {name}", name)
            constraints.append((scope, key, value))
    return constraints


def _has_properties(resource, constraints):
    properties = resource.get("extendedProperties") or {}
    return all((properties.get(scope) or {}).get(key) == value for scope, key, value in constraints)


def _page_size(args, default=DEFAULT_PAGE):
    value = args.get("maxResults")
    if value is None:
        return default
    try:
        size = int(value)
    except ValueError as exc:
        raise invalid("Invalid value for: maxResults", "maxResults") from exc
    if size < 1:
        raise invalid("Invalid value for: maxResults", "maxResults")
    return min(size, MAX_PAGE)


def _page(args, kind):
    token = args.get("pageToken")
    if token is None:
        return None
    payload = decode_token(token)
    if payload is None or payload.get("t") != kind:
        raise invalid("Invalid page token value.", "pageToken")
    return payload


def _max_attendees(args):
    value = args.get("maxAttendees")
    if value is None:
        return None
    if not value.isdigit() or int(value) < 1:
        raise invalid("Invalid value for: maxAttendees", "maxAttendees")
    return int(value)


def _view(item, calendar, max_attendees):
    """An event as the calendar's owner reads it (guests they may not see are omitted)."""
    if item.get("status") == "cancelled" and "start" not in item:
        return item
    organizer = (item.get("organizer") or {}).get("email")
    return viewed(item, calendar.owner, organizer == calendar.owner, max_attendees)


def _live_instance_of(calendar, resource):
    """Whether ``resource`` is an instance of a recurring event that is not cancelled."""
    master = calendar.entries.get(resource.get("recurringEventId") or "")
    return master is not None and not master.cancelled


# what a reader of a shared calendar sees of a private event: "Private events will appear
# to users with reader access, but event details will be hidden" (Calendar API, accessRole)
_PRIVATE_KEPT = (
    "kind",
    "etag",
    "id",
    "status",
    "created",
    "updated",
    "start",
    "end",
    "endTimeUnspecified",
    "recurringEventId",
    "originalStartTime",
    "transparency",
    "visibility",
    "iCalUID",
    "sequence",
    "eventType",
)


def _details_hidden(item):
    if item.get("visibility") not in ("private", "confidential"):
        return item
    return {k: v for k, v in item.items() if k in _PRIVATE_KEPT}


def cancelled_view(resource, sparse=False):
    """A deleted event as lists show it; ``sparse``: only what Google guarantees (the id,
    and for a cancelled occurrence its series and original start), plus the status."""
    view = {"id": resource["id"], "status": "cancelled"}
    if not sparse:
        view = {"kind": "calendar#event", "etag": resource["etag"], **view}
    for name in ("recurringEventId", "originalStartTime"):
        if name in resource:
            view[name] = resource[name]
    return view


def _overlaps(resource, window, tz):
    time_min, time_max = window
    if time_max is not None and instant(resource["start"], tz) >= time_max:
        return False
    return time_min is None or instant(resource["end"], tz) > time_min


# what an exception always keeps as its own, whatever its series becomes
_OWN_FIELDS = {
    "kind",
    "etag",
    "id",
    "status",
    "htmlLink",
    "created",
    "updated",
    "sequence",
    "iCalUID",
    "recurrence",
    "recurringEventId",
    "originalStartTime",
    "start",
    "end",
}


class ListingMixin:
    def _relist_exceptions(self, calendar, before, master):
        """With ``relist_exceptions``: a series change reaches its exceptions (the fields
        they share with the old master take the new value) and lists each of them again."""
        if not self.relist_exceptions or not master.recurring or master.cancelled:
            return
        changed = {
            name
            for name in before.keys() | master.resource.keys()
            if name not in _OWN_FIELDS and before.get(name) != master.resource.get(name)
        }
        for other in list(calendar.entries.values()):
            if other.resource.get("recurringEventId") != master.id:
                continue
            resource = other.resource
            for name in changed:
                if resource.get(name) != before.get(name):
                    continue  # the exception's own value stays
                if name in master.resource:
                    resource[name] = copy.deepcopy(master.resource[name])
                else:
                    resource.pop(name, None)
            self._save(calendar, other)

    def _calendar_entry(self, calendar, role="owner"):
        entry = {
            "kind": "calendar#calendarListEntry",
            "etag": calendar.etag,
            "id": calendar.id,
            "summary": calendar.summary,
            "timeZone": calendar.time_zone,
            "colorId": "14",
            "backgroundColor": "#9fe1e7",
            "foregroundColor": "#000000",
            "selected": True,
            "accessRole": role,
            "defaultReminders": [{"method": "popup", "minutes": 10}],
            "conferenceProperties": {"allowedConferenceSolutionTypes": ["hangoutsMeet"]},
        }
        if calendar.primary:
            entry["primary"] = True
        return entry

    def on_calendarList_list(self, request):
        box, _calendar = self._calendar_for(request, "primary")
        items = [self._calendar_entry(c) for c in box.calendars.values()]
        for calendar_id, (owner, role) in box.shared.items():
            calendar = self.users[owner].calendars.get(calendar_id)
            if calendar is not None:
                items.append(self._calendar_entry(calendar, role))
        return json_response(
            {
                "kind": "calendar#calendarList",
                "etag": f'"{self.clock.value}"',
                "nextSyncToken": encode_token({"t": "l", "p": self.clock.value}),
                "items": items,
            }
        )

    def on_calendarList_get(self, request, calendarId):
        box, _primary = self._calendar_for(request, "primary")
        owner, role = box.shared.get(calendarId, (None, None))
        if owner and calendarId in self.users[owner].calendars:
            return json_response(
                self._calendar_entry(self.users[owner].calendars[calendarId], role)
            )
        _box, calendar = self._calendar_for(request, calendarId)
        return json_response(self._calendar_entry(calendar))

    def on_calendars_get(self, request, calendarId):
        _box, calendar = self._calendar_for(request, calendarId)
        return json_response(
            {
                "kind": "calendar#calendar",
                "etag": calendar.etag,
                "id": calendar.id,
                "summary": calendar.summary,
                "timeZone": calendar.time_zone,
                "conferenceProperties": {"allowedConferenceSolutionTypes": ["hangoutsMeet"]},
            }
        )

    # -- events.list -----------------------------------------------------------------
    def _page_size(self, args):
        """``maxResults`` is a maximum: with ``page_limit`` set, pages are never larger."""
        size = _page_size(args)
        return min(size, self.page_limit) if self.page_limit else size

    def _sync_token(self, box, calendar, position):
        return encode_token({"t": "s", "c": calendar.id, "g": box.sync_generation, "p": position})

    def _sync_position(self, box, calendar, token):
        payload = decode_token(token) or {}
        valid = (
            payload.get("t") == "s"
            and payload.get("c") == calendar.id
            and payload.get("g") == box.sync_generation
            and isinstance(payload.get("p"), int)
            and payload["p"] <= calendar.position
        )
        if not valid:
            raise ApiError(410, "fullSyncRequired", _GONE)
        return payload["p"]

    def _items_of(self, calendar, entry, single, show_deleted, window):
        """What one stored event contributes to a list: itself, or its occurrences."""
        resource = entry.resource
        if entry.cancelled:
            # the discovery document: "Cancelled instances of recurring events (but not the
            # underlying recurring event) will still be included if showDeleted and
            # singleEvents are both False"
            kept_instance = not single and _live_instance_of(calendar, resource)
            if (show_deleted or kept_instance) and _overlaps(resource, window, calendar.tz):
                return [cancelled_view(resource, self.sparse_cancelled)]
            return []
        if not entry.recurring:
            if not _overlaps(resource, window, calendar.tz):
                return []
            return [self._read(calendar, entry)]
        series = Series(resource, calendar.tz)
        if not single:
            if window != (None, None) and not series.occurrences(*window, limit=1):
                return []
            return [self._read(calendar, entry)]
        resource = self._read(calendar, entry)
        items = []
        for start in series.occurrences(*window):
            instance = series.instance(resource, start)
            if instance["id"] not in calendar.entries:
                items.append(instance)
        return items

    def _changes_page(self, box, calendar, args, single):
        for name in SYNC_INCOMPATIBLE:
            if name in args:
                raise invalid(f"The syncToken parameter cannot be used with {name}.", name)
        since = self._sync_position(box, calendar, args["syncToken"])
        page = _page(args, "c")
        after, upto = (page["a"], page["u"]) if page else (since, calendar.position)
        size = self._page_size(args)
        items, last = [], after
        for entry in list(calendar.changed(after, upto)):
            if len(items) >= size:
                return items, {"nextPageToken": encode_token({"t": "c", "a": last, "u": upto})}
            items.extend(self._items_of(calendar, entry, single, True, (None, None)))
            last = entry.seq
        return items, {"nextSyncToken": self._sync_token(box, calendar, upto)}

    def _sort_key(self, item, order, tz):
        if order == "startTime":
            start = item.get("start")
            return [rfc3339(instant(start, tz)) if start else "", item["id"]]
        if order == "updated":
            return [item.get("updated", ""), item["id"]]
        return [item["id"]]

    def _full_page(self, box, calendar, args, single):
        window = (_moment(args, "timeMin"), _moment(args, "timeMax"))
        if window[0] and window[1] and window[1] <= window[0]:
            raise ApiError(
                400,
                "timeRangeEmpty",
                "The specified time range is empty.",
                domain="calendar",
                location="timeMax",
                location_type="parameter",
            )
        updated_min = _moment(args, "updatedMin")
        order, ical_uid = args.get("orderBy"), args.get("iCalUID")
        if order not in (None, "startTime", "updated"):
            raise invalid("Invalid value for: orderBy", "orderBy")
        if order == "startTime" and not single:
            raise invalid(
                "The requested ordering is not available for the particular query.", "orderBy"
            )
        show_deleted = _flag(args, "showDeleted")
        constraints = _property_constraints(args)
        page = _page(args, "f")
        upto = page["u"] if page else calendar.position
        rows = []
        for entry in list(calendar.entries.values()):
            if ical_uid and entry.resource.get("iCalUID") != ical_uid:
                continue
            if constraints and not _has_properties(entry.resource, constraints):
                continue
            deleted = show_deleted
            if updated_min is not None:
                if entry.resource["updated"] < rfc3339(updated_min):
                    continue
                deleted = True
            for item in self._items_of(calendar, entry, single, deleted, window):
                rows.append((self._sort_key(item, order, calendar.tz), item))
        rows.sort(key=lambda row: row[0])
        if page:
            rows = [row for row in rows if row[0] > page["k"]]
        size = self._page_size(args)
        if len(rows) > size:
            rows = rows[:size]
            token = {"nextPageToken": encode_token({"t": "f", "k": rows[-1][0], "u": upto})}
        else:
            token = {"nextSyncToken": self._sync_token(box, calendar, upto)}
        return [item for _key, item in rows], token

    def _collection(self, calendar, items, token, args, role="owner"):
        max_attendees = _max_attendees(args)
        items = [_view(item, calendar, max_attendees) for item in items]
        if role == "reader":
            items = [_details_hidden(item) for item in items]
        body = {
            "kind": "calendar#events",
            "etag": calendar.etag,
            "summary": calendar.summary,
            "updated": rfc3339(utcnow()),
            "timeZone": calendar.time_zone,
            "accessRole": role,
            "defaultReminders": [],
            "items": items,
        }
        body.update(token)
        return json_response(body)

    def on_events_list(self, request, calendarId):
        box, calendar = self._calendar_for(request, calendarId)
        single = _flag(request.args, "singleEvents")
        args = request.args
        page = decode_token(args.get("pageToken") or "") or {}
        if page.get("t") == "c" and not args.get("syncToken"):
            # a page token carries its query: the next page of changes needs nothing else
            args = args.copy()
            args["syncToken"] = self._sync_token(box, calendar, page["a"])
        if args.get("syncToken"):
            items, token = self._changes_page(box, calendar, args, single)
        else:
            items, token = self._full_page(box, calendar, args, single)
        return self._collection(calendar, items, token, args, self._role(request, calendar))

    def on_events_instances(self, request, calendarId, eventId):
        _box, calendar = self._calendar_for(request, calendarId)
        args = request.args
        master = calendar.entries.get(eventId)
        if master is None:
            raise ApiError(404, "notFound", "Not Found")
        if master.cancelled:
            raise ApiError(410, "deleted", "Resource has been deleted")
        show_deleted = _flag(args, "showDeleted")
        original = _moment(args, "originalStart")
        resource = self._read(calendar, master)
        items = [resource]
        if master.recurring:
            series = Series(resource, calendar.tz)
            wanted = series.find(series.suffix(series.local(original))) if original else None
            items = []
            for start in series.occurrences(_moment(args, "timeMin"), _moment(args, "timeMax")):
                if original is not None and start != wanted:
                    continue
                instance = series.instance(resource, start)
                stored = calendar.entries.get(instance["id"])
                if stored is not None:
                    if stored.cancelled and not show_deleted:
                        continue
                    instance = stored.resource
                    if stored.cancelled and self.sparse_cancelled:
                        instance = cancelled_view(instance, self.sparse_cancelled)
                items.append(instance)
        page = _page(args, "i")
        offset, size = (page["o"] if page else 0), self._page_size(args)
        token = {}
        if offset + size < len(items):
            token = {"nextPageToken": encode_token({"t": "i", "o": offset + size})}
        return self._collection(calendar, items[offset : offset + size], token, args)
