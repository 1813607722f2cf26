"""The sync engine's view of one Google calendar (see ``adapter.ProviderAdapter``).

Turns engine calls into Calendar API requests through ``GoogleCalendarClient`` and the
answers into ``RemoteEvent`` values with ``mapper``; never touches the ORM.
"""

from datetime import UTC, datetime

from ..adapter import ChangeSet, ProviderAdapter, PushResult, RemoteEvent
from ..exceptions import (
    AlreadyExists,
    AuthRevoked,
    BadRequest,
    NotFoundError,
    PreconditionFailed,
    SyncError,
)
from .client import BATCH_SIZE, Operation, token_data_of
from .mapper import RESPONSE_TO_GOOGLE, to_body, to_remote

WRITE_ACTIONS = {"create": "insert", "update": "patch", "delete": "delete"}


def _batch_failure(results):
    """The exception of a batch request that failed as a whole, with the index it starts at.

    The client gives every operation from the failed request on the same exception object;
    one operation alone is a whole failure only when no part answered (no HTTP status) or
    when the grant is gone.
    """
    if not results or not isinstance(results[-1], SyncError):
        return None, None
    failure = results[-1]
    start = len(results) - 1
    while start > 0 and results[start - 1] is failure:
        start -= 1
    if start % BATCH_SIZE:
        return None, None
    whole = len(results) - start > 1 or failure.status is None or isinstance(failure, AuthRevoked)
    return (failure, start) if whole else (None, None)


def instance_id(op):
    """Google's id of one occurrence: the series id and the original start (UTC, or the date
    for all-day series), as the Calendar API documents for instances."""
    if not op.recurring_external_id or op.original_start is None:
        raise ValueError(f"a {op.kind} needs an event id or a series id and original start")
    start = op.original_start
    if isinstance(start, datetime):
        return f"{op.recurring_external_id}_{start.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}"
    return f"{op.recurring_external_id}_{start.strftime('%Y%m%d')}"


class GoogleAdapter(ProviderAdapter):
    provider = "google"

    def __init__(self, client, calendar_id, account_email, token_data, calendar_timezone=None):
        self.client = client
        self.calendar_id = calendar_id
        self.account_email = (account_email or "").strip().lower()
        self._token_data = dict(token_data or {})
        # read from Google on the first event that needs it (start/end without a timeZone)
        self._calendar_timezone = calendar_timezone

    def _calendar_zone(self):
        if self._calendar_timezone is None:
            calendar = self.client.get_calendar(self.calendar_id)
            self._calendar_timezone = calendar.get("timeZone") or "UTC"
        return self._calendar_timezone

    def _remote(self, item):
        unlabelled = item.get("status") != "cancelled" and not any(
            (item.get(name) or {}).get("timeZone") for name in ("start", "end")
        )
        return to_remote(item, self.account_email, self._calendar_zone() if unlabelled else "")

    def list_changes(self, cursor, window_start, window_end):
        return self._listing(cursor, window_start, window_end, single_events=False)

    def list_occurrences(self, cursor, window_start, window_end):
        # singleEvents=true: Google expands series into instances, in full and incremental
        # lists alike (the sync token remembers the query it was made with)
        return self._listing(cursor, window_start, window_end, single_events=True)

    def _listing(self, cursor, window_start, window_end, single_events):
        """Changes since ``cursor``, or the window's events in full without one."""
        if cursor:
            items, next_token = self.client.list_events(
                self.calendar_id, sync_token=cursor, single_events=single_events
            )
        else:
            items, next_token = self.client.list_events(
                self.calendar_id,
                time_min=window_start,
                time_max=window_end,
                show_deleted=False,
                single_events=single_events,
            )
        events = [self._remote(item) for item in items]
        return ChangeSet(events=events, cursor=next_token or "", full=not cursor)

    def get(self, external_id):
        return self._remote(self.client.get_event(self.calendar_id, external_id))

    def busy(self, start, end, calendars=None):
        ids = list(dict.fromkeys(c.remote_id for c in calendars or ())) or [self.calendar_id]
        found = self.client.free_busy(ids, start, end)
        return sorted(interval for calendar_id in ids for interval in found.get(calendar_id, []))

    def get_target(self, op):
        return self.get(op.external_id or instance_id(op))

    def _operation(self, op):
        action = WRITE_ACTIONS[op.kind]
        send_updates = "all" if op.notify_guests else "none"
        if action == "delete":
            return Operation(
                "delete",
                self.calendar_id,
                event_id=op.external_id,
                etag=op.etag or None,
                send_updates=send_updates,
            )
        if op.event is None:
            raise ValueError(f"a {op.kind} needs the event to send")
        body = to_body(
            op.event,
            want_meeting=op.want_meeting,
            drop_meeting=op.drop_meeting,
            mark=op.mirror_mark,
        )
        if action == "insert":
            if not op.external_id:
                raise ValueError("a Google create needs the event id chosen by the caller")
            return Operation(
                "insert",
                self.calendar_id,
                body={**body, "id": op.external_id},
                send_updates=send_updates,
            )
        return Operation(
            "patch",
            self.calendar_id,
            event_id=op.external_id or instance_id(op),
            body=body,
            etag=op.etag or None,
            send_updates=send_updates,
        )

    def _write_result(self, op, answer):
        if isinstance(answer, AlreadyExists) and op.kind == "create":
            # an earlier try created it and its answer was lost: this is our event
            try:
                return PushResult(op.key, remote=self.get(op.external_id))
            except NotFoundError:
                return PushResult(op.key, error=answer)
            except SyncError as exc:
                return PushResult(op.key, error=exc)
        if isinstance(answer, NotFoundError) and op.kind == "delete":
            return PushResult(op.key, remote=RemoteEvent(op.external_id, deleted=True))
        if isinstance(answer, SyncError):
            return PushResult(op.key, error=answer)
        if op.kind == "delete":
            return PushResult(op.key, remote=RemoteEvent(op.external_id, deleted=True))
        return PushResult(op.key, remote=self._remote(answer))

    def _respond_once(self, op):
        item = self.client.get_event(self.calendar_id, op.external_id)
        attendees = [dict(a) for a in item.get("attendees") or []]
        mine = next(
            (
                a
                for a in attendees
                if a.get("self") or (a.get("email") or "").lower() == self.account_email
            ),
            None,
        )
        if mine is None:
            raise BadRequest(f"{self.calendar_id} is not an attendee of {op.external_id}")
        mine["responseStatus"] = RESPONSE_TO_GOOGLE[op.response]
        # attendeesOmitted: only our own answer changes; the guests Google did not show us
        # (or that we are not allowed to change) stay as they are
        body = {"attendeesOmitted": True, "attendees": [mine]}
        return self.client.patch_event(
            self.calendar_id, op.external_id, body, etag=item.get("etag")
        )

    def _respond(self, op):
        if op.response not in RESPONSE_TO_GOOGLE:
            return PushResult(op.key, error=BadRequest(f"unknown response {op.response!r}"))
        try:
            try:
                answer = self._respond_once(op)
            except PreconditionFailed:
                # someone changed the event between our read and our write: read it again
                answer = self._respond_once(op)
            return PushResult(op.key, remote=self._remote(answer))
        except SyncError as exc:
            return PushResult(op.key, error=exc)

    def push(self, ops):
        ops = list(ops)
        results = [None] * len(ops)
        writes = [index for index, op in enumerate(ops) if op.kind in WRITE_ACTIONS]
        unknown = [op.kind for op in ops if op.kind not in WRITE_ACTIONS and op.kind != "respond"]
        if unknown:
            raise ValueError(f"unknown push kind {unknown[0]!r}")
        if writes:
            answers = self.client.batch([self._operation(ops[index]) for index in writes])
            failure, failed_from = _batch_failure(answers)
            if failure is not None and failed_from == 0:
                raise failure
            for index, answer in zip(writes, answers, strict=True):
                results[index] = self._write_result(ops[index], answer)
        for index, op in enumerate(ops):
            if op.kind == "respond":
                results[index] = self._respond(op)
        return results

    def watch(self, channel_id, address, token, ttl_seconds):
        answer = self.client.watch(self.calendar_id, channel_id, address, token, ttl_seconds)
        expiration = datetime.fromtimestamp(int(answer["expiration"]) / 1000, UTC)
        return {"resource_id": answer["resourceId"], "expiration": expiration}

    def unwatch(self, channel_id, resource_id):
        try:
            self.client.stop_channel(channel_id, resource_id)
        except NotFoundError:
            # the channel already expired or was stopped: nothing left to stop
            return

    def token_data(self):
        self._token_data = token_data_of(self.client, self._token_data)
        return dict(self._token_data)
