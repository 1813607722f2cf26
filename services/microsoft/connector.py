"""Connecting a Microsoft 365 account: msal's flow, its calendars, the adapter of one."""

from ..connection import Connection, RemoteCalendar
from .adapter import GraphAdapter
from .client import GraphClient
from .identity import MicrosoftIdentity


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
        # the default calendar is the user's own: its owner's address is the user's
        own = next((_owner(item) for item in items if item.get("isDefaultCalendar")), None)
        found = [
            RemoteCalendar(
                item["id"],
                item.get("name") or item["id"],
                bool(item.get("isDefaultCalendar")),
                bool(item.get("canEdit", True)),
                kind="own" if _owner(item) in ("", own) else "shared",
                owner_email="" if _owner(item) in ("", own) else _owner(item),
                access=_access(item, _owner(item) in ("", own)),
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


def _owner(item):
    return ((item.get("owner") or {}).get("address") or "").strip().lower()


def _access(item, own):
    """Graph's calendar tells edit rights only: a calendar listed but not editable is
    readable (Graph lists calendars shared with free/busy rights only nowhere in /me)."""
    if not item.get("canEdit", True):
        return "reader"
    return "owner" if own else "writer"
