"""Google OAuth 2.0 emulation: consent page, code exchange with PKCE, refresh, revoke."""

import base64
import hashlib
import hmac
import html
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from werkzeug.wrappers import Response

from .google_store import ApiError
from .provider import json_response

DEFAULT_EMAIL = "demo.user@example.com"
FULL_SCOPE = "https://www.googleapis.com/auth/calendar"
CODE_TTL = 600
WRITE_SCOPES = {FULL_SCOPE, "https://www.googleapis.com/auth/calendar.events"}
READ_SCOPES = WRITE_SCOPES | {
    "https://www.googleapis.com/auth/calendar.readonly",
    "https://www.googleapis.com/auth/calendar.events.readonly",
}
_AUTH_PARAMS = (
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
    "access_type",
    "prompt",
    "include_granted_scopes",
)


@dataclass
class OAuthClient:
    client_id: str
    secret: str
    # None: any absolute http(s) redirect URI is accepted (demo and loopback clients)
    redirect_uris: tuple | None = None


def _oauth_error(status, error, description):
    return json_response(
        {"error": error, "error_description": description}, status, {"Cache-Control": "no-store"}
    )


def _error_page(status, error, detail):
    body = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Error {status}: {error}</title></head><body>"
        "<h1>Access blocked: Authorization Error</h1>"
        f"<p id='error'>Error {status}: {error}</p><p>{html.escape(detail)}</p></body></html>"
    )
    return Response(body, status=status, mimetype="text/html")


def pkce_matches(challenge, method, verifier):
    if method == "plain":
        return hmac.compare_digest(challenge, verifier)
    digest = hashlib.sha256(verifier.encode()).digest()
    expected = base64.urlsafe_b64encode(digest).decode().rstrip("=")
    return hmac.compare_digest(challenge, expected)


class OAuthMixin:
    """Accounts side of the Google emulator (state lives on the provider)."""

    # -- test hooks ------------------------------------------------------------------
    def register_client(self, client_id, secret, redirect_uris=None):
        self.clients[client_id] = OAuthClient(
            client_id, secret, tuple(redirect_uris) if redirect_uris else None
        )

    def grant(self, email, client_id=None, scope=FULL_SCOPE):
        """Consent as if through the browser: returns a token response with a refresh token."""
        client_id = client_id or self.demo_client_id
        with self.emu.lock:
            self.mailbox(email)
            return self._issue(email.lower(), client_id, scope, offline=True)

    def add_user(self, email, scope=FULL_SCOPE):
        """Create the user's mailbox and return a fresh access token for direct API calls."""
        return self.grant(email, scope=scope)["access_token"]

    def revoke_refresh_tokens(self, email):
        """The user removes the app's access: refresh tokens and their access tokens die."""
        with self.emu.lock:
            for token, record in self.refresh_tokens.items():
                if record["email"] == email.lower():
                    self._revoke_grant(token)

    def expire_access_tokens(self, email=None):
        with self.emu.lock:
            for record in self.access_tokens.values():
                if email is None or record["email"] == email.lower():
                    record["expires_at"] = 0

    # -- tokens ----------------------------------------------------------------------
    def _issue(self, email, client_id, scope, offline, refresh_token=None):
        if offline and refresh_token is None:
            refresh_token = "1//0" + secrets.token_urlsafe(48)
            self.refresh_tokens[refresh_token] = {
                "email": email,
                "client_id": client_id,
                "scope": scope,
                "revoked": False,
            }
        access_token = "ya29.a0" + secrets.token_urlsafe(64)
        self.access_tokens[access_token] = {
            "email": email,
            "client_id": client_id,
            "scope": scope,
            "refresh": refresh_token,
            "expires_at": time.time() + self.access_token_ttl,
            "revoked": False,
        }
        answer = {
            "access_token": access_token,
            "expires_in": int(self.access_token_ttl),
            "scope": scope,
            "token_type": "Bearer",
        }
        if offline:
            answer["refresh_token"] = refresh_token
        return answer

    def _revoke_grant(self, refresh_token):
        self.refresh_tokens[refresh_token]["revoked"] = True
        for record in self.access_tokens.values():
            if record["refresh"] == refresh_token:
                record["revoked"] = True

    def _bearer(self, request):
        """The access token record of an API call, or Google's 401."""
        header = request.headers.get("Authorization", "")
        if not header and request.args.get("access_token"):
            # Google also takes the token as a query parameter (RFC 6750 section 2.3)
            header = f"Bearer {request.args['access_token']}"
        if not header:
            raise ApiError(
                401, "required", "Login Required.", location="Authorization", location_type="header"
            )
        scheme, _, token = header.partition(" ")
        record = self.access_tokens.get(token.strip()) if scheme.lower() == "bearer" else None
        if record is None or record["revoked"] or record["expires_at"] <= time.time():
            raise ApiError(
                401,
                "authError",
                "Invalid Credentials",
                location="Authorization",
                location_type="header",
            )
        return record

    def _check_scope(self, record, write):
        granted = set(record["scope"].split())
        if not granted & (WRITE_SCOPES if write else READ_SCOPES):
            raise ApiError(
                403, "insufficientPermissions", "Request had insufficient authentication scopes."
            )

    # -- authorization endpoint ------------------------------------------------------
    def _check_authorize(self, params):
        client_id = params.get("client_id")
        if not client_id:
            return _error_page(400, "invalid_request", "Missing required parameter: client_id")
        client = self.clients.get(client_id)
        if client is None:
            return _error_page(401, "invalid_client", "The OAuth client was not found.")
        uri = params.get("redirect_uri")
        if not uri:
            return _error_page(400, "invalid_request", "Missing required parameter: redirect_uri")
        parsed = urlsplit(uri)
        allowed = (
            parsed.scheme in ("http", "https")
            and parsed.netloc
            and (client.redirect_uris is None or uri in client.redirect_uris)
        )
        if not allowed:
            return _error_page(
                400,
                "redirect_uri_mismatch",
                f"You can't sign in to this app: redirect_uri={uri} is not "
                "registered for this client.",
            )
        if params.get("response_type") != "code":
            return _error_page(400, "invalid_request", "Invalid response_type: only 'code'.")
        if not params.get("scope"):
            return _error_page(400, "invalid_request", "Missing required parameter: scope")
        method = params.get("code_challenge_method")
        if method and (method not in ("S256", "plain") or not params.get("code_challenge")):
            return _error_page(400, "invalid_request", "Invalid code_challenge_method.")
        return None

    def on_oauth_authorize(self, request):
        params = request.args
        problem = self._check_authorize(params)
        if problem is not None:
            return problem
        email = (params.get("login_hint") or DEFAULT_EMAIL).strip().lower()
        if self.auto_approve:
            return self._approve(params, email)
        return self._consent_page(request.path, params, email)

    def on_oauth_approve(self, request):
        form = request.form
        problem = self._check_authorize(form)
        if problem is not None:
            return problem
        if form.get("decision") == "deny":
            return self._redirect_back(form, error="access_denied")
        email = (form.get("email") or "").strip().lower()
        if "@" not in email:
            return self._consent_page(request.path, form, email, "Enter a valid email.", 400)
        return self._approve(form, email)

    def _consent_page(self, action, params, email, problem="", status=200):
        esc = html.escape
        hidden = "".join(
            f"<input type='hidden' name='{name}' value='{esc(params[name], quote=True)}'>"
            for name in _AUTH_PARAMS
            if params.get(name) is not None
        )
        scopes = "".join(f"<li>{esc(s)}</li>" for s in params.get("scope", "").split())
        body = (
            "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            "<title>Sign in - Google Accounts (emulator)</title></head><body>"
            f"<form method='post' action='{esc(action, quote=True)}'>"
            f"<h1>Choose an account</h1><p><b>{esc(params['client_id'])}</b> wants to access "
            f"your Google Account</p><ul>{scopes}</ul>"
            + (f"<p class='error'>{esc(problem)}</p>" if problem else "")
            + "<label for='email'>Email</label> "
            f"<input id='email' name='email' type='email' value='{esc(email, quote=True)}'>"
            f"{hidden}"
            "<button type='submit' id='approve' name='decision' value='approve'>Approve"
            "</button> <button type='submit' id='deny' name='decision' value='deny'>Cancel"
            "</button></form></body></html>"
        )
        return Response(body, status=status, mimetype="text/html")

    def _approve(self, params, email):
        self.mailbox(email)
        code = "4/0" + secrets.token_urlsafe(40)
        self.codes[code] = {
            "client_id": params["client_id"],
            "redirect_uri": params["redirect_uri"],
            "email": email,
            "scope": params["scope"],
            "challenge": params.get("code_challenge"),
            "method": params.get("code_challenge_method") or "plain",
            "offline": params.get("access_type") == "offline",
            "expires_at": time.time() + CODE_TTL,
            "used": False,
        }
        return self._redirect_back(params, code=code, scope=params["scope"])

    def _redirect_back(self, params, **values):
        if params.get("state") is not None:
            values["state"] = params["state"]
        uri = params["redirect_uri"]
        location = uri + ("&" if urlsplit(uri).query else "?") + urlencode(values)
        return Response("", status=302, headers={"Location": location})

    # -- token and revoke endpoints --------------------------------------------------
    def on_oauth_token(self, request):
        form = (request.get_json(silent=True) or {}) if request.is_json else request.form
        client_id, secret = form.get("client_id"), form.get("client_secret")
        auth = request.authorization
        if auth is not None and auth.type == "basic":
            client_id, secret = auth.username, auth.password
        if not client_id:
            return _oauth_error(
                400, "invalid_request", "Could not determine client ID from request."
            )
        client = self.clients.get(client_id)
        if client is None:
            return _oauth_error(401, "invalid_client", "The OAuth client was not found.")
        if not hmac.compare_digest(str(secret or ""), client.secret):
            return _oauth_error(401, "invalid_client", "Unauthorized")
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            return self._exchange_code(client, form)
        if grant_type == "refresh_token":
            return self._refresh(client, form)
        return _oauth_error(400, "unsupported_grant_type", f"Invalid grant_type: {grant_type}")

    def _exchange_code(self, client, form):
        record = self.codes.get(form.get("code") or "")
        if record is None:
            return _oauth_error(400, "invalid_grant", "Malformed auth code.")
        if record["used"] or record["expires_at"] < time.time():
            return _oauth_error(400, "invalid_grant", "Bad Request")
        if record["client_id"] != client.client_id:
            return _oauth_error(400, "invalid_grant", "Bad Request")
        if form.get("redirect_uri") != record["redirect_uri"]:
            return _oauth_error(400, "redirect_uri_mismatch", "Bad Request")
        if record["challenge"]:
            verifier = form.get("code_verifier")
            if not verifier:
                return _oauth_error(400, "invalid_grant", "Missing code verifier.")
            if not pkce_matches(record["challenge"], record["method"], verifier):
                return _oauth_error(400, "invalid_grant", "Invalid code verifier.")
        record["used"] = True
        answer = self._issue(record["email"], client.client_id, record["scope"], record["offline"])
        return json_response(answer, headers={"Cache-Control": "no-store"})

    def _refresh(self, client, form):
        token = form.get("refresh_token") or ""
        record = self.refresh_tokens.get(token)
        if record is None or record["revoked"]:
            return _oauth_error(400, "invalid_grant", "Token has been expired or revoked.")
        if record["client_id"] != client.client_id:
            return _oauth_error(400, "unauthorized_client", "Unauthorized")
        scope = form.get("scope") or record["scope"]
        if not set(scope.split()) <= set(record["scope"].split()):
            return _oauth_error(400, "invalid_scope", "Some requested scopes were invalid.")
        answer = self._issue(
            record["email"], client.client_id, scope, offline=False, refresh_token=token
        )
        return json_response(answer, headers={"Cache-Control": "no-store"})

    def on_oauth_revoke(self, request):
        token = request.values.get("token") or ""
        if token in self.refresh_tokens and not self.refresh_tokens[token]["revoked"]:
            self._revoke_grant(token)
        elif token in self.access_tokens and not self.access_tokens[token]["revoked"]:
            record = self.access_tokens[token]
            record["revoked"] = True
            if record["refresh"]:
                self._revoke_grant(record["refresh"])
        else:
            return _oauth_error(400, "invalid_token", "Token expired or revoked")
        return json_response({})
