"""Microsoft identity platform (v2.0 endpoints) as msal sees it: discovery, consent, tokens."""

import base64
import datetime as dt
import hashlib
import json
import secrets
import time
import uuid
from dataclasses import dataclass, field

from .provider import json_response

ACCESS_TOKEN_LIFETIME = 3599
OIDC_SCOPES = {"openid", "profile", "email", "offline_access"}
GRAPH_PREFIX = "https://graph.microsoft.com/"
MULTI_TENANT = ("common", "organizations")


@dataclass
class User:
    email: str
    name: str
    tenant: str
    oid: str = field(default_factory=lambda: str(uuid.uuid4()))


def tenant_guid(tenant):
    return str(uuid.uuid5(uuid.NAMESPACE_DNS, f"{tenant}.emulator.invalid"))


def short_scope(scope):
    """``https://graph.microsoft.com/Calendars.ReadWrite`` and ``Calendars.ReadWrite`` match."""
    return scope[len(GRAPH_PREFIX) :] if scope.startswith(GRAPH_PREFIX) else scope


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def aad_error(status, error, code, description, suberror=None, headers=None):
    """An error of the token endpoint in Entra ID's shape."""
    trace, correlation = str(uuid.uuid4()), str(uuid.uuid4())
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    body = {
        "error": error,
        "error_description": f"AADSTS{code}: {description} Trace ID: {trace} "
        f"Correlation ID: {correlation} Timestamp: {stamp}",
        "error_codes": [code],
        "timestamp": stamp,
        "trace_id": trace,
        "correlation_id": correlation,
        "error_uri": f"https://login.microsoftonline.com/error?code={code}",
    }
    if suberror:
        body["suberror"] = suberror
    return json_response(body, status, headers)


class IdentityPlatform:
    """Mixin of MicrosoftEmulator: ``/microsoft/login/{tenant}/...``."""

    def _reset_identity(self):
        self.clients = {}
        self.users = {}
        self.codes = {}
        self.access_tokens = {}
        self.refresh_tokens = {}
        self.consents = set()
        # browser tests set this: the consent page approves itself at once
        self.auto_approve = False

    def register_client(self, tenant, client_id, secret, redirect_uris=None, name="Odoo"):
        """Register an app in a tenant; ``redirect_uris=None`` accepts any redirect URI."""
        with self.emu.lock:
            self.clients[(tenant, client_id)] = {
                "secret": secret,
                "redirect_uris": list(redirect_uris) if redirect_uris else None,
                "name": name,
            }

    def revoke_refresh_tokens(self, email):
        """Like a password reset: every refresh token of the user stops working (50173)."""
        self._mark_refresh_tokens(email, "revoked")

    def expire_refresh_tokens(self, email):
        """The refresh tokens expired from inactivity (AADSTS700082)."""
        self._mark_refresh_tokens(email, "expired")

    def revoke_consent(self, email, client_id=None):
        """The user (or an admin) removed the app's permissions (AADSTS65001 on refresh)."""
        with self.emu.lock:
            self.consents = {
                c
                for c in self.consents
                if not (c[0] == email.lower() and client_id in (None, c[1]))
            }

    def expire_access_tokens(self, email=None):
        """Every access token (of one user) is past its lifetime: Graph answers 401."""
        with self.emu.lock:
            for entry in self.access_tokens.values():
                if email in (None, entry["email"]):
                    entry["exp"] = time.time() - 1

    def _mark_refresh_tokens(self, email, state):
        with self.emu.lock:
            for entry in self.refresh_tokens.values():
                if entry["email"] == email.lower():
                    entry[state] = True

    def _resolve_tenant(self, tenant):
        """The registered tenant name for a name or its GUID; ``common`` stays itself."""
        if tenant in MULTI_TENANT:
            return tenant
        for name in {t for t, _ in self.clients} | {u.tenant for u in self.users.values()}:
            if tenant in (name, tenant_guid(name)):
                return name
        return None

    def _client(self, tenant, client_id):
        if tenant in MULTI_TENANT:
            for (home, cid), client in self.clients.items():
                if cid == client_id:
                    return home, client
            return None, None
        return tenant, self.clients.get((tenant, client_id))

    def _ensure_user(self, email, tenant, name=None):
        email = email.strip().lower()
        user = self.users.get(email)
        if user is None:
            local = email.split("@")[0]
            user = User(email, name or local.replace(".", " ").title(), tenant)
            self.users[email] = user
            self._create_mailbox(user)
        return user

    def _login_base(self, request):
        return request.host_url + "microsoft/login"

    def on_login_openid(self, request, tenant):
        resolved = self._resolve_tenant(tenant)
        if resolved is None:
            return aad_error(
                400,
                "invalid_tenant",
                90002,
                f"Tenant '{tenant}' not found. Check "
                "to make sure you have the correct tenant ID and are signing into "
                "the correct cloud.",
            )
        base = self._login_base(request)
        path = tenant if resolved in MULTI_TENANT else tenant_guid(resolved)
        issuer_tid = "{tenantid}" if resolved in MULTI_TENANT else tenant_guid(resolved)
        return json_response(
            {
                "token_endpoint": f"{base}/{path}/oauth2/v2.0/token",
                "token_endpoint_auth_methods_supported": [
                    "client_secret_post",
                    "private_key_jwt",
                    "client_secret_basic",
                ],
                "jwks_uri": f"{base}/{path}/discovery/v2.0/keys",
                "response_modes_supported": ["query", "fragment", "form_post"],
                "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
                "scopes_supported": ["openid", "profile", "email", "offline_access"],
                "issuer": f"{base}/{issuer_tid}/v2.0",
                "request_uri_parameter_supported": False,
                # the consent page is for a person's browser: serve it from the plain listener,
                # which has no self-signed certificate to click through (msal only needs the
                # authority and the token endpoint on https)
                "authorization_endpoint": (
                    f"{self.emu.base_url}/microsoft/login/{path}/oauth2/v2.0/authorize"
                ),
                "end_session_endpoint": f"{base}/{path}/oauth2/v2.0/logout",
                "claims_supported": [
                    "sub",
                    "iss",
                    "aud",
                    "exp",
                    "iat",
                    "nonce",
                    "name",
                    "tid",
                    "preferred_username",
                    "email",
                    "oid",
                    "ver",
                ],
                "tenant_region_scope": "EU",
                "cloud_instance_name": "microsoftonline.com",
                "msgraph_host": "graph.microsoft.com",
            }
        )

    def on_login_keys(self, request, tenant):
        return json_response({"keys": []})

    def on_login_token(self, request, tenant):
        form = request.form
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if request.authorization and request.authorization.type == "basic":
            client_id = client_id or request.authorization.username
            secret = secret or request.authorization.password
        with self.emu.lock:
            resolved = self._resolve_tenant(tenant)
            if resolved is None:
                return aad_error(400, "invalid_request", 90002, f"Tenant '{tenant}' not found.")
            _home, client = self._client(resolved, client_id or "")
            if client is None:
                return aad_error(
                    400,
                    "unauthorized_client",
                    700016,
                    f"Application with "
                    f"identifier '{client_id}' was not found in the directory "
                    f"'{tenant}'.",
                )
            if not secret:
                return aad_error(
                    401,
                    "invalid_client",
                    7000218,
                    "The request body must contain "
                    "the following parameter: 'client_assertion' or "
                    "'client_secret'.",
                )
            if not secrets.compare_digest(secret, client["secret"]):
                return aad_error(
                    401,
                    "invalid_client",
                    7000215,
                    "Invalid client secret "
                    f"provided. Ensure the secret being sent in the request is the "
                    f"client secret value, not the client secret ID, for a secret "
                    f"added to app '{client_id}'.",
                )
            grant = form.get("grant_type")
            if grant == "authorization_code":
                return self._redeem_code(request, client_id)
            if grant == "refresh_token":
                return self._redeem_refresh_token(request, client_id, client)
        return aad_error(
            400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type."
        )

    def _redeem_code(self, request, client_id):
        form = request.form
        entry = self.codes.get(form.get("code", ""))
        if entry is None or entry["client_id"] != client_id:
            return aad_error(
                400,
                "invalid_grant",
                70000,
                "The provided value for the 'code' parameter is not valid.",
            )
        if entry["used"]:
            return aad_error(
                400,
                "invalid_grant",
                54005,
                "OAuth2 Authorization code was "
                "already redeemed, please retry with a new valid code or use an "
                "existing refresh token.",
            )
        if entry["exp"] < time.time():
            return aad_error(
                400,
                "invalid_grant",
                70008,
                "The provided authorization code or refresh token has expired due to inactivity.",
            )
        if form.get("redirect_uri") != entry["redirect_uri"]:
            return aad_error(
                400,
                "invalid_grant",
                500112,
                "The reply address does not match "
                "the reply address provided when requesting Authorization code.",
            )
        if entry["challenge"]:
            verifier = form.get("code_verifier") or ""
            if entry["method"] == "S256":
                verifier = b64url(hashlib.sha256(verifier.encode("ascii")).digest())
            if not secrets.compare_digest(verifier, entry["challenge"]):
                return aad_error(
                    400,
                    "invalid_grant",
                    501481,
                    "The Code_Verifier does not "
                    "match the code_challenge supplied in the authorization "
                    "request.",
                )
        entry["used"] = True
        user = self.users[entry["email"]]
        scopes = form.get("scope", "").split() or entry["scopes"]
        return json_response(
            self._issue_tokens(request, user, client_id, entry["tenant"], scopes, entry["nonce"])
        )

    def _redeem_refresh_token(self, request, client_id, client):
        form = request.form
        entry = self.refresh_tokens.get(form.get("refresh_token", ""))
        if entry is None:
            return aad_error(
                400, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid."
            )
        if entry["client_id"] != client_id:
            return aad_error(
                400,
                "invalid_grant",
                700005,
                "Provided Authorization Code is intended to use against other tenant or app.",
            )
        issued = dt.datetime.fromtimestamp(entry["iat"], dt.UTC).isoformat()
        if entry.get("revoked"):
            return aad_error(
                400,
                "invalid_grant",
                50173,
                "The provided grant has expired due "
                "to it being revoked, a fresh auth token is needed. The user might "
                f"have changed or reset their password. The grant was issued on "
                f"'{issued}'.",
                suberror="bad_token",
            )
        if entry.get("expired"):
            return aad_error(
                400,
                "invalid_grant",
                700082,
                "The refresh token has expired due "
                f"to inactivity. The token was issued on {issued} and was inactive "
                "for 90.00:00:00.",
                suberror="bad_token",
            )
        requested = form.get("scope", "").split() or entry["scopes"]
        granted = {short_scope(s) for s in entry["scopes"]} | OIDC_SCOPES
        if (entry["email"], client_id) not in self.consents or not {
            short_scope(s) for s in requested
        } <= granted:
            return aad_error(
                400,
                "invalid_grant",
                65001,
                "The user or administrator has not "
                f"consented to use the application with ID '{client_id}' named "
                f"'{client['name']}'. Send an interactive authorization request "
                "for this user and resource.",
                suberror="consent_required",
            )
        user = self.users[entry["email"]]
        return json_response(
            self._issue_tokens(request, user, client_id, entry["tenant"], requested)
        )

    def _issue_tokens(self, request, user, client_id, tenant, scopes, nonce=None):
        issued_at = int(time.time())
        access_token = "EwB" + secrets.token_urlsafe(60)
        resource_scopes = [s for s in scopes if s not in OIDC_SCOPES]
        self.access_tokens[access_token] = {
            "email": user.email,
            "client_id": client_id,
            "tenant": tenant,
            "scopes": {short_scope(s) for s in resource_scopes},
            "exp": issued_at + ACCESS_TOKEN_LIFETIME,
        }
        answer = {
            "token_type": "Bearer",
            "scope": " ".join(s for s in scopes if s != "offline_access"),
            "expires_in": ACCESS_TOKEN_LIFETIME,
            "ext_expires_in": ACCESS_TOKEN_LIFETIME,
            "access_token": access_token,
        }
        if "offline_access" in scopes:
            # every redemption rotates: a new refresh token each time, like Entra ID
            refresh_token = "1.A" + secrets.token_urlsafe(96)
            self.refresh_tokens[refresh_token] = {
                "email": user.email,
                "client_id": client_id,
                "tenant": tenant,
                "scopes": resource_scopes,
                "iat": issued_at,
            }
            answer["refresh_token"] = refresh_token
        tid = tenant_guid(tenant)
        if "openid" in scopes:
            claims = {
                "aud": client_id,
                "iss": f"{self._login_base(request)}/{tid}/v2.0",
                "iat": issued_at,
                "nbf": issued_at,
                "exp": issued_at + 3600,
                "name": user.name,
                "preferred_username": user.email,
                "email": user.email,
                "oid": user.oid,
                "sub": b64url(hashlib.sha256(f"{user.oid}:{client_id}".encode()).digest()),
                "tid": tid,
                "ver": "2.0",
                "uti": secrets.token_urlsafe(16),
            }
            if nonce:
                claims["nonce"] = nonce
            header = b64url(json.dumps({"typ": "JWT", "alg": "none"}).encode())
            answer["id_token"] = f"{header}.{b64url(json.dumps(claims).encode())}."
        if request.form.get("client_info") == "1":
            answer["client_info"] = b64url(json.dumps({"uid": user.oid, "utid": tid}).encode())
        return answer

    def _token_for(self, user, client_id, scopes):
        """An access token issued directly (test hook ``add_user``)."""
        access_token = "EwB" + secrets.token_urlsafe(60)
        self.access_tokens[access_token] = {
            "email": user.email,
            "client_id": client_id,
            "tenant": user.tenant,
            "scopes": {short_scope(s) for s in scopes},
            "exp": time.time() + ACCESS_TOKEN_LIFETIME,
        }
        return access_token
