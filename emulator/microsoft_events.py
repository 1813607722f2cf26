"""Graph calendars and events: CRUD with changeKey/If-Match, transactionId, instances,
meeting responses, and the attendees' copies of a meeting in their own mailboxes."""

import copy

from werkzeug.wrappers import Response

from . import microsoft_extended as extended
from .microsoft_event_model import (
    SHARED,
    apply_body,
    apply_exception,
    find_occurrence,
    instances,
    materialize,
    new_record,
    render,
    series_of,
    touch,
)
from .microsoft_mail import meeting_mails
from .microsoft_schema import EVENT, validate
from .microsoft_store import (
    ID_PREFIX,
    GraphError,
    Mailbox,
    etag,
    iso,
    not_found,
    now,
    occurrence_id,
    parse_query_datetime,
)
from .provider import json_response

RESPONSES = {
    "accept": "accepted",
    "decline": "declined",
    "tentativelyAccept": "tentativelyAccepted",
}


class GraphEvents:
    """Mixin of MicrosoftEmulator: ``/graph/v1.0/me/calendars`` and ``/me/events``."""

    def _reset_events(self):
        self.mailboxes = {}
        # what Outlook would have mailed guests: {"action", "mailbox", "event", "attendees"}
        self.sent_mails = []
        self.seq = 0

    def _create_mailbox(self, user):
        box = Mailbox(user)
        box.add_calendar("Calendar", is_default=True)
        self.mailboxes[user.email] = box
        return box

    def _calendar(self, box, cal_id):
        return box.calendar(None if cal_id in (None, "default") else cal_id)

    def _box_for(self, user, cal_id):
        """(mailbox holding the calendar, the caller's entry for it when it is shared with
        them, else None): a shared calendar's events live in its owner's mailbox, reached
        through the sharee's /me/calendars/{id}; the entry's ``canEdit`` is the sharee's."""
        box = self.mailboxes[user.email]
        link = box.calendars.get(cal_id) if cal_id not in (None, "default") else None
        if link is not None and link.get("_link"):
            return self.mailboxes[link["_link"]], link
        return box, None

    def _find(self, box, event_id, cal_id=None):
        if not event_id.startswith(ID_PREFIX):
            raise GraphError(400, "ErrorInvalidIdMalformed", "Id is malformed.")
        record = box.events.get(event_id) or find_occurrence(box, event_id)
        if record is None or (cal_id and record["_cal"] != self._calendar(box, cal_id)["id"]):
            raise not_found()
        return record

    @staticmethod
    def _check_writable(cal):
        if not cal["canEdit"]:
            raise GraphError(
                403, "ErrorAccessDenied", "Access is denied. Check credentials and try again."
            )

    @staticmethod
    def _check_if_match(request, record):
        wanted = request.headers.get("If-Match")
        if wanted and wanted.strip() != "*" and wanted.strip() != etag(record["changeKey"]):
            raise GraphError(
                412,
                "ErrorIrresolvableConflict",
                "The send or update operation could not be performed because the "
                "change key passed in the request does not match the current "
                "change key for the item.",
            )

    def _event_answer(self, request, box, record, status=200):
        tz_name = self._time_zone(request)
        headers = {
            "ETag": etag(record["changeKey"]),
            "Preference-Applied": f'outlook.timezone="{tz_name}"',
        }
        out = extended.expand(render(box, record, tz_name), record, extended.wanted(request.args))
        return json_response(out, status, headers)

    @staticmethod
    def _render_calendar(cal):
        return {key: copy.deepcopy(value) for key, value in cal.items() if key[0] != "_"}

    def on_calendars_list(self, request, user):
        with self.emu.lock:
            cals = [self._render_calendar(c) for c in self.mailboxes[user.email].calendars.values()]
        return self._page(request, cals, default_size=10)

    def on_calendars_get(self, request, user, cal_id=None):
        with self.emu.lock:
            box, link = self._box_for(user, cal_id)
            cal = link or self._calendar(box, cal_id)
            return json_response(self._render_calendar(cal))

    def on_events_list(self, request, user, cal_id=None):
        by_property = extended.parse_filter(request.args.get("$filter"))
        wanted_uid = None if by_property else self._filter_ical_uid(request)
        asked = extended.wanted(request.args)
        with self.emu.lock:
            box, _link = self._box_for(user, cal_id)
            cal = self._calendar(box, cal_id)
            tz_name = self._time_zone(request)
            items = [
                extended.expand(render(box, r, tz_name), r, asked)
                for r in box.events.values()
                if r["_cal"] == cal["id"]
                and r["type"] in ("singleInstance", "seriesMaster")
                and wanted_uid in (None, r["iCalUId"])
                and (by_property is None or extended.matches(r, by_property))
            ]
        return self._page(request, items, default_size=10)

    @staticmethod
    def _filter_ical_uid(request):
        expression = request.args.get("$filter")
        if not expression:
            return None
        field, _, value = expression.partition(" eq ")
        if field.strip() != "iCalUId" or not (value.startswith("'") and value.endswith("'")):
            raise GraphError(
                400,
                "ErrorInvalidUrlQueryFilter",
                "The emulator only supports $filter=iCalUId eq '...' and on a single-value "
                "extended property.",
            )
        return value[1:-1]

    def on_events_create(self, request, user, cal_id=None):
        body = self._json(request)
        body = validate(body, EVENT)
        with self.emu.lock:
            box, link = self._box_for(user, cal_id)
            cal = self._calendar(box, cal_id)
            self._check_writable(link or cal)
            txn = body.get("transactionId")
            existing = box.events.get(box.transactions.get(txn, "")) if txn else None
            if existing is not None:
                # a retried create with the same transactionId: no duplicate, nothing done
                request.environ["emulator.replayed"] = True
                return self._event_answer(request, box, existing, 201)
            record = new_record(box, cal, txn)
            apply_body(record, body, cal, creating=True)
            extended.store(record, body)
            box.events[record["id"]] = record
            if txn:
                box.transactions[txn] = record["id"]
            self._changed(box, cal, record["id"], None, "created")
            self._sync_attendee_copies(box, record)
            self._mail(box, record, meeting_mails(None, record))
            return self._event_answer(request, box, record, 201)

    def on_events_get(self, request, user, event_id, cal_id=None):
        with self.emu.lock:
            box, _link = self._box_for(user, cal_id)
            return self._event_answer(request, box, self._find(box, event_id, cal_id))

    def on_events_update(self, request, user, event_id, cal_id=None):
        body = self._json(request)
        body = validate(body, EVENT)
        with self.emu.lock:
            box, link = self._box_for(user, cal_id)
            record = self._find(box, event_id, cal_id)
            cal = box.calendars[record["_cal"]]
            self._check_writable(link or cal)
            self._check_if_match(request, record)
            previous = copy.deepcopy(record)
            if record["type"] in ("occurrence", "exception"):
                master = series_of(box, record)
                work = copy.deepcopy(record)
                apply_exception(master, work, body)
                if record["type"] == "occurrence":
                    work = materialize(box, work)
            else:
                work = copy.deepcopy(record)
                apply_body(work, body, cal, creating=False)
                extended.store(work, body)
                self._drop_exceptions_if_series_moved(box, previous, work)
            touch(work)
            box.events[work["id"]] = work
            master = series_of(box, work)
            self._mail(box, work, meeting_mails(previous, work, master))
            self._changed(box, cal, work["id"], previous, "updated")
            self._sync_attendee_copies(box, series_of(box, work) or work)
            return self._event_answer(request, box, work)

    @staticmethod
    def _drop_exceptions_if_series_moved(box, previous, work):
        """Outlook discards a series' exceptions when its pattern or time changes."""
        if previous["type"] != "seriesMaster" or work["type"] != "seriesMaster":
            return
        if (previous["recurrence"], previous["_start"], previous["_end"]) == (
            work["recurrence"],
            work["_start"],
            work["_end"],
        ):
            return
        for exc_id in work["_exceptions"].values():
            box.events.pop(exc_id, None)
        work["_exceptions"], work["_cancelled"] = {}, set()

    def on_events_delete(self, request, user, event_id, cal_id=None):
        with self.emu.lock:
            box, link = self._box_for(user, cal_id)
            record = self._find(box, event_id, cal_id)
            cal = box.calendars[record["_cal"]]
            self._check_writable(link or cal)
            self._check_if_match(request, record)
            previous = copy.deepcopy(record)
            master = series_of(box, record)
            self._mail(box, record, meeting_mails(previous, None, master))
            if master is not None:
                previous_master = copy.deepcopy(master)
                master["_cancelled"].add(record["_key"])
                master["_exceptions"].pop(record["_key"], None)
                box.events.pop(record["id"], None)
                touch(master)
                self._changed(box, cal, record["id"], previous, "deleted")
                if not self.bare_removed:
                    # kind: the series is listed again, which names the removed occurrence
                    self._changed(box, cal, master["id"], previous_master, "updated")
                self._sync_attendee_copies(box, master)
            else:
                del box.events[record["id"]]
                for exc_id in record["_exceptions"].values():
                    box.events.pop(exc_id, None)
                self._changed(box, cal, record["id"], previous, "deleted")
                self._cancel_attendee_copies(box, record, set(record["_copies"]))
        return Response(status=204)

    def on_events_instances(self, request, user, event_id, cal_id=None):
        start = parse_query_datetime(request.args.get("startDateTime"), "startDateTime")
        end = parse_query_datetime(request.args.get("endDateTime"), "endDateTime")
        with self.emu.lock:
            box, _link = self._box_for(user, cal_id)
            record = self._find(box, event_id, cal_id)
            found = instances(box, record, start, end) if record["type"] == "seriesMaster" else []
            tz_name = self._time_zone(request)
            items = [render(box, item, tz_name) for item in found]
        return self._page(request, items, default_size=10)

    def on_events_respond(self, request, user, event_id, action, cal_id=None):
        body = self._json(request)
        body = validate(body, action)
        with self.emu.lock:
            box, _link = self._box_for(user, cal_id)
            record = self._find(box, event_id, cal_id)
            base = series_of(box, record) or record
            if base["isOrganizer"]:
                raise GraphError(
                    400,
                    "ErrorInvalidRequest",
                    "Your request can't be completed. "
                    "You can't respond to a meeting you organized.",
                )
            status = {"response": RESPONSES[action], "time": iso(now())}
            previous = copy.deepcopy(record)
            if record["type"] == "occurrence":
                record = materialize(box, copy.deepcopy(record))
            if record["type"] == "exception":
                record["_overrides"]["responseStatus"] = status
            else:
                record["responseStatus"] = status
            touch(record)
            self._changed(box, box.calendars[record["_cal"]], record["id"], previous, "updated")
            if body.get("SendResponse", True):
                self._tell_organizer(base, record, user.email, status)
        return Response(status=202)

    def _mail(self, box, record, mails):
        for action, emails in mails:
            emails = [e for e in emails if e != box.user.email]
            if emails:
                self.sent_mails.append(
                    {
                        "action": action,
                        "mailbox": box.user.email,
                        "event": record["id"],
                        "attendees": emails,
                    }
                )

    def _tell_organizer(self, base, record, email, status):
        organizer_email, organizer_event_id = base["_organizer"]
        org_box = self.mailboxes.get(organizer_email)
        target = org_box and org_box.events.get(organizer_event_id)
        if not target:
            return
        if record["type"] == "exception":
            target = org_box.events.get(occurrence_id(organizer_event_id, record["_key"]))
            if target is None:
                return
        previous = copy.deepcopy(target)
        if target["type"] == "exception":
            master = series_of(org_box, target)
            attendees = copy.deepcopy(target["_overrides"].get("attendees", master["attendees"]))
        else:
            attendees = copy.deepcopy(target["attendees"])
        for attendee in attendees:
            if attendee["emailAddress"]["address"].lower() == email:
                attendee["status"] = dict(status)
        if target["type"] == "exception":
            target["_overrides"]["attendees"] = attendees
        else:
            target["attendees"] = attendees
        touch(target)
        self._changed(org_box, org_box.calendars[target["_cal"]], target["id"], previous, "updated")

    def _sync_attendee_copies(self, box, record):
        """The organizer's meeting appears in every invited emulator user's own calendar."""
        if not record["isOrganizer"] or record["type"] not in ("singleInstance", "seriesMaster"):
            return
        invited = {a["emailAddress"]["address"].lower() for a in record["attendees"]}
        invited = {e for e in invited if e in self.mailboxes and e != box.user.email}
        self._cancel_attendee_copies(box, record, set(record["_copies"]) - invited)
        for email in sorted(invited):
            self._upsert_copy(box, record, self.mailboxes[email])

    def _upsert_copy(self, box, record, other):
        cal = other.calendar()
        current = other.events.get(record["_copies"].get(other.user.email, ""))
        previous = copy.deepcopy(current) if current else None
        if current is None:
            current = new_record(other, cal)
            current.update(
                {
                    "isOrganizer": False,
                    "_organizer": (box.user.email, record["id"]),
                    "responseStatus": {"response": "notResponded", "time": "0001-01-01T00:00:00Z"},
                }
            )
            record["_copies"][other.user.email] = current["id"]
        for name in SHARED:
            current[name] = copy.deepcopy(record[name])
        current["_cancelled"] = set(record["_cancelled"])
        for key in set(current["_exceptions"]) - set(record["_exceptions"]):
            other.events.pop(current["_exceptions"].pop(key), None)
        for key, exc_id in record["_exceptions"].items():
            source = box.events[exc_id]
            mine = other.events.get(current["_exceptions"].get(key, ""))
            copied = dict(
                copy.deepcopy(source),
                id=occurrence_id(current["id"], key),
                seriesMasterId=current["id"],
                _cal=cal["id"],
            )
            if mine is not None and "responseStatus" in mine["_overrides"]:
                copied["_overrides"]["responseStatus"] = mine["_overrides"]["responseStatus"]
            other.events[copied["id"]] = copied
            current["_exceptions"][key] = copied["id"]
        touch(current)
        other.events[current["id"]] = current
        self._changed(
            other, cal, current["id"], previous, "created" if previous is None else "updated"
        )

    def _cancel_attendee_copies(self, box, record, emails):
        for email in emails:
            other = self.mailboxes.get(email)
            copy_id = record["_copies"].pop(email, None)
            current = other and other.events.get(copy_id)
            if not current:
                continue
            previous = copy.deepcopy(current)
            current["isCancelled"] = True
            if not current["subject"].startswith("Canceled: "):
                current["subject"] = "Canceled: " + current["subject"]
            touch(current)
            self._changed(
                other, other.calendars[current["_cal"]], current["id"], previous, "updated"
            )
