"""The OAuth 2.0 steps of a Google connection that happen outside API calls.

Consent URL (offline access, consent prompt, PKCE S256), authorization-code exchange and
revocation, against the configured endpoints. Token refresh is google-auth's job (see
``client``); google-auth has no code exchange or revocation without
google-auth-oauthlib, which is not a dependency, so these two use ``requests``.
"""

from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import requests
from google.auth.exceptions import RefreshError, TransportError
from google.auth.transport.requests import Request
from google.oauth2.credentials import Credentials

from ..exceptions import AuthRevoked, BadRequest, RateLimited, TransientError
from ..oauth_state import pkce_pair  # noqa: F401 - part of this module's API
from ..retry import parse_retry_after

CALENDAR_SCOPE = "https://www.googleapis.com/auth/calendar"
DEFAULT_SCOPES = (CALENDAR_SCOPE,)
DEFAULT_TIMEOUT = 30
_REAUTH_ERRORS = {"invalid_grant", "invalid_client", "unauthorized_client"}
# a refresh token nobody was ever given: the token endpoint's answer tells about the client
PROBE_REFRESH_TOKEN = "calendar-cloud-sync-client-check"
CLIENT_ERRORS = {"invalid_client", "unauthorized_client"}


def revoke_uri_for(token_uri):
    """Google's revoke endpoint sits next to its token endpoint: ``.../token`` -> ``.../revoke``."""
    base = token_uri.rstrip("/")
    return (base[: -len("/token")] if base.endswith("/token") else base) + "/revoke"


def authorization_url(
    auth_uri, client_id, redirect_uri, state, code_challenge, login_hint=None, scopes=DEFAULT_SCOPES
):
    params = {
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "scope": " ".join(scopes),
        "state": state,
        "code_challenge": code_challenge,
        "code_challenge_method": "S256",
        # offline + consent: Google only returns a refresh token on an explicit consent
        "access_type": "offline",
        "prompt": "consent",
        "include_granted_scopes": "true",
    }
    if login_hint:
        params["login_hint"] = login_hint
    return f"{auth_uri}?{urlencode(params)}"


# google-auth only refreshes tokens: code exchange and revocation need google-auth-oauthlib
def _post(url, data, timeout):
    try:
        return requests.post(url, data=data, timeout=timeout)
    except requests.Timeout as exc:
        raise TransientError(f"Google OAuth timed out: {exc}") from exc
    except requests.RequestException as exc:
        raise TransientError(f"Google OAuth unreachable: {exc}") from exc


def _raise_for_oauth(response):
    if response.status_code < 400:
        return
    try:
        payload = response.json()
    except ValueError:
        payload = {}
    error = payload.get("error") if isinstance(payload, dict) else None
    message = f"Google OAuth {response.status_code} {error}: {payload.get('error_description', '')}"
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    if response.status_code == 429:
        raise RateLimited(message, response.status_code, error, retry_after)
    if response.status_code >= 500:
        raise TransientError(message, response.status_code, error, retry_after)
    if error in _REAUTH_ERRORS:
        raise AuthRevoked(message, response.status_code, error)
    raise BadRequest(message, response.status_code, error)


def exchange_code(
    token_uri, client_id, client_secret, code, code_verifier, redirect_uri, timeout=DEFAULT_TIMEOUT
):
    """Trade the authorization code for tokens; adds ``expiry`` (naive UTC, like google-auth)."""
    response = _post(
        token_uri,
        {
            "grant_type": "authorization_code",
            "code": code,
            "code_verifier": code_verifier,
            "redirect_uri": redirect_uri,
            "client_id": client_id,
            "client_secret": client_secret,
        },
        timeout,
    )
    _raise_for_oauth(response)
    tokens = response.json()
    expires_in = int(tokens.get("expires_in", 3600))
    tokens["expiry"] = datetime.now(UTC).replace(tzinfo=None) + timedelta(seconds=expires_in)
    return tokens


class _TimedRequest(Request):
    """google-auth's transport with our timeout (its refresh passes none: 120 s)."""

    def __init__(self, session, timeout):
        super().__init__(session)
        self._timeout = timeout

    def __call__(self, url, method="GET", body=None, headers=None, timeout=None, **kwargs):
        return super().__call__(url, method, body, headers, timeout or self._timeout, **kwargs)


def check_client(token_uri, client_id, client_secret, timeout=DEFAULT_TIMEOUT, verify=True):
    """Whether Google's token endpoint knows this client id and secret: asked to refresh a
    token that does not exist, it answers invalid_grant to a known client only."""
    credentials = Credentials(
        None,
        refresh_token=PROBE_REFRESH_TOKEN,
        token_uri=token_uri,
        client_id=client_id,
        client_secret=client_secret,
    )
    session = requests.Session()
    session.verify = verify
    try:
        credentials.refresh(_TimedRequest(session, timeout))
    except RefreshError as exc:
        data = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], dict) else {}
        error = data.get("error")
        if error == "invalid_grant":
            return True
        if error in CLIENT_ERRORS:
            return False
        raise BadRequest(f"Google OAuth answered {error or exc}", reason=error) from exc
    except TransportError as exc:
        raise TransientError(f"Google OAuth unreachable: {exc}") from exc
    finally:
        session.close()
    return True


def revoke(revoke_uri, token, timeout=DEFAULT_TIMEOUT):
    """Revoke a refresh (or access) token; False when Google already considers it invalid."""
    response = _post(revoke_uri, {"token": token}, timeout)
    if response.status_code == 400:
        return False
    _raise_for_oauth(response)
    return True
