"""``freebusy.query``: the busy intervals of calendars the caller can read.

The body is checked against the discovery document's ``FreeBusyRequest``; ``timeMin`` and
``timeMax`` are required and ordered; the token needs one of the method's scopes in the
document; a calendar the caller cannot read is answered with a ``notFound`` error inside
its entry, not as a failed request (as Google does). Busy time is
what Google counts: confirmed or tentative events, not ``transparent`` ones, not those the
calendar's owner declined; recurring series are expanded.
"""

from datetime import UTC, datetime

from . import google_discovery as discovery
from .google_events import instant
from .google_store import ApiError, invalid, required
from .provider import json_response

# Google refuses wider ranges ("The requested time range is too long.")
MAX_RANGE_DAYS = 62
MAX_CALENDARS = 50


def _utc(moment):
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _bound(body, name):
    value = body.get(name)
    if not value:
        raise required(f"Missing {name}.", name)
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class FreeBusyMixin:
    def on_freebusy_query(self, request):
        record = self._bearer(request)
        scopes = discovery.document()["resources"]["freebusy"]["methods"]["query"]["scopes"]
        if not set(record["scope"].split()) & set(scopes):
            raise ApiError(
                403, "insufficientPermissions", "Request had insufficient authentication scopes."
            )
        body = self._json_body(request)
        discovery.check(body, {"$ref": "FreeBusyRequest"}, "")
        time_min, time_max = _bound(body, "timeMin"), _bound(body, "timeMax")
        if time_max <= time_min:
            raise ApiError(
                400, "timeRangeEmpty", "The specified time range is empty.", location="timeMax"
            )
        if (time_max - time_min).days > MAX_RANGE_DAYS:
            raise invalid("The requested time range is too long.", "timeMax")
        items = body.get("items") or []
        if len(items) > MAX_CALENDARS:
            raise invalid("Too many calendars requested.", "items")
        box = self.mailbox(record["email"])
        calendars = {}
        for item in items:
            wanted = item.get("id") or ""
            calendar = box.calendars.get(box.email if wanted == "primary" else wanted)
            if calendar is None and wanted in box.shared:
                # any ACL role, freeBusyReader included, shows the calendar's busy time
                calendar = self.users[box.shared[wanted][0]].calendars.get(wanted)
            if calendar is None:
                calendars[wanted] = {
                    "errors": [{"domain": "global", "reason": "notFound"}],
                    "busy": [],
                }
                continue
            calendars[wanted] = {"busy": self._busy(box, calendar, (time_min, time_max))}
        return json_response(
            {
                "kind": "calendar#freeBusy",
                "timeMin": _utc(time_min),
                "timeMax": _utc(time_max),
                "calendars": calendars,
            }
        )

    def _busy(self, box, calendar, window):
        found = []
        for entry in list(calendar.entries.values()):
            for item in self._items_of(calendar, entry, True, False, window):
                if item.get("status") == "cancelled" or item.get("transparency") == "transparent":
                    continue
                own = [
                    a
                    for a in item.get("attendees") or []
                    if a.get("self") or a.get("email") == box.email
                ]
                if own and own[0].get("responseStatus") == "declined":
                    continue
                start = max(instant(item["start"], calendar.tz), window[0])
                end = min(instant(item["end"], calendar.tz), window[1])
                if end > start:
                    found.append((start, end))
        return [{"start": _utc(s), "end": _utc(e)} for s, e in sorted(found)]
