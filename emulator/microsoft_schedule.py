"""``POST /me/calendar/getSchedule``: the free/busy of mailboxes over a time range; and
``GET .../calendarView``: the events and occurrences of one calendar over a time range.

The body is read by Graph's own model (``getSchedule`` post body, case-insensitive names);
start and end are ``dateTimeTimeZone`` pairs with a zone Graph documents; at most 62 days and
100 schedules; ``availabilityViewInterval`` 5 to 1440 minutes (30 by default). Items are the
non-free, non-cancelled, not declined events and occurrences of each mailbox's default
calendar, in the ``Prefer: outlook.timezone`` zone (UTC without it), with the
``availabilityView`` string Graph documents (0 free, 1 tentative, 2 busy, 3 oof, 4 elsewhere);
an unknown address gets an ``error`` entry, not a failed request.

``calendarView`` (not its delta) takes ``startDateTime`` and ``endDateTime`` (both required,
UTC without an offset), expands series into their occurrences (masters not shown) and pages by
10 unless ``$top`` says otherwise, as Graph documents.
"""

from datetime import timedelta

from .microsoft_event_model import render, window_items
from .microsoft_schema import validate
from .microsoft_store import bad_request, parse_query_datetime, parse_time_zone_pair
from .provider import json_response

MAX_DAYS = 62
MAX_SCHEDULES = 100
_VIEW = {"free": "0", "tentative": "1", "busy": "2", "oof": "3", "workingElsewhere": "4"}


class GraphSchedule:
    """Mixin of MicrosoftEmulator."""

    def on_calendar_getSchedule(self, request, user):
        body = validate(self._json(request), "getSchedule")
        start, _zone = parse_time_zone_pair(body.get("StartTime"), "startTime")
        end, _zone = parse_time_zone_pair(body.get("EndTime"), "endTime")
        schedules = body.get("Schedules") or []
        interval = body.get("AvailabilityViewInterval") or 30
        if not schedules:
            raise bad_request("Schedules is required.", "ErrorInvalidParameter")
        if len(schedules) > MAX_SCHEDULES or not 5 <= interval <= 1440:
            raise bad_request("The request is invalid.", "ErrorInvalidParameter")
        if end <= start or end - start > timedelta(days=MAX_DAYS):
            raise bad_request("The requested time duration is invalid.", "ErrorInvalidTimeInterval")
        tz_name = self._time_zone(request)
        with self.emu.lock:
            value = [
                self._schedule(address, start, end, interval, tz_name) for address in schedules
            ]
        return json_response({"value": value})

    def on_calendarView_list(self, request, user, cal_id=None):
        start = parse_query_datetime(request.args.get("startDateTime"), "startDateTime")
        end = parse_query_datetime(request.args.get("endDateTime"), "endDateTime")
        with self.emu.lock:
            box = self.mailboxes[user.email]
            cal = self._calendar(box, cal_id)
            tz_name = self._time_zone(request)
            found = []
            for record in list(box.events.values()):
                if record["_cal"] != cal["id"] or record["type"] not in (
                    "singleInstance",
                    "seriesMaster",
                ):
                    continue
                found += [
                    (item["_start"], render(box, item, tz_name))
                    for _item_id, item in window_items(box, record, start, end)
                    if item["type"] != "seriesMaster"
                ]
        found.sort(key=lambda pair: pair[0])
        return self._page(request, [shown for _start, shown in found], default_size=10)

    def _schedule(self, address, start, end, interval, tz_name):
        box = self.mailboxes.get((address or "").lower())
        if box is None:
            return {
                "scheduleId": address,
                "availabilityView": "",
                "scheduleItems": [],
                "error": {
                    "message": "The user or resource could not be found.",
                    "responseCode": "ErrorMailRecipientNotFound",
                },
            }
        items = []
        for record in list(box.events.values()):
            if record["_cal"] != box.default_calendar_id or record["type"] not in (
                "singleInstance",
                "seriesMaster",
            ):
                continue
            for _item_id, item in window_items(box, record, start, end):
                if item["type"] == "seriesMaster":
                    continue
                shown = render(box, item, tz_name)
                response = (shown.get("responseStatus") or {}).get("response")
                if shown["isCancelled"] or shown["showAs"] == "free" or response == "declined":
                    continue
                items.append((item["_start"], item["_end"], shown))
        items.sort(key=lambda found: found[0])
        return {
            "scheduleId": address,
            "availabilityView": _view(items, start, end, interval),
            "scheduleItems": [
                {
                    "isPrivate": shown.get("sensitivity") == "private",
                    "status": shown["showAs"],
                    "subject": shown.get("subject") or "",
                    "location": (shown.get("location") or {}).get("displayName") or "",
                    "start": shown["start"],
                    "end": shown["end"],
                }
                for _start, _end, shown in items
            ],
        }


def _view(items, start, end, interval):
    step, slots, moment = timedelta(minutes=interval), [], start
    while moment < end:
        nxt = moment + step
        codes = [_VIEW.get(s["showAs"], "2") for a, b, s in items if a < nxt and b > moment]
        slots.append(max(codes) if codes else "0")
        moment = nxt
    return "".join(slots)
