"""Microsoft sign-in and tokens through msal (authorization code + PKCE, refresh rotation).

The caller keeps two things: the auth-code flow dict between ``start_auth`` and
``finish_auth`` (it holds the PKCE verifier, state and nonce), and the serialized msal token
cache per account (encrypted at rest by the ORM). ``access_token`` returns the cache text
again, changed whenever msal refreshed (the refresh token rotates on every refresh).
"""

import time
import warnings
from dataclasses import dataclass

import msal
import requests

from ..exceptions import AuthRevoked, BadRequest, TransientError
from .http import DEFAULT_TIMEOUT, PinnedSession, transport_exception

DEFAULT_SCOPES = ("Calendars.ReadWrite", "OnlineMeetings.ReadWrite")
# errors that only the user can fix by signing in (and consenting) again
USER_ERRORS = {
    "invalid_grant",
    "interaction_required",
    "consent_required",
    "login_required",
    "access_denied",
}
TRANSIENT_ERRORS = {"temporarily_unavailable", "server_error"}
# a refresh token nobody was ever given: the token endpoint's answer tells about the client
PROBE_REFRESH_TOKEN = "calendar-cloud-sync-client-check"
DISCOVERY_TTL = 3600
_DISCOVERY = {}


@dataclass(frozen=True)
class TokenGrant:
    access_token: str
    expires_in: int
    cache_text: str
    email: str | None
    cache_changed: bool


class _DiscoveryCachingSession(PinnedSession):
    """msal fetches the OpenID configuration for every application object; keep it an hour."""

    def get(self, url, **kwargs):
        if not url.endswith("/.well-known/openid-configuration") or kwargs.get("params"):
            return super().get(url, **kwargs)
        key = (url, str(self.verify))
        hit = _DISCOVERY.get(key)
        if hit and hit[0] > time.monotonic():
            return hit[1]
        response = super().get(url, **kwargs)
        if response.status_code == 200:
            _DISCOVERY[key] = (time.monotonic() + DISCOVERY_TTL, response)
        return response


class MicrosoftIdentity:
    """One OAuth app registration (tenant, client id, secret) at one login endpoint."""

    def __init__(
        self,
        login_uri,
        tenant,
        client_id,
        client_secret,
        verify=True,
        timeout=DEFAULT_TIMEOUT,
        scopes=DEFAULT_SCOPES,
    ):
        self.authority = f"{login_uri.rstrip('/')}/{tenant}"
        self.client_id = client_id
        self._secret = client_secret
        self.scopes = list(scopes)
        self._session = _DiscoveryCachingSession(verify=verify, timeout=timeout)

    def _app(self, cache):
        try:
            return msal.ConfidentialClientApplication(
                self.client_id,
                client_credential=self._secret,
                authority=self.authority,
                http_client=self._session,
                instance_discovery=False,
                token_cache=cache,
            )
        except requests.RequestException as exc:
            raise transport_exception(exc) from exc
        except ValueError as exc:
            raise BadRequest(f"Microsoft login endpoint rejected the tenant: {exc}") from exc

    def start_auth(self, redirect_uri, login_hint=None, state=None):
        """Return (flow, authorization URL); store the flow until the callback."""
        app = self._app(msal.SerializableTokenCache())
        with warnings.catch_warnings():
            # the callback route is a GET, so the answer comes in the query string
            warnings.simplefilter("ignore", UserWarning)
            flow = app.initiate_auth_code_flow(
                self.scopes, redirect_uri=redirect_uri, login_hint=login_hint, state=state
            )
        return flow, flow["auth_uri"]

    def finish_auth(self, flow, query_params):
        """Redeem the code of the callback's query string; returns a TokenGrant."""
        cache = msal.SerializableTokenCache()
        app = self._app(cache)
        try:
            result = app.acquire_token_by_auth_code_flow(dict(flow), dict(query_params))
        except ValueError as exc:
            raise BadRequest(f"OAuth callback does not match the flow: {exc}") from exc
        except (requests.RequestException, msal.exceptions.MsalServiceError) as exc:
            raise transport_exception(exc) from exc
        self._raise_for(result)
        claims = result.get("id_token_claims") or {}
        email = claims.get("preferred_username") or claims.get("email")
        return TokenGrant(
            result["access_token"],
            int(result.get("expires_in") or 0),
            cache.serialize(),
            email,
            True,
        )

    def access_token(self, cache_text, force_refresh=False):
        """A valid access token from the cache (refreshing it if needed, or if forced)."""
        cache = msal.SerializableTokenCache()
        cache.deserialize(cache_text)
        app = self._app(cache)
        accounts = app.get_accounts()
        if not accounts:
            raise AuthRevoked("No Microsoft account in the token cache.")
        try:
            result = app.acquire_token_silent_with_error(
                self.scopes, accounts[0], force_refresh=force_refresh
            )
        except (requests.RequestException, msal.exceptions.MsalServiceError) as exc:
            raise transport_exception(exc) from exc
        if result is None:
            raise AuthRevoked("The token cache holds no refresh token.")
        self._raise_for(result)
        changed = cache.has_state_changed
        return TokenGrant(
            result["access_token"],
            int(result.get("expires_in") or 0),
            cache.serialize() if changed else cache_text,
            accounts[0].get("username"),
            changed,
        )

    def check_client(self):
        """Whether the tenant's token endpoint knows this client id and secret: asked to
        redeem a refresh token that does not exist, it answers invalid_grant to a known one."""
        app = self._app(msal.SerializableTokenCache())
        try:
            result = app.acquire_token_by_refresh_token(PROBE_REFRESH_TOKEN, self.scopes)
        except (requests.RequestException, msal.exceptions.MsalServiceError) as exc:
            raise transport_exception(exc) from exc
        error = result.get("error")
        if error in (None, "invalid_grant"):
            return True
        if error in ("invalid_client", "unauthorized_client"):
            return False
        self._raise_for(result)
        return True

    @staticmethod
    def _raise_for(result):
        error = result.get("error")
        if not error:
            return
        if not isinstance(error, str):
            # not the token endpoint's own shape: a gateway or throttling answer
            raise TransientError(f"Microsoft token endpoint answered {error}")
        description = (result.get("error_description") or "").split(" Trace ID:")[0]
        message = f"{error}: {description}".rstrip(": ")
        if error in USER_ERRORS or result.get("suberror") == "consent_required":
            raise AuthRevoked(message, reason=error)
        if error in TRANSIENT_ERRORS:
            raise TransientError(message, reason=error)
        raise BadRequest(message, reason=error)
