"""Connecting an account: one interface over Google's and Microsoft's OAuth flows.

``begin`` gives the consent URL and the flow data to keep (encrypted) until the callback;
``finish`` redeems the callback and returns the token data to store and the remote email;
``calendars`` lists the account's calendars; ``revoke`` ends the grant where the provider
allows it. The ORM stores ``token_data`` encrypted and never looks inside it.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from .google_client import GoogleCalendarClient
from .google_oauth import authorization_url, check_client, exchange_code, revoke, revoke_uri_for
from .graph_adapter import GraphAdapter
from .graph_client import GraphClient
from .ms_identity import MicrosoftIdentity
from .oauth_state import pkce_pair


@dataclass(frozen=True)
class RemoteCalendar:
    id: str
    name: str
    is_default: bool
    can_edit: bool
    timezone: str = ""


@dataclass(frozen=True)
class Connection:
    token_data: dict
    email: str


@dataclass(frozen=True)
class ProviderSettings:
    """Everything a connector needs, read from the settings by the ORM."""

    client_id: str
    client_secret: str
    auth_uri: str = ""
    token_uri: str = ""
    api_uri: str = ""
    login_uri: str = ""
    graph_uri: str = ""
    tenant: str = "common"
    verify: object = True


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
        # google_adapter imports this module for token_data_of: import it when used
        from .google_adapter import GoogleAdapter

        return GoogleAdapter(
            self.client(token_data),
            calendar_id,
            account_email,
            token_data,
            calendar_timezone=calendar_timezone or None,
        )

    @staticmethod
    def token_data_of(client, previous):
        """What to store after a call: the access token may have been refreshed."""
        expiry = client.expiry
        return {
            **previous,
            "access_token": client.access_token,
            "expiry": expiry.replace(tzinfo=UTC).isoformat() if expiry else None,
        }

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
        found = [
            RemoteCalendar(
                item["id"],
                item.get("summaryOverride") or item.get("summary") or item["id"],
                bool(item.get("primary")),
                item.get("accessRole") in ("owner", "writer"),
                item.get("timeZone") or "",
            )
            for item in items
        ]
        return found, self.token_data_of(client, token_data)

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


class MicrosoftConnector:
    provider = "microsoft"

    def __init__(self, settings):
        self.settings = settings
        self.identity = MicrosoftIdentity(
            settings.login_uri,
            settings.tenant,
            settings.client_id,
            settings.client_secret,
            verify=settings.verify,
        )

    def begin(self, redirect_uri, state, login_hint=None):
        flow, url = self.identity.start_auth(redirect_uri, login_hint=login_hint, state=state)
        return url, flow

    def finish(self, flow, params):
        grant = self.identity.finish_auth(flow, params)
        return Connection({"msal_cache": grant.cache_text}, grant.email or "")

    def client(self, token_data):
        """A Graph client; ``token_data["msal_cache"]`` is updated when the token rotates."""

        def access_token(force_refresh=False):
            grant = self.identity.access_token(token_data["msal_cache"], force_refresh)
            rotated = grant.cache_text != token_data["msal_cache"]
            token_data["msal_cache"] = grant.cache_text
            if rotated and client.on_refresh is not None:
                client.on_refresh()
            return grant.access_token

        client = GraphClient(self.settings.graph_uri, access_token, verify=self.settings.verify)
        return client

    def adapter(self, token_data, calendar_id, account_email="", calendar_timezone=None):
        """The sync engine's GraphAdapter for one calendar; its ``token_data()`` gives back
        the msal cache as rotated by the calls."""
        token_data = dict(token_data)
        return GraphAdapter(
            self.client(token_data),
            calendar_id,
            account_email,
            token_data,
            calendar_timezone=calendar_timezone or None,
        )

    def calendars(self, token_data):
        token_data = dict(token_data)
        client = self.client(token_data)
        try:
            items = client.list_calendars()
        finally:
            client.close()
        found = [
            RemoteCalendar(
                item["id"],
                item.get("name") or item["id"],
                bool(item.get("isDefaultCalendar")),
                bool(item.get("canEdit", True)),
            )
            for item in items
        ]
        return found, token_data

    def check_client(self):
        """True when the tenant's token endpoint knows the client id and secret, else False."""
        return self.identity.check_client()

    def revoke(self, token_data):
        """Graph has no per-app token revocation for delegated grants: forgetting the cache
        (done by the caller) is what ends the grant on our side."""


CONNECTORS = {"google": GoogleConnector, "microsoft": MicrosoftConnector}


def connector_for(provider, settings):
    return CONNECTORS[provider](settings)
