"""Microsoft identity platform + Graph calendar emulator, under ``/microsoft``.

``/microsoft/login/{tenant}/...`` is the v2.0 identity platform msal talks to (serve it over
the emulator's HTTPS listener: msal accepts only https authorities);
``/microsoft/graph/v1.0/...`` is the part of Graph the addon uses. The behaviour follows
Graph's documentation: changeKey/If-Match, transactionId, calendarView delta, subscriptions
with the validation handshake, JSON batching, throttling and the error shapes.
"""

import copy
import json
import re
import time
import uuid
from urllib.parse import urlencode

from werkzeug.routing import Rule

from .microsoft_authorize import AuthorizationEndpoint
from .microsoft_batch import GraphBatch
from .microsoft_concurrency import MailboxConcurrency
from .microsoft_delta import GraphDelta
from .microsoft_event_model import apply_body, new_record, touch
from .microsoft_events import GraphEvents
from .microsoft_identity import GRAPH_PREFIX, IdentityPlatform, aad_error
from .microsoft_schedule import GraphSchedule
from .microsoft_schema import EVENT, validate
from .microsoft_sharing import GraphSharing
from .microsoft_store import NO_TIME, GraphError, iso_seconds, now, zone
from .microsoft_subscriptions import GraphSubscriptions
from .provider import ProviderEmulator, json_response

DEMO_TENANT = "demo-tenant"
DEMO_CLIENT_ID = "00000000-0000-4000-8000-00000000d3e0"
DEMO_CLIENT_SECRET = "demo-microsoft-secret"
GRAPH_SCOPES = ("Calendars.ReadWrite", "OnlineMeetings.ReadWrite")

# a fault whose reason is one of these answers in the token endpoint's shape
AAD_ERRORS = {
    "invalid_grant",
    "invalid_client",
    "invalid_request",
    "interaction_required",
    "temporarily_unavailable",
    "server_error",
    "unauthorized_client",
}
DEFAULT_CODES = {
    400: "BadRequest",
    401: "InvalidAuthenticationToken",
    403: "ErrorAccessDenied",
    404: "ErrorItemNotFound",
    409: "ErrorItemAlreadyExists",
    410: "SyncStateNotFound",
    412: "ErrorIrresolvableConflict",
    429: "TooManyRequests",
    500: "InternalServerError",
    502: "BadGateway",
    503: "ServiceNotAvailable",
    504: "GatewayTimeout",
}
WRITE_ENDPOINTS = {"events.create", "events.update", "events.delete", "events.respond"}
_PREFER = re.compile(r'([A-Za-z][\w.-]*)\s*=\s*(?:"([^"]*)"|([^,;\s]+))')

G = "/graph/v1.0"
ME_EVENT_ROOTS = ("/me", "/me/calendar", "/me/calendars/<cal_id>")


def _rules():
    rules = [
        Rule(
            "/login/<tenant>/v2.0/.well-known/openid-configuration",
            endpoint="login.openid",
            methods=["GET"],
        ),
        Rule("/login/<tenant>/discovery/v2.0/keys", endpoint="login.keys", methods=["GET"]),
        Rule(
            "/login/<tenant>/oauth2/v2.0/authorize",
            endpoint="login.authorize",
            methods=["GET", "POST"],
        ),
        Rule("/login/<tenant>/oauth2/v2.0/token", endpoint="login.token", methods=["POST"]),
        Rule(f"{G}/me/calendars", endpoint="calendars.list", methods=["GET"]),
        Rule(f"{G}/me/calendar", endpoint="calendars.get", methods=["GET"]),
        Rule(f"{G}/me/calendars/<cal_id>", endpoint="calendars.get", methods=["GET"]),
        Rule(f"{G}/me/calendar/getSchedule", endpoint="calendar.getSchedule", methods=["POST"]),
        Rule(f"{G}/subscriptions", endpoint="subscriptions.create", methods=["POST"]),
        Rule(f"{G}/subscriptions", endpoint="subscriptions.list", methods=["GET"]),
        Rule(f"{G}/subscriptions/<sub_id>", endpoint="subscriptions.get", methods=["GET"]),
        Rule(f"{G}/subscriptions/<sub_id>", endpoint="subscriptions.update", methods=["PATCH"]),
        Rule(f"{G}/subscriptions/<sub_id>", endpoint="subscriptions.delete", methods=["DELETE"]),
        Rule(
            f"{G}/subscriptions/<sub_id>/reauthorize",
            endpoint="subscriptions.reauthorize",
            methods=["POST"],
        ),
        Rule(f"{G}/$batch", endpoint="batch", methods=["POST"]),
    ]
    for root in ME_EVENT_ROOTS:
        # /me/calendar/... is the default calendar, /me/events/{id} any of the user's
        defaults = {"cal_id": "default"} if root == "/me/calendar" else None
        rules += [
            Rule(f"{G}{root}/events", endpoint="events.list", methods=["GET"], defaults=defaults),
            Rule(
                f"{G}{root}/events", endpoint="events.create", methods=["POST"], defaults=defaults
            ),
            Rule(
                f"{G}{root}/events/<event_id>",
                endpoint="events.get",
                methods=["GET"],
                defaults=defaults,
            ),
            Rule(
                f"{G}{root}/events/<event_id>",
                endpoint="events.update",
                methods=["PATCH"],
                defaults=defaults,
            ),
            Rule(
                f"{G}{root}/events/<event_id>",
                endpoint="events.delete",
                methods=["DELETE"],
                defaults=defaults,
            ),
            Rule(
                f"{G}{root}/events/<event_id>/instances",
                endpoint="events.instances",
                methods=["GET"],
                defaults=defaults,
            ),
            Rule(
                f"{G}{root}/events/<event_id>/<any(accept, decline, tentativelyAccept):action>",
                endpoint="events.respond",
                methods=["POST"],
                defaults=defaults,
            ),
            Rule(
                f"{G}{root}/calendarView/delta",
                endpoint="calendarView.delta",
                methods=["GET"],
                defaults=defaults,
            ),
        ]
    return rules


class MicrosoftEmulator(
    IdentityPlatform,
    AuthorizationEndpoint,
    GraphEvents,
    GraphDelta,
    GraphSubscriptions,
    GraphBatch,
    GraphSchedule,
    GraphSharing,
    MailboxConcurrency,
    ProviderEmulator,
):
    name = "microsoft"

    def reset(self):
        self._reset_identity()
        self._reset_events()
        self._reset_delta()
        self._reset_subscriptions()
        self._reset_concurrency()
        # unkind options the documentation allows (see emulator.nasty), all off by default
        self.page_limit = None
        self.bare_removed = False
        self.register_client(DEMO_TENANT, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, name="Odoo demo")

    def rules(self):
        return _rules()

    def add_user(
        self, email, tenant=DEMO_TENANT, name=None, client_id=DEMO_CLIENT_ID, scopes=GRAPH_SCOPES
    ):
        """Create the user and mailbox (consented to ``client_id``); returns an access token."""
        with self.emu.lock:
            user = self._ensure_user(email, tenant, name)
            self.consents.add((user.email, client_id))
            return self._token_for(user, client_id, scopes)

    def mailbox(self, email):
        return self.mailboxes[email.lower()]

    def add_calendar(self, email, name, can_edit=True):
        """Another calendar of the user (``can_edit=False``: a read-only shared one)."""
        with self.emu.lock:
            return self.mailbox(email).add_calendar(name, can_edit=can_edit)["id"]

    def set_online_meeting_providers(self, email, providers):
        """What the tenant allows this user (e.g. ``[]``: no Teams meetings)."""
        with self.emu.lock:
            box = self.mailbox(email)
            box.allowed_providers = list(providers)
            for cal in box.calendars.values():
                cal["allowedOnlineMeetingProviders"] = list(providers)
                cal["defaultOnlineMeetingProvider"] = providers[0] if providers else "unknown"

    def receive_invitation(self, email, body, ical_uid, organizer_email, organizer_name=""):
        """An invitation from outside Microsoft 365 (a Google organizer, say) filed in the
        mailbox as Exchange files an iMIP request: the organizer's iCalUId, not organized by
        the mailbox's user, who has not answered yet. Returns the event's id."""
        with self.emu.lock:
            box = self.mailbox(email)
            cal = box.calendar()
            record = new_record(box, cal)
            apply_body(record, body, cal, creating=True)
            record.update(
                {
                    "iCalUId": ical_uid,
                    "isOrganizer": False,
                    "organizer": {
                        "emailAddress": {"name": organizer_name, "address": organizer_email}
                    },
                    "responseStatus": {"response": "notResponded", "time": NO_TIME},
                }
            )
            box.events[record["id"]] = record
            self._changed(box, cal, record["id"], None, "created")
            return record["id"]

    def put_event(self, email, body):
        """The user creates a single event in Outlook's own UI (validated like the API, no
        request counted). Returns the stored event's id."""
        body = validate(body, EVENT)
        with self.emu.lock:
            box = self.mailbox(email)
            cal = box.calendar()
            record = new_record(box, cal)
            apply_body(record, copy.deepcopy(body), cal, creating=True)
            box.events[record["id"]] = record
            self._changed(box, cal, record["id"], None, "created")
            return record["id"]

    def change_event(self, email, event_id, changes):
        """The user edits a single event in Outlook's UI: PATCH semantics, a new changeKey."""
        changes = validate(changes, EVENT)
        with self.emu.lock:
            box = self.mailbox(email)
            previous = box.events[event_id]
            cal = box.calendars[previous["_cal"]]
            work = copy.deepcopy(previous)
            apply_body(work, copy.deepcopy(changes), cal, creating=False)
            touch(work)
            box.events[event_id] = work
            self._changed(box, cal, event_id, previous, "updated")

    def remove_online_meeting(self, email, event_id):
        """The organizer turns the Teams meeting off in Outlook's own UI (Graph's API cannot:
        it ignores later changes to isOnlineMeeting)."""
        with self.emu.lock:
            box = self.mailbox(email)
            previous = box.events[event_id]
            cal = box.calendars[previous["_cal"]]
            work = copy.deepcopy(previous)
            work.update(isOnlineMeeting=False, onlineMeetingProvider="unknown", onlineMeeting=None)
            touch(work)
            box.events[event_id] = work
            self._changed(box, cal, event_id, previous, "updated")

    def error(self, status, message, reason=None, headers=None):
        if reason in AAD_ERRORS:
            return aad_error(
                status, reason, 50000 if status >= 500 else 90000, message, headers=headers
            )
        return self._graph_error(
            status, reason or DEFAULT_CODES.get(status, "UnknownError"), message, headers
        )

    @staticmethod
    def _graph_error(status, code, message, headers=None):
        body = {
            "error": {
                "code": code,
                "message": message,
                "innerError": {
                    "date": iso_seconds(now()),
                    "request-id": str(uuid.uuid4()),
                    "client-request-id": str(uuid.uuid4()),
                },
            }
        }
        return json_response(body, status, headers)

    def dispatch(self, endpoint, request, **values):
        handler = getattr(self, "on_" + endpoint.replace(".", "_"))
        if endpoint.startswith("login."):
            return handler(request, **values)
        try:
            with self.emu.lock:
                user, token = self._authenticate(request, endpoint)
            request.environ["emulator.microsoft.token"] = token
            if endpoint == "batch":
                return handler(request, user, **values)
            with self._mailbox_slot(user):
                return handler(request, user, **values)
        except GraphError as exc:
            return self._graph_error(exc.status, exc.code, exc.message, exc.headers)

    def _authenticate(self, request, endpoint):
        challenge = {
            "WWW-Authenticate": 'Bearer realm="", authorization_uri="https://login.'
            'microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-'
            '0000-c000-000000000000"'
        }
        scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            raise GraphError(401, "InvalidAuthenticationToken", "Access token is empty.", challenge)
        token = self.access_tokens.get(raw.strip())
        if token is None:
            raise GraphError(
                401,
                "InvalidAuthenticationToken",
                "CompactToken parsing failed with error code: 80049217",
                challenge,
            )
        if token["exp"] < time.time():
            raise GraphError(
                401,
                "InvalidAuthenticationToken",
                "Lifetime validation failed, the token is expired.",
                challenge,
            )
        scopes = {s.removeprefix(GRAPH_PREFIX) for s in token["scopes"]}
        allowed = (
            {"Calendars.ReadWrite"}
            if endpoint in WRITE_ENDPOINTS
            else {"Calendars.ReadWrite", "Calendars.Read"}
        )
        if endpoint != "batch" and not scopes & allowed:
            raise GraphError(
                403, "ErrorAccessDenied", "Access is denied. Check credentials and try again."
            )
        return self.users[token["email"]], token

    @staticmethod
    def _prefer(request):
        found = {}
        for header in request.headers.getlist("Prefer"):
            for name, quoted, bare in _PREFER.findall(header):
                found[name.lower()] = quoted or bare
        return found

    def _time_zone(self, request):
        """``Prefer: outlook.timezone="..."``; Graph answers in UTC without it."""
        wanted = self._prefer(request).get("outlook.timezone") or "UTC"
        try:
            zone(wanted)
        except GraphError:
            return "UTC"
        return wanted

    @staticmethod
    def _json(request):
        raw = request.get_data()
        if not raw.strip():
            return {}
        try:
            body = json.loads(raw)
        except ValueError as exc:
            raise GraphError(400, "RequestBodyRead", "Invalid JSON in the request body.") from exc
        if not isinstance(body, dict):
            raise GraphError(400, "RequestBodyRead", "The request body must be a JSON object.")
        return body

    def _page(self, request, items, default_size):
        try:
            top = int(
                request.args.get("$top")
                or self._prefer(request).get("odata.maxpagesize")
                or default_size
            )
            skip = int(request.args.get("$skip") or 0)
        except ValueError as exc:
            raise GraphError(400, "BadRequest", "Invalid $top or $skip.") from exc
        answer = {"value": items[skip : skip + top]}
        if skip + top < len(items):
            args = dict(request.args.items(), **{"$skip": str(skip + top), "$top": str(top)})
            answer["@odata.nextLink"] = f"{request.base_url}?{urlencode(args)}"
        return json_response(answer)
