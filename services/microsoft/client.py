"""Microsoft Graph calendar client: one pooled session, at most 4 calls in flight per mailbox,
times always read in UTC, and every failure raised as a domain exception."""

import datetime as dt
import threading
import weakref
from urllib.parse import quote

import requests

from ..exceptions import AuthRevoked, NotFoundError, TransientError
from ..mirror import GRAPH_MARK_ID
from ..request_counter import count_request
from .http import DEFAULT_TIMEOUT, PinnedSession, graph_exception, transport_exception

MAX_CONCURRENCY = 4
BATCH_SIZE = 20
READ_PREFER = 'outlook.timezone="UTC"'
RESPONSES = {
    "accept": "accept",
    "accepted": "accept",
    "decline": "decline",
    "declined": "decline",
    "tentativelyAccept": "tentativelyAccept",
    "tentative": "tentativelyAccept",
}
# a chained batch step left unrun by a refused step before it: sent again
_UNRUN = object()
_MAILBOX_SLOTS = weakref.WeakValueDictionary()
_SLOTS_LOCK = threading.Lock()


def _mailbox_slots(key, size):
    """One semaphore per mailbox, shared by every client of that mailbox in this process."""
    with _SLOTS_LOCK:
        slots = _MAILBOX_SLOTS.get(key)
        if slots is None:
            slots = _MAILBOX_SLOTS[key] = threading.BoundedSemaphore(size)
        return slots


def graph_time(value):
    """``startDateTime``-style parameter: aware or UTC-naive datetime, or date -> ISO UTC."""
    if isinstance(value, str):
        return value
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time())
    if value.tzinfo:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _event_path(event_id):
    return f"/me/events/{quote(event_id, safe='')}"


class GraphClient:
    """Calls to ``{graph_uri}/v1.0`` for one mailbox.

    ``access_token_provider(force_refresh=False) -> str`` gives the bearer token; after a 401
    the client asks once more with ``force_refresh=True`` and only a second 401 is
    ``AuthRevoked``. ``mailbox`` (any stable key) shares the concurrency cap between clients.
    """

    def __init__(
        self,
        graph_uri,
        access_token_provider,
        verify=True,
        timeout=DEFAULT_TIMEOUT,
        mailbox=None,
        max_concurrency=MAX_CONCURRENCY,
    ):
        self.base = graph_uri.rstrip("/") + "/v1.0"
        self._provider = access_token_provider
        self._session = PinnedSession(verify=verify, timeout=timeout, pool_size=max_concurrency)
        self._slots = (
            _mailbox_slots((self.base, mailbox), max_concurrency)
            if mailbox
            else threading.BoundedSemaphore(max_concurrency)
        )
        self._token = None
        self._token_lock = threading.Lock()
        # called right after the token provider rotated the tokens (see MicrosoftConnector)
        self.on_refresh = None

    def set_refresh_callback(self, callback):
        self.on_refresh = callback

    def close(self):
        self._session.close()

    def _bearer(self, refresh):
        with self._token_lock:
            if refresh or self._token is None:
                self._token = self._provider(force_refresh=refresh)
            return self._token

    def _send(self, method, url, params=None, body=None, headers=None, prefer=None):
        url = url if "://" in url else self.base + url
        sent = {
            "Accept": "application/json",
            "Prefer": ", ".join(p for p in (READ_PREFER, prefer) if p),
        }
        sent.update(headers or {})
        for refresh in (False, True):
            sent["Authorization"] = f"Bearer {self._bearer(refresh)}"
            count_request("microsoft")
            with self._slots:
                try:
                    resp = self._session.request(
                        method, url, params=params, json=body, headers=sent
                    )
                except requests.RequestException as exc:
                    raise transport_exception(exc) from exc
            if resp.status_code != 401:
                return resp
        raise graph_exception(401, self._body(resp), resp.headers)

    @staticmethod
    def _body(resp):
        if not resp.content:
            return None
        try:
            return resp.json()
        except ValueError:
            return {"error": {"message": resp.text[:200]}}

    def _call(self, method, url, **kwargs):
        resp = self._send(method, url, **kwargs)
        body = self._body(resp)
        if resp.status_code >= 400:
            raise graph_exception(resp.status_code, body, resp.headers)
        return body

    def _collect(self, url, params=None, prefer=None):
        """Every item of a paged collection, following ``@odata.nextLink``."""
        items = []
        while url:
            page = self._call("GET", url, params=params, prefer=prefer)
            items.extend(page.get("value", []))
            url, params = page.get("@odata.nextLink"), None
        return items

    def list_calendars(self):
        return self._collect("/me/calendars")

    def get_calendar(self, calendar_id=None):
        path = f"/me/calendars/{quote(calendar_id, safe='')}" if calendar_id else "/me/calendar"
        return self._call("GET", path)

    def delta(self, calendar_id, start, end, delta_link=None, page_size=None):
        """Changes in the window: (items, new deltaLink). 410 -> SyncTokenExpired."""
        prefer = f"odata.maxpagesize={int(page_size)}" if page_size else None
        if delta_link:
            url, params = delta_link, None
        else:
            root = f"/me/calendars/{quote(calendar_id, safe='')}" if calendar_id else "/me"
            url = f"{root}/calendarView/delta"
            params = {"startDateTime": graph_time(start), "endDateTime": graph_time(end)}
        items = []
        while True:
            page = self._call("GET", url, params=params, prefer=prefer)
            items.extend(page.get("value", []))
            if page.get("@odata.nextLink"):
                url, params = page["@odata.nextLink"], None
                continue
            return items, page.get("@odata.deltaLink")

    def calendar_view(self, calendar_id, start, end):
        """The events and occurrences of one calendar over [start, end), in UTC: what busy
        time needs of them (Graph pages by 10 unless asked: 100 a page here)."""
        return self._collect(
            f"/me/calendars/{quote(calendar_id, safe='')}/calendarView",
            params={
                "startDateTime": graph_time(start),
                "endDateTime": graph_time(end),
                "$select": "start,end,showAs,isCancelled,responseStatus",
                "$top": "100",
            },
            prefer='outlook.timezone="UTC"',
        )

    def get_schedule(self, addresses, start, end):
        """``calendar/getSchedule`` in UTC: {address: [(status, start, end)]} with Graph's
        ``dateTimeTimeZone`` values; an address Graph answers with an error raises
        ``NotFoundError``."""
        body = {
            "schedules": list(addresses),
            "startTime": {"dateTime": graph_time(start)[:-1], "timeZone": "UTC"},
            "endTime": {"dateTime": graph_time(end)[:-1], "timeZone": "UTC"},
        }
        answer = self._call(
            "POST", "/me/calendar/getSchedule", body=body, prefer='outlook.timezone="UTC"'
        )
        found = {}
        for entry in answer.get("value") or []:
            if entry.get("error"):
                raise NotFoundError(f"getSchedule: {entry['error'].get('responseCode')}")
            found[entry["scheduleId"]] = [
                (item.get("status"), item["start"], item["end"])
                for item in entry.get("scheduleItems") or []
            ]
        return found

    def get_event(self, event_id):
        # a mirrored block's mark, which Graph returns only when asked for
        expand = f"singleValueExtendedProperties($filter=id eq '{GRAPH_MARK_ID}')"
        return self._call("GET", _event_path(event_id), params={"$expand": expand})

    def create_event(self, calendar_id, body, transaction_id):
        """Create once: a retry with the same ``transaction_id`` returns the same event."""
        op = self.create_event_op(calendar_id, body, transaction_id)
        return self._call("POST", op["url"], body=op["body"])

    def update_event(self, event_id, body, etag=None):
        headers = {"If-Match": etag} if etag else None
        return self._call("PATCH", _event_path(event_id), body=body, headers=headers)

    def delete_event(self, event_id, etag=None):
        headers = {"If-Match": etag} if etag else None
        self._call("DELETE", _event_path(event_id), headers=headers)

    def instances(self, event_id, start, end):
        params = {"startDateTime": graph_time(start), "endDateTime": graph_time(end)}
        return self._collect(_event_path(event_id) + "/instances", params=params)

    def respond(self, event_id, response, comment=None, send_response=True):
        """Answer an invitation as this mailbox: accept, decline or tentativelyAccept."""
        body = {"sendResponse": send_response}
        if comment:
            body["comment"] = comment
        self._call("POST", f"{_event_path(event_id)}/{RESPONSES[response]}", body=body)

    def create_subscription(
        self,
        resource,
        notification_url,
        expiration,
        client_state,
        change_type="created,updated,deleted",
        lifecycle_url=None,
    ):
        body = {
            "changeType": change_type,
            "notificationUrl": notification_url,
            "resource": resource,
            "expirationDateTime": graph_time(expiration),
            "clientState": client_state,
        }
        if lifecycle_url:
            body["lifecycleNotificationUrl"] = lifecycle_url
        return self._call("POST", "/subscriptions", body=body)

    def renew_subscription(self, subscription_id, expiration):
        return self._call(
            "PATCH",
            f"/subscriptions/{quote(subscription_id, safe='')}",
            body={"expirationDateTime": graph_time(expiration)},
        )

    def delete_subscription(self, subscription_id):
        self._call("DELETE", f"/subscriptions/{quote(subscription_id, safe='')}")

    @staticmethod
    def create_event_op(calendar_id, body, transaction_id):
        root = f"/me/calendars/{quote(calendar_id, safe='')}" if calendar_id else "/me"
        return {
            "method": "POST",
            "url": f"{root}/events",
            "body": dict(body, transactionId=transaction_id),
        }

    @staticmethod
    def update_event_op(event_id, body, etag=None):
        op = {"method": "PATCH", "url": _event_path(event_id), "body": body}
        if etag:
            op["headers"] = {"If-Match": etag}
        return op

    @staticmethod
    def delete_event_op(event_id, etag=None):
        op = {"method": "DELETE", "url": _event_path(event_id)}
        if etag:
            op["headers"] = {"If-Match": etag}
        return op

    @staticmethod
    def get_event_op(event_id):
        return {"method": "GET", "url": _event_path(event_id)}

    def batch(self, operations):
        """Run operations ({method, url, body?, headers?}) 20 per ``$batch`` request.

        All our operations go to one mailbox, which takes 4 concurrent requests of an app,
        and Graph runs up to 4 steps of a batch at once: the steps are chained with
        ``dependsOn`` so that Graph runs them one after another, in one slot of the mailbox.
        A failed step makes the steps after it fail with 424: after a throttled or transient
        failure they fail with it (to be sent again after its ``Retry-After``), after a
        revoked grant too; after any other failure they go out again at once, in the next
        request (so each refused operation costs one more request).

        Returns one entry per operation, in order: the answer's body (None when empty) or
        the domain exception that operation failed with (not raised).
        """
        results = [None] * len(operations)
        todo = list(range(len(operations)))
        while todo:
            chunk, todo = todo[:BATCH_SIZE], todo[BATCH_SIZE:]
            answers = self._batch_chunk([operations[i] for i in chunk])
            unrun = []
            for index, answer in zip(chunk, answers, strict=True):
                if answer is _UNRUN:
                    unrun.append(index)
                else:
                    results[index] = answer
            todo = unrun + todo
        return results

    def _batch_chunk(self, operations):
        """One chained ``$batch``: a result per operation, ``_UNRUN`` for the steps that a
        refused (not transient) step left unrun."""
        answers = self._post_batch(operations)
        failed = next((i for i, a in enumerate(answers) if a["status"] >= 400), None)
        if failed is not None and answers[failed]["status"] == 401:
            # an expired token: once more with a fresh one from the step that met it
            self._bearer(refresh=True)
            answers[failed:] = self._post_batch(operations[failed:])
            later = (i for i, a in enumerate(answers) if i >= failed and a["status"] >= 400)
            failed = next(later, None)
        results = [answer.get("body") for answer in answers[:failed]]
        if failed is None:
            return results
        answer = answers[failed]
        error = graph_exception(answer["status"], answer.get("body"), answer.get("headers"))
        if answer["status"] == 401:
            error = AuthRevoked(str(error), 401)
        results.append(error)
        for _step in operations[failed + 1 :]:
            text = f"Graph 424 FailedDependency: not run, a step before it failed: {error}"
            if isinstance(error, TransientError):
                results.append(type(error)(text, 424, error.reason, retry_after=error.retry_after))
            elif isinstance(error, AuthRevoked):
                results.append(AuthRevoked(text, 401))  # no token will run them either
            else:
                results.append(_UNRUN)
        return results

    def _post_batch(self, operations):
        steps = []
        for index, op in enumerate(operations):
            headers = {"Prefer": READ_PREFER, **(op.get("headers") or {})}
            step = {"id": str(index), "method": op["method"], "url": op["url"], "headers": headers}
            if op.get("body") is not None:
                step["body"] = op["body"]
                step["headers"]["Content-Type"] = "application/json"
            if index:
                # one step at a time: a batch's steps all go to this one mailbox
                step["dependsOn"] = [str(index - 1)]
            steps.append(step)
        answer = self._call("POST", "/$batch", body={"requests": steps})
        by_id = {r["id"]: r for r in answer.get("responses", [])}
        return [by_id[str(i)] for i in range(len(operations))]
