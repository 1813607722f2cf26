"""Google Calendar API v3 + Google OAuth 2.0 emulator, served under ``/google``.

Routes mirror Google's paths once the prefix is replaced: ``/google/o/oauth2/v2/auth``
(accounts.google.com), ``/google/token`` and ``/google/revoke`` (oauth2.googleapis.com),
``/google/calendar/v3/...`` and ``/google/batch/calendar/v3`` (www.googleapis.com).
Behaviour lives in mixins by responsibility; test hooks are plain methods documented here.
"""

import copy
import logging
import random
from contextlib import contextmanager

from werkzeug.routing import Rule

from .google_batch import BatchMixin
from .google_calendar import EventsMixin
from .google_events import check_body
from .google_freebusy import FreeBusyMixin
from .google_listing import ListingMixin
from .google_oauth import OAuthClient, OAuthMixin
from .google_push import PushMixin
from .google_sharing import SharingMixin
from .google_store import ApiError, Calendar, Clock, Mailbox, new_id
from .provider import ProviderEmulator, json_response

_logger = logging.getLogger(__name__)

DEMO_CLIENT_ID = "demo-google-client.apps.googleusercontent.com"
DEMO_CLIENT_SECRET = "demo-google-secret"

_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "ALREADY_EXISTS",
    412: "FAILED_PRECONDITION",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
_REASON = {
    400: "badRequest",
    401: "authError",
    403: "forbidden",
    404: "notFound",
    405: "httpMethodNotAllowed",
    409: "duplicate",
    410: "deleted",
    412: "conditionNotMet",
    429: "rateLimitExceeded",
    500: "backendError",
    503: "backendError",
}
_USAGE_LIMITS = {
    "rateLimitExceeded",
    "userRateLimitExceeded",
    "quotaExceeded",
    "dailyLimitExceeded",
}
_CAL = "/calendar/v3/calendars/<calendarId>"


class GoogleEmulator(
    OAuthMixin,
    EventsMixin,
    ListingMixin,
    SharingMixin,
    PushMixin,
    BatchMixin,
    FreeBusyMixin,
    ProviderEmulator,
):
    """Google's accounts and Calendar API, per user, with Google's errors.

    Knobs (plain attributes, reset by ``reset()``): ``auto_approve`` (consent redirects at
    once), ``access_token_ttl`` (seconds), ``conference_pending_reads`` (the N-th read after a
    Meet request is the first to see ``success``; with 0 the write's own answer has it), and
    the unkind options of ``emulator.nasty`` (``page_limit``, ``sparse_cancelled``,
    ``relist_exceptions``).

    Hooks for tests: ``register_client``, ``add_user`` (-> access token), ``grant`` (-> token
    response with a refresh token), ``revoke_refresh_tokens``, ``expire_access_tokens``,
    ``expire_sync_tokens``, ``add_calendar``, ``events_of``/``event_of`` (stored resources),
    ``put_event``/``change_event``/``remove_event`` (a user acting in Google's own UI: same
    validation, change log and notifications as the API), ``receive_invitation`` (an
    outside organizer's invitation filed on the calendar), ``channels_of``, and
    ``sent_updates`` (invitation mails Google would have sent, per ``sendUpdates``).
    """

    name = "google"
    demo_client_id = DEMO_CLIENT_ID

    def reset(self):
        self.clients = {DEMO_CLIENT_ID: OAuthClient(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)}
        self.users = {}
        self.codes = {}
        self.refresh_tokens = {}
        self.access_tokens = {}
        self.channels = {}
        self.sent_updates = []
        self.clock = Clock()
        self._dirty = None
        self.auto_approve = False
        self.access_token_ttl = 3600
        self.conference_pending_reads = 1
        # unkind options the documentation allows (see emulator.nasty), all off by default
        self.page_limit = None
        self.sparse_cancelled = False
        self.relist_exceptions = False
        self.rng = random.Random(0)

    def rules(self):
        event = f"{_CAL}/events/<eventId>"
        return [
            Rule("/o/oauth2/v2/auth", endpoint="oauth.authorize", methods=["GET"]),
            Rule("/o/oauth2/v2/auth", endpoint="oauth.approve", methods=["POST"]),
            Rule("/token", endpoint="oauth.token", methods=["POST"]),
            Rule("/revoke", endpoint="oauth.revoke", methods=["POST"]),
            Rule(
                "/calendar/v3/users/me/calendarList", endpoint="calendarList.list", methods=["GET"]
            ),
            Rule(
                "/calendar/v3/users/me/calendarList/<calendarId>",
                endpoint="calendarList.get",
                methods=["GET"],
            ),
            Rule(_CAL, endpoint="calendars.get", methods=["GET"]),
            Rule(f"{_CAL}/events", endpoint="events.list", methods=["GET"]),
            Rule(f"{_CAL}/events", endpoint="events.insert", methods=["POST"]),
            Rule(f"{_CAL}/events/watch", endpoint="events.watch", methods=["POST"]),
            Rule(event, endpoint="events.get", methods=["GET"]),
            Rule(event, endpoint="events.update", methods=["PUT"]),
            Rule(event, endpoint="events.patch", methods=["PATCH"]),
            Rule(event, endpoint="events.delete", methods=["DELETE"]),
            Rule(f"{event}/instances", endpoint="events.instances", methods=["GET"]),
            Rule("/calendar/v3/freeBusy", endpoint="freebusy.query", methods=["POST"]),
            Rule("/calendar/v3/channels/stop", endpoint="channels.stop", methods=["POST"]),
            Rule("/batch/calendar/v3", endpoint="batch", methods=["POST"]),
            Rule("/batch", endpoint="batch", methods=["POST"]),
        ]

    def error(
        self,
        status,
        message,
        reason=None,
        headers=None,
        domain=None,
        location=None,
        location_type=None,
    ):
        """Google's error shape: {"error": {"code", "message", "errors": [...], "status"}}."""
        reason = reason or _REASON.get(status, "backendError" if status >= 500 else "invalid")
        if domain is None:
            domain = "usageLimits" if reason in _USAGE_LIMITS else "global"
        detail = {"domain": domain, "reason": reason, "message": message}
        if location:
            detail.update(locationType=location_type or "parameter", location=location)
        body = {"code": status, "message": message, "errors": [detail]}
        if status in _STATUS:
            body["status"] = _STATUS[status]
        headers = dict(headers or {})
        if status == 401:
            headers.setdefault(
                "WWW-Authenticate",
                'Bearer realm="https://accounts.google.com/", error="invalid_token"',
            )
        return json_response({"error": body}, status, headers)

    @contextmanager
    def _operation(self):
        """One API call (or hook) under the emulator lock; watchers hear of what it changed."""
        with self.emu.lock:
            outer, self._dirty = self._dirty, {}
            try:
                yield
            finally:
                dirty, self._dirty = self._dirty, outer
                for owner, calendar_id in dirty:
                    self._notify(owner, calendar_id)

    def dispatch(self, endpoint, request, **values):
        with self._operation():
            try:
                return super().dispatch(endpoint, request, **values)
            except ApiError as exc:
                return self.error(
                    exc.status,
                    exc.message,
                    exc.reason,
                    exc.headers,
                    exc.domain,
                    exc.location,
                    exc.location_type,
                )
            except Exception:
                # an emulator bug must still look like Google's 500 to the client, and be seen
                _logger.exception("google emulator failed on %s", endpoint)
                return self.error(500, "Backend Error", "backendError")

    # -- test hooks ------------------------------------------------------------------
    def mailbox(self, email):
        """The user's mailbox, created (with a primary calendar) on first use."""
        email = email.strip().lower()
        with self.emu.lock:
            if email not in self.users:
                self.users[email] = Mailbox(email)
            return self.users[email]

    def add_calendar(self, email, summary, time_zone="UTC"):
        """A secondary calendar owned by the user; returns its id."""
        box = self.mailbox(email)
        calendar_id = f"c_{new_id(20)}@group.calendar.google.com"
        with self.emu.lock:
            box.calendars[calendar_id] = Calendar(calendar_id, box.email, summary, time_zone)
        return calendar_id

    def add_room(self, name, time_zone="UTC"):
        """A room (a Workspace resource): its calendar's id is the resource's address,
        ``...@resource.calendar.google.com``. Returns it; share it to show it to users."""
        email = f"c_{new_id(16)}@resource.calendar.google.com"
        box = self.mailbox(email)
        with self.emu.lock:
            box.primary.summary = name
            box.primary.time_zone = time_zone
        return email

    def share_calendar(self, owner, calendar_id, email, role="reader"):
        """The owner grants ``email`` an ACL role (reader, writer or freeBusyReader) on one
        of their calendars, which then shows in that user's calendarList; ``role=None``
        removes the rule (and the entry)."""
        if role not in (None, "reader", "writer", "freeBusyReader"):
            raise ValueError(role)
        owner_box, target = self.mailbox(owner), self.mailbox(email)
        with self.emu.lock:
            calendar = owner_box.calendars[
                owner_box.email if calendar_id == "primary" else calendar_id
            ]
            if role is None:
                target.shared.pop(calendar.id, None)
            else:
                target.shared[calendar.id] = (owner_box.email, role)
        return calendar.id

    def expire_sync_tokens(self, email):
        """Every sync token of the user now answers 410 fullSyncRequired."""
        with self.emu.lock:
            self.mailbox(email).sync_generation += 1

    def _hook_calendar(self, email, calendar_id):
        box = self.mailbox(email)
        return box, box.calendars[box.email if calendar_id == "primary" else calendar_id]

    def events_of(self, email, calendar_id="primary", cancelled=False):
        """Copies of the stored events (masters, exceptions, singles) of a calendar."""
        with self.emu.lock:
            _box, calendar = self._hook_calendar(email, calendar_id)
            return [
                copy.deepcopy(e.resource)
                for e in calendar.entries.values()
                if cancelled or not e.cancelled
            ]

    def event_of(self, email, event_id, calendar_id="primary"):
        with self.emu.lock:
            _box, calendar = self._hook_calendar(email, calendar_id)
            entry = self._find(calendar, event_id)
            return copy.deepcopy(entry.resource) if entry else None

    def _hook_write(self, email, calendar_id, action):
        with self._operation():
            box, calendar = self._hook_calendar(email, calendar_id)
            return copy.deepcopy(action(box, calendar))

    def put_event(self, email, body, calendar_id="primary"):
        """The user creates an event in Google Calendar's own UI (validated like the API)."""

        def action(box, calendar):
            entry = self._new_event(box, calendar, check_body(copy.deepcopy(body)), 1, by_user=True)
            self._save(calendar, entry)
            return entry.resource

        return self._hook_write(email, calendar_id, action)

    def change_event(self, email, event_id, changes, calendar_id="primary"):
        """The user edits an event (or one occurrence) in Google's UI: patch semantics."""

        def action(box, calendar):
            entry = self._find(calendar, event_id)
            before = entry.resource
            entry.resource, requested = self._revise(
                calendar, entry, check_body(copy.deepcopy(changes)), False, 1
            )
            if requested:
                self._request_conference(entry)
            self._save(calendar, entry)
            self._relist_exceptions(calendar, before, entry)
            if entry.organizer_calendar:
                self._propagate_response(box, calendar, entry)
            return entry.resource

        return self._hook_write(email, calendar_id, action)

    def receive_invitation(self, email, body, ical_uid, organizer_email, organizer_name=""):
        """An invitation from outside Google (a Microsoft 365 organizer, say) filed on the
        user's primary calendar as Gmail files an iMIP request: the organizer's iCalUID, the
        organizer is not the user, who has not answered yet. Returns the stored event."""
        organizer = {"email": organizer_email.strip().lower()}
        if organizer_name:
            organizer["displayName"] = organizer_name

        def action(box, calendar):
            data = check_body(copy.deepcopy(body))
            data["iCalUID"] = ical_uid
            attendees = data.setdefault("attendees", [])
            if not any((a.get("email") or "").lower() == box.email for a in attendees):
                attendees.append({"email": box.email})
            entry = self._new_event(box, calendar, data, 0, by_user=True)
            entry.resource["organizer"] = organizer
            entry.resource["creator"] = dict(organizer)
            self._normalize(calendar, entry.resource)
            # the organizer's calendar is elsewhere: answers go back by mail, not to a copy
            entry.organizer_calendar = (organizer["email"], organizer["email"])
            self._save(calendar, entry)
            return entry.resource

        return self._hook_write(email, "primary", action)

    def remove_event(self, email, event_id, calendar_id="primary"):
        """The user deletes an event (or one occurrence) in Google's UI."""

        def action(box, calendar):
            entry = self._find(calendar, event_id)
            self._cancel(box, calendar, entry)
            return entry.resource

        self._hook_write(email, calendar_id, action)
