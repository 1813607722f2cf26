"""Connecting a Google account: OAuth with PKCE, its calendars, the adapter of one."""

from datetime import UTC, datetime

from ..connection import ROOM_SUFFIX, Connection, RemoteCalendar
from ..oauth_state import pkce_pair
from .adapter import GoogleAdapter
from .client import GoogleCalendarClient, token_data_of
from .oauth import authorization_url, check_client, exchange_code, revoke, revoke_uri_for


class GoogleConnector:
    provider = "google"

    def __init__(self, settings):
        self.settings = settings

    def begin(self, redirect_uri, state, login_hint=None):
        verifier, challenge = pkce_pair()
        url = authorization_url(
            self.settings.auth_uri,
            self.settings.client_id,
            redirect_uri,
            state,
            challenge,
            login_hint=login_hint,
        )
        return url, {"code_verifier": verifier, "redirect_uri": redirect_uri}

    def client(self, token_data):
        expiry = token_data.get("expiry")
        return GoogleCalendarClient(
            self.settings.api_uri,
            self.settings.token_uri,
            self.settings.client_id,
            self.settings.client_secret,
            refresh_token=token_data.get("refresh_token"),
            access_token=token_data.get("access_token"),
            expiry=datetime.fromisoformat(expiry) if expiry else None,
        )

    def adapter(self, token_data, calendar_id, account_email="", calendar_timezone=None):
        """The sync engine's GoogleAdapter for one calendar of the account."""
        return GoogleAdapter(
            self.client(token_data),
            calendar_id,
            account_email,
            token_data,
            calendar_timezone=calendar_timezone or None,
        )

    def finish(self, flow, params):
        tokens = exchange_code(
            self.settings.token_uri,
            self.settings.client_id,
            self.settings.client_secret,
            params.get("code"),
            flow["code_verifier"],
            flow["redirect_uri"],
        )
        token_data = {
            "refresh_token": tokens.get("refresh_token"),
            "access_token": tokens.get("access_token"),
            "expiry": tokens["expiry"].replace(tzinfo=UTC).isoformat(),
        }
        # the primary calendar's id is the account's address: no extra userinfo scope needed
        primary = self.client(token_data).get_calendar("primary")
        return Connection(token_data, primary.get("id", ""))

    def calendars(self, token_data):
        client = self.client(token_data)
        items = client.list_calendars()
        found = [_remote_calendar(item) for item in items]
        return found, token_data_of(client, token_data)

    def check_client(self):
        """True when the token endpoint knows the client id and secret, False if not."""
        return check_client(
            self.settings.token_uri,
            self.settings.client_id,
            self.settings.client_secret,
            verify=self.settings.verify,
        )

    def revoke(self, token_data):
        token = token_data.get("refresh_token") or token_data.get("access_token")
        if token:
            revoke(revoke_uri_for(self.settings.token_uri), token)


GROUP_SUFFIX = "@group.calendar.google.com"
ACCESS = {"owner": "owner", "writer": "writer", "reader": "reader", "freeBusyReader": "free_busy"}


def _remote_calendar(item):
    """A calendarList entry as a RemoteCalendar: a room's id is the resource's address, and
    a calendar the user does not own is shared with them (its id is then the owner's address
    for a primary calendar; Google gives no owner field for a secondary one)."""
    role = item.get("accessRole")
    if item["id"].endswith(ROOM_SUFFIX):
        kind = "room"
    else:
        kind = "own" if role == "owner" else "shared"
    return RemoteCalendar(
        item["id"],
        item.get("summaryOverride") or item.get("summary") or item["id"],
        bool(item.get("primary")),
        role in ("owner", "writer"),
        item.get("timeZone") or "",
        kind=kind,
        owner_email="" if kind == "own" or item["id"].endswith(GROUP_SUFFIX) else item["id"],
        access=ACCESS.get(role, "free_busy"),
    )
