"""Google Calendar API v3 client on google-api-python-client + google-auth.

Built from plain values (the endpoints of the system parameters, the OAuth client, the
stored tokens); every failure leaves as one of ``services.exceptions``. After calls, read
``access_token`` and ``expiry`` back: google-auth refreshes them as needed and the caller
persists them.
"""

import base64
import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import google_auth_httplib2
import httplib2
from google.auth.exceptions import RefreshError
from google.auth.exceptions import TransportError as AuthTransportError
from google.oauth2.credentials import Credentials
from googleapiclient.discovery import build
from googleapiclient.errors import BatchError, HttpError
from googleapiclient.http import BatchHttpRequest

from ..exceptions import NotFoundError
from ..request_counter import count_request
from .errors import translate
from .oauth import (
    DEFAULT_SCOPES,
    DEFAULT_TIMEOUT,
    authorization_url,
    exchange_code,
    pkce_pair,
    revoke,
    revoke_uri_for,
)

__all__ = [
    "DEFAULT_SCOPES",
    "GoogleCalendarClient",
    "Operation",
    "authorization_url",
    "event_id_for",
    "exchange_code",
    "meet_link",
    "pkce_pair",
    "revoke",
    "revoke_uri_for",
]

BATCH_SIZE = 50
_TRANSPORT_ERRORS = (OSError, httplib2.HttpLib2Error, AuthTransportError)


class _CountingHttp(google_auth_httplib2.AuthorizedHttp):
    """Every API request (a batch is one) is counted; token refreshes use the inner Http.
    ``on_refresh()`` is called as soon as google-auth has a new access token, whatever the
    request it was refreshed for then answers."""

    on_refresh = None

    def request(self, *args, **kwargs):
        count_request("google")
        token = self.credentials.token
        try:
            return super().request(*args, **kwargs)
        finally:
            if self.on_refresh is not None and self.credentials.token != token:
                self.on_refresh()


def event_id_for(db_uuid, record_id):
    """A deterministic Google event id (base32hex, lowercase, 32 chars) for an Odoo record."""
    digest = hashlib.sha256(f"{db_uuid}:{record_id}".encode()).digest()[:20]
    return base64.b32hexencode(digest).decode().lower()


def meet_link(event):
    """The Meet join URL of an event once its conference exists, else None."""
    for entry in (event.get("conferenceData") or {}).get("entryPoints") or []:
        if entry.get("entryPointType") == "video":
            return entry.get("uri")
    return event.get("hangoutLink")


def _naive_utc(moment):
    if moment is not None and moment.tzinfo is not None:
        return moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def _parse(value):
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _rfc3339(moment):
    if moment is None or isinstance(moment, str):
        return moment
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat()


@dataclass(frozen=True)
class Operation:
    """One write of a batch: ``action`` is "insert", "patch" or "delete"."""

    action: str
    calendar_id: str
    event_id: str | None = None
    body: dict | None = None
    etag: str | None = None
    conference: bool = False
    send_updates: str = "none"


class GoogleCalendarClient:
    def __init__(
        self,
        api_uri,
        token_uri,
        client_id,
        client_secret,
        refresh_token=None,
        access_token=None,
        expiry=None,
        timeout=DEFAULT_TIMEOUT,
    ):
        self.credentials = Credentials(
            token=access_token,
            refresh_token=refresh_token,
            token_uri=token_uri,
            client_id=client_id,
            client_secret=client_secret,
            expiry=_naive_utc(expiry),
        )
        self._http = _CountingHttp(self.credentials, http=httplib2.Http(timeout=timeout))
        root = api_uri.rstrip("/")
        # googleapiclient joins method paths to api_endpoint as is: it must carry calendar/v3
        self.service = build(
            "calendar",
            "v3",
            http=self._http,
            static_discovery=True,
            cache_discovery=False,
            client_options={"api_endpoint": f"{root}/calendar/v3/"},
        )
        # new_batch_http_request() takes the discovery document's rootUrl, not api_endpoint
        self._batch_uri = f"{root}/batch/calendar/v3"
        self._events = self.service.events()

    # -- tokens the caller persists ----------------------------------------------------
    def set_refresh_callback(self, callback):
        """``callback()`` runs right after each token refresh (see _CountingHttp)."""
        self._http.on_refresh = callback

    @property
    def access_token(self):
        return self.credentials.token

    @property
    def expiry(self):
        """Expiry of ``access_token`` as a naive UTC datetime (google-auth's convention)."""
        return self.credentials.expiry

    @property
    def refresh_token(self):
        return self.credentials.refresh_token

    # -- plumbing ----------------------------------------------------------------------
    def _execute(self, request, sync=False):
        try:
            return request.execute(num_retries=0)
        except (HttpError, RefreshError, *_TRANSPORT_ERRORS) as exc:
            raise translate(exc, sync) from exc

    def _all_pages(self, method, sync=False, **params):
        """Follow every nextPageToken: ``(items, last page)``."""
        items, page_token = [], None
        while True:
            page = self._execute(method(pageToken=page_token, **params), sync)
            items.extend(page.get("items", []))
            page_token = page.get("nextPageToken")
            if not page_token:
                return items, page

    @staticmethod
    def _meet_body(body, conference):
        body = dict(body or {})
        if conference and not body.get("conferenceData"):
            body["conferenceData"] = {
                "createRequest": {
                    "requestId": uuid.uuid4().hex,
                    "conferenceSolutionKey": {"type": "hangoutsMeet"},
                }
            }
        return body, 1 if conference or "conferenceData" in body else 0

    # -- calendars -----------------------------------------------------------------------
    def list_calendars(self):
        items, _last = self._all_pages(self.service.calendarList().list, maxResults=250)
        return items

    def get_calendar(self, calendar_id="primary"):
        return self._execute(self.service.calendarList().get(calendarId=calendar_id))

    def free_busy(self, calendar_ids, time_min, time_max):
        """``freebusy.query``: {calendar id: [(start, end)] naive UTC}; a calendar Google
        answers with errors (not found, not readable) raises ``NotFoundError``."""
        body = {
            "timeMin": _rfc3339(time_min),
            "timeMax": _rfc3339(time_max),
            "items": [{"id": calendar_id} for calendar_id in calendar_ids],
        }
        answer = self._execute(self.service.freebusy().query(body=body))
        found = {}
        for calendar_id, entry in (answer.get("calendars") or {}).items():
            if entry.get("errors"):
                raise NotFoundError(f"freebusy: {entry['errors'][0].get('reason')}")
            found[calendar_id] = [
                (_naive_utc(_parse(b["start"])), _naive_utc(_parse(b["end"])))
                for b in entry.get("busy") or []
            ]
        return found

    # -- events --------------------------------------------------------------------------
    def list_events(
        self,
        calendar_id,
        sync_token=None,
        time_min=None,
        time_max=None,
        show_deleted=False,
        single_events=False,
        page_size=250,
    ):
        """Every page of a full or incremental list: ``(events, next_sync_token)``."""
        params = {"calendarId": calendar_id, "maxResults": page_size, "singleEvents": single_events}
        if sync_token:
            params["syncToken"] = sync_token
        else:
            params.update(
                timeMin=_rfc3339(time_min), timeMax=_rfc3339(time_max), showDeleted=show_deleted
            )
        events, last = self._all_pages(self._events.list, sync=bool(sync_token), **params)
        return events, last.get("nextSyncToken")

    def get_event(self, calendar_id, event_id):
        return self._execute(self._events.get(calendarId=calendar_id, eventId=event_id))

    def _insert_request(self, calendar_id, body, conference, send_updates):
        body, version = self._meet_body(body, conference)
        return self._events.insert(
            calendarId=calendar_id,
            body=body,
            conferenceDataVersion=version,
            sendUpdates=send_updates,
        )

    def _patch_request(self, calendar_id, event_id, body, etag, conference, send_updates):
        body, version = self._meet_body(body, conference)
        request = self._events.patch(
            calendarId=calendar_id,
            eventId=event_id,
            body=body,
            conferenceDataVersion=version,
            sendUpdates=send_updates,
        )
        if etag:
            request.headers["If-Match"] = etag
        return request

    def _delete_request(self, calendar_id, event_id, etag, send_updates):
        request = self._events.delete(
            calendarId=calendar_id, eventId=event_id, sendUpdates=send_updates
        )
        if etag:
            request.headers["If-Match"] = etag
        return request

    def insert_event(self, calendar_id, body, conference=False, send_updates="none"):
        """Insert with our own ``body["id"]`` (see ``event_id_for``); 409 -> AlreadyExists."""
        return self._execute(self._insert_request(calendar_id, body, conference, send_updates))

    def patch_event(
        self, calendar_id, event_id, body, etag=None, conference=False, send_updates="none"
    ):
        return self._execute(
            self._patch_request(calendar_id, event_id, body, etag, conference, send_updates)
        )

    def delete_event(self, calendar_id, event_id, etag=None, send_updates="none"):
        self._execute(self._delete_request(calendar_id, event_id, etag, send_updates))

    def instances(self, calendar_id, event_id, time_min=None, time_max=None, show_deleted=False):
        items, _last = self._all_pages(
            self._events.instances,
            calendarId=calendar_id,
            eventId=event_id,
            timeMin=_rfc3339(time_min),
            timeMax=_rfc3339(time_max),
            showDeleted=show_deleted,
        )
        return items

    # -- push channels -------------------------------------------------------------------
    def watch(self, calendar_id, channel_id, address, token, ttl):
        """Open a web_hook channel; the answer has ``resourceId`` and ``expiration`` (ms)."""
        body = {
            "id": channel_id,
            "type": "web_hook",
            "address": address,
            "token": token,
            "params": {"ttl": str(int(ttl))},
        }
        return self._execute(self._events.watch(calendarId=calendar_id, body=body))

    def stop_channel(self, channel_id, resource_id):
        body = {"id": channel_id, "resourceId": resource_id}
        self._execute(self.service.channels().stop(body=body))

    # -- batch ---------------------------------------------------------------------------
    def _operation_request(self, operation):
        if operation.action == "insert":
            return self._insert_request(
                operation.calendar_id, operation.body, operation.conference, operation.send_updates
            )
        if operation.action == "patch":
            return self._patch_request(
                operation.calendar_id,
                operation.event_id,
                operation.body,
                operation.etag,
                operation.conference,
                operation.send_updates,
            )
        if operation.action == "delete":
            return self._delete_request(
                operation.calendar_id, operation.event_id, operation.etag, operation.send_updates
            )
        raise ValueError(f"unknown batch action {operation.action!r}")

    def batch(self, operations):
        """Run writes in batches of 50; one result (event, None for a delete) or domain
        exception per operation, in order. If a whole batch fails, it and the operations
        after it all get that exception: nothing more is sent."""
        operations = list(operations)
        results = [None] * len(operations)

        def collect(request_id, response, exception):
            index = int(request_id)
            if exception is not None:
                results[index] = translate(exception)
            else:
                results[index] = None if operations[index].action == "delete" else response

        for start in range(0, len(operations), BATCH_SIZE):
            request = BatchHttpRequest(callback=collect, batch_uri=self._batch_uri)
            for index in range(start, min(start + BATCH_SIZE, len(operations))):
                request.add(self._operation_request(operations[index]), request_id=str(index))
            try:
                request.execute()
            except (HttpError, RefreshError, BatchError, *_TRANSPORT_ERRORS) as exc:
                results[start:] = [translate(exc)] * (len(operations) - start)
                break
        return results


def token_data_of(client, previous):
    """What to store after a call: the access token may have been refreshed."""
    expiry = client.expiry
    return {
        **previous,
        "access_token": client.access_token,
        "expiry": expiry.replace(tzinfo=UTC).isoformat() if expiry else None,
    }
