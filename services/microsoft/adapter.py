"""The sync engine's view of one Outlook calendar (see ``adapter.ProviderAdapter``).

Turns engine calls into Graph requests through ``GraphClient`` and the answers into
``RemoteEvent`` values with ``mapper``; never touches the ORM.

Series: ``calendarView/delta`` lists occurrences and exceptions, and Graph documents no
series masters in it (the emulator adds them). The engine wants what Google gives: the
master with its RRULE, the exceptions, and the cancelled occurrences. So a master missing
from the delta is read once per series (``$batch`` GETs, 20 per request), plain occurrences
are dropped (the RRULE implies them), and cancelled occurrences, which Graph simply stops
listing, are found by expanding the pattern over the window and comparing with the
instances Graph lists: the delta's own items in a full round, and in an incremental one when
the series changed as a whole (a rename lists every occurrence: a series change costs what
changed, not a re-read of the window); ``/instances`` otherwise.
An occurrence that Odoo changes on its own is named by its series and original start; its
Graph id is looked up with ``/instances`` around that start before it is patched.
"""

import dataclasses
import datetime as dt
from collections import defaultdict
from urllib.parse import urlencode

from ..adapter import BusyCalendar, ChangeSet, ProviderAdapter, PushResult, RemoteEvent
from ..exceptions import BadRequest, NotFoundError, SyncError
from ..neutral import only_exdates_changed
from ..rrule import UnsupportedRecurrence
from .busy import busy_of
from .client import BATCH_SIZE, GraphClient, graph_time
from .mapper import (
    original_start,
    parse_datetime,
    to_body,
    to_remote,
)
from .occurrences import cancelled, exdates, expected_slots, series_zone, single_events, uncovered

WRITE_KINDS = ("create", "update", "delete")
RESPONSE_ACTIONS = {"accepted": "accept", "declined": "decline", "tentative": "tentativelyAccept"}
DELTA_PAGE_SIZE = 100
# Graph refuses event subscriptions longer than 10,080 minutes; a minute spare for clock skew
MAX_SUBSCRIPTION_SECONDS = (10080 - 1) * 60


def _aware(moment):
    """A naive datetime is UTC (Odoo's convention); aware ones are kept."""
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


def _naive(moment):
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def _only_exdates_changed(op):
    """Whether an update of a series differs from what was last synced by EXDATEs alone."""
    return op.kind == "update" and not op.want_meeting and only_exdates_changed(op.event, op.base)


class GraphAdapter(ProviderAdapter):
    provider = "microsoft"

    def __init__(self, client, calendar_id, account_email, token_data, calendar_timezone=None):
        self.client = client
        self.calendar_id = calendar_id
        self.account_email = (account_email or "").strip().lower()
        # the connector's token provider writes the rotated msal cache into this very dict
        self._token_data = token_data if token_data is not None else {}
        self._calendar_timezone = calendar_timezone or "UTC"
        # read from Graph on the first Teams request
        self._allowed_providers = None

    def _remote(self, item):
        return to_remote(item, self.account_email, self._calendar_timezone)

    def list_changes(self, cursor, window_start, window_end):
        # the engine's window is Odoo's naive UTC; series expansion compares aware datetimes
        window_start, window_end = _aware(window_start), _aware(window_end)
        items, delta_link = self.client.delta(
            self.calendar_id,
            window_start,
            window_end,
            delta_link=cursor or None,
            page_size=DELTA_PAGE_SIZE,
        )
        full = not cursor
        occurrences = {}
        events = self._with_series(items, full, window_start, window_end, occurrences)
        return ChangeSet(events=events, cursor=delta_link or "", full=full, occurrences=occurrences)

    def list_occurrences(self, cursor, window_start, window_end):
        window_start, window_end = _aware(window_start), _aware(window_end)
        items, delta_link = self.client.delta(
            self.calendar_id, window_start, window_end, cursor or None, DELTA_PAGE_SIZE
        )
        events = single_events(items, self._remote, self._read_masters)
        return ChangeSet(events=events, cursor=delta_link or "", full=not cursor)

    def _with_series(self, items, full, window_start, window_end, occurrences):
        """The RemoteEvents of a delta page set; ``occurrences`` gets every occurrence id seen
        (a later delta may report one deleted as a bare ``@removed`` id)."""
        events, masters, listed = [], {}, defaultdict(list)
        for item in items:
            kind = item.get("type")
            if "@removed" not in item and kind == "seriesMaster":
                masters[item["id"]] = item
            elif "@removed" not in item and kind in ("occurrence", "exception"):
                listed[item["seriesMasterId"]].append(item)
            if kind != "occurrence" or "@removed" in item:
                events.append(self._remote(item))
        missing = [master_id for master_id in listed if master_id not in masters]
        for master_id, answer in zip(missing, self._read_masters(missing), strict=True):
            if answer is None:
                events.append(RemoteEvent(master_id, deleted=True))
            else:
                masters[master_id] = answer
                events.append(self._remote(answer))
        for master_id, master in masters.items():
            if not master.get("recurrence"):
                continue
            if full:
                instances = listed[master_id]
            elif any(item.get("type") == "occurrence" for item in listed[master_id]):
                instances = self._listed_instances(
                    master, listed[master_id], window_start, window_end
                )
            else:
                instances = self.client.instances(master_id, window_start, window_end)
            events.extend(
                cancelled(master, instances, self._calendar_timezone, window_start, window_end)
            )
            timezone, all_day = series_zone(master, self._calendar_timezone)
            for item in instances:
                occurrences[item["id"]] = (master_id, original_start(item, timezone, all_day))
        return events

    def _read_masters(self, master_ids):
        """Each series master (None when it is gone), read through $batch."""
        answers = self.client.batch([GraphClient.get_event_op(i) for i in master_ids])
        found = []
        for answer in answers:
            if isinstance(answer, NotFoundError):
                found.append(None)
            elif isinstance(answer, SyncError):
                raise answer
            else:
                found.append(answer)
        return found

    def _listed_instances(self, master, listed, window_start, window_end):
        """A series whose plain occurrences an incremental delta lists changed as a whole (a
        plain occurrence cannot change alone): Graph lists every instance of it in the round's
        window, on one page, so the listing stands for ``/instances``. The round keeps the
        window it started with, ours moves on: ``/instances`` reads only the edges where the
        two differ, so a slot outside the round's window is never taken for a cancelled one."""
        timezone, all_day = series_zone(master, self._calendar_timezone)
        seen = [original_start(item, timezone, all_day) for item in listed]
        expected = expected_slots(master, self._calendar_timezone, window_start, window_end)
        head, tail = uncovered(expected, seen)
        ranges = []
        if head:
            ranges.append((window_start, self._slot_window(max(head))[1]))
        if tail:
            ranges.append((self._slot_window(min(tail))[0], window_end))
        instances = {item["id"]: item for item in listed}
        for start, end in ranges:
            for item in self.client.instances(master["id"], start, end):
                instances.setdefault(item["id"], item)
        return list(instances.values())

    def busy(self, start, end, calendars=None):
        calendars = calendars or [BusyCalendar(self.calendar_id, self.account_email, True)]
        return busy_of(self.client, self.account_email, calendars, start, end)

    def get(self, external_id):
        return self._remote(self.client.get_event(external_id))

    def _allowed(self):
        if self._allowed_providers is None:
            calendar = self.client.get_calendar(self.calendar_id)
            self._allowed_providers = tuple(calendar.get("allowedOnlineMeetingProviders") or ())
        return self._allowed_providers

    def _operation(self, op):
        if op.kind == "delete":
            return GraphClient.delete_event_op(op.external_id, etag=op.etag or None)
        if op.event is None:
            raise ValueError(f"a {op.kind} needs the event to send")
        wants_teams = op.want_meeting and not op.event.online_meeting_url
        allowed = self._allowed() if wants_teams else None
        try:
            body = to_body(op.event, op.want_meeting, allowed, mark=op.mirror_mark)
        except UnsupportedRecurrence as exc:
            raise BadRequest(f"Outlook cannot repeat this event that way: {exc}") from exc
        if op.kind == "create":
            if not op.transaction_id:
                raise ValueError(
                    "a Graph create needs a transaction id (retries must not duplicate)"
                )
            return GraphClient.create_event_op(self.calendar_id, body, op.transaction_id)
        return GraphClient.update_event_op(op.external_id, body, etag=op.etag or None)

    def _write_result(self, op, answer):
        if op.kind == "delete" and (answer is None or isinstance(answer, NotFoundError)):
            # 404: someone deleted it first, which is what we wanted
            return PushResult(op.key, remote=RemoteEvent(op.external_id, deleted=True))
        if isinstance(answer, SyncError):
            return PushResult(op.key, error=answer)
        remote = self._remote(answer)
        try:
            return PushResult(op.key, remote=self._apply_exdates(op.event, remote))
        except SyncError as exc:
            return PushResult(op.key, remote=remote, error=exc)

    def _apply_exdates(self, event, remote):
        """Delete the occurrences a series' EXDATEs remove (a Graph pattern cannot hold them);
        returns the master read again, since each deletion changes its changeKey."""
        gone = exdates(event.recurrence, event.timezone, event.all_day) if event.recurrence else ()
        if not gone or not remote.event or not remote.event.recurrence:
            return remote
        moments = [
            w if isinstance(w, dt.datetime) else dt.datetime.combine(w, dt.time(), dt.UTC)
            for w in gone
        ]
        # a day either side: all-day occurrences start at local midnight, not UTC's
        instances = self.client.instances(
            remote.external_id,
            min(moments) - dt.timedelta(days=1),
            max(moments) + dt.timedelta(days=2),
        )
        targets = [
            item["id"]
            for item in instances
            if original_start(item, event.timezone, event.all_day) in gone
        ]
        if not targets:
            return remote
        answers = self.client.batch([GraphClient.delete_event_op(t) for t in targets])
        failed = [
            a for a in answers if isinstance(a, SyncError) and not isinstance(a, NotFoundError)
        ]
        if failed:
            raise failed[0]
        return self.get(remote.external_id)

    def _exdates_only(self, op):
        """A series whose only change is removed occurrences: delete them, no PATCH."""
        try:
            remote = self._apply_exdates(op.event, RemoteEvent(op.external_id, event=op.event))
            if not remote.etag:
                remote = self.get(op.external_id)  # nothing was left to delete
            return PushResult(op.key, remote=remote)
        except SyncError as exc:
            return PushResult(op.key, error=exc)

    @staticmethod
    def _slot_window(when):
        """The instances window around an occurrence's original start: a day either side, as
        an all-day occurrence starts at local midnight, not UTC's."""
        moment = when if isinstance(when, dt.datetime) else dt.datetime.combine(when, dt.time())
        moment = _aware(moment)
        return moment - dt.timedelta(days=1), moment + dt.timedelta(days=2)

    def _instances_op(self, op):
        start, end = self._slot_window(op.original_start)
        query = urlencode({"startDateTime": graph_time(start), "endDateTime": graph_time(end)})
        url = GraphClient.get_event_op(op.recurring_external_id)["url"]
        return {"method": "GET", "url": f"{url}/instances?{query}"}

    def _occurrence_id(self, op, page):
        """The Graph id of the occurrence ``op`` names by series and original start."""
        if isinstance(page, SyncError):
            raise page
        items = page.get("value") or []
        if page.get("@odata.nextLink"):
            items = self.client.instances(
                op.recurring_external_id, *self._slot_window(op.original_start)
            )
        for item in items:
            if original_start(item, op.event.timezone, op.event.all_day) == op.original_start:
                return item["id"]
        raise NotFoundError(
            f"the series has no occurrence at {op.original_start.isoformat()} any more", 404
        )

    def _resolve_occurrences(self, ops, results):
        """Ops on an occurrence known by its series id and original start only (Odoo changed
        it on its own): Graph has no id to compute, so look its id up (one $batch of
        ``/instances`` around the slots) and send the op to it."""
        wanted = [
            index
            for index, op in enumerate(ops)
            if op.kind == "update" and not op.external_id and op.recurring_external_id
        ]
        if not wanted:
            return ops
        for index in wanted:
            if ops[index].original_start is None or ops[index].event is None:
                raise ValueError("an occurrence update needs its original start and the event")
        try:
            pages = self.client.batch([self._instances_op(ops[index]) for index in wanted])
        except SyncError as exc:
            # the lookups failed as a whole: those ops wait for a retry, the others go out
            pages = [exc] * len(wanted)
        resolved = list(ops)
        for index, page in zip(wanted, pages, strict=True):
            op = ops[index]
            try:
                found = self._occurrence_id(op, page)
            except SyncError as exc:
                results[index] = PushResult(op.key, error=exc)
                continue
            resolved[index] = dataclasses.replace(op, external_id=found)
        return resolved

    def _respond(self, op):
        action = RESPONSE_ACTIONS.get(op.response)
        if action is None:
            return PushResult(op.key, error=BadRequest(f"cannot answer {op.response!r}"))
        try:
            self.client.respond(op.external_id, action)
            return PushResult(op.key, remote=self.get(op.external_id))
        except SyncError as exc:
            return PushResult(op.key, error=exc)

    def push(self, ops):
        ops = list(ops)
        unknown = [op.kind for op in ops if op.kind not in WRITE_KINDS and op.kind != "respond"]
        if unknown:
            raise ValueError(f"unknown push kind {unknown[0]!r}")
        results = [None] * len(ops)
        ops = self._resolve_occurrences(ops, results)
        prepared = []
        for index, op in enumerate(ops):
            if op.kind not in WRITE_KINDS or results[index] is not None:
                continue
            if _only_exdates_changed(op):
                # an occurrence removed from the series: deleting it is the whole change
                results[index] = self._exdates_only(op)
                continue
            try:
                prepared.append((index, self._operation(op)))
            except SyncError as exc:
                results[index] = PushResult(op.key, error=exc)
        for first in range(0, len(prepared), BATCH_SIZE):
            chunk = prepared[first : first + BATCH_SIZE]
            try:
                answers = self.client.batch([operation for _index, operation in chunk])
            except SyncError as exc:
                if first == 0:
                    raise
                # a later request failed as a whole: its ops and the rest wait for a retry
                for index, _operation in prepared[first:]:
                    results[index] = PushResult(ops[index].key, error=exc)
                break
            for (index, _operation), answer in zip(chunk, answers, strict=True):
                results[index] = self._write_result(ops[index], answer)
        for index, op in enumerate(ops):
            if op.kind == "respond":
                results[index] = self._respond(op)
        return results

    def watch(self, channel_id, address, token, ttl_seconds):
        """A Graph subscription on the calendar's events; ``channel_id`` is ours only (Graph
        chooses the subscription id, returned as ``resource_id``)."""
        seconds = max(60, min(int(ttl_seconds), MAX_SUBSCRIPTION_SECONDS))
        expiration = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds)
        head, found, tail = address.rpartition("/notify")
        resource = f"me/calendars/{self.calendar_id}/events" if self.calendar_id else "me/events"
        answer = self.client.create_subscription(
            resource,
            address,
            expiration,
            token,
            change_type="created,updated,deleted",
            lifecycle_url=f"{head}/lifecycle{tail}" if found else None,
        )
        return {
            "resource_id": answer["id"],
            "expiration": parse_datetime(answer["expirationDateTime"]),
        }

    def unwatch(self, channel_id, resource_id):
        try:
            self.client.delete_subscription(resource_id)
        except NotFoundError:
            # the subscription already expired or was removed: nothing left to stop
            return

    def token_data(self):
        return dict(self._token_data)
