"""The identity platform's authorization endpoint: the consent page and the redirect back
with a single-use code bound to the PKCE challenge and the OIDC nonce."""

import html
import secrets
import time
import uuid
from urllib.parse import urlencode

from werkzeug.wrappers import Response

CODE_LIFETIME = 600
DEMO_USER = "demo.user@example.com"


class AuthorizationEndpoint:
    """Mixin of MicrosoftEmulator: ``/microsoft/login/{tenant}/oauth2/v2.0/authorize``."""

    def on_login_authorize(self, request, tenant):
        params = request.values
        with self.emu.lock:
            home, client = self._client(
                self._resolve_tenant(tenant) or tenant, params.get("client_id", "")
            )
        if client is None:
            return self._login_page_error(
                700016,
                f"Application with identifier '{params.get('client_id')}' was not "
                f"found in the directory '{tenant}'.",
            )
        redirect_uri = params.get("redirect_uri", "")
        if not redirect_uri or (
            client["redirect_uris"] is not None and redirect_uri not in client["redirect_uris"]
        ):
            return self._login_page_error(
                50011,
                f"The redirect URI '{redirect_uri}' specified in the request does not "
                f"match the redirect URIs configured for the application.",
            )
        state = params.get("state")
        if params.get("response_type") != "code":
            return self._auth_redirect(
                params,
                {
                    "error": "unsupported_response_type",
                    "error_description": "AADSTS700054: response_type is not enabled.",
                    "state": state,
                },
            )
        method = params.get("code_challenge_method") or (
            "plain" if params.get("code_challenge") else None
        )
        if method not in (None, "plain", "S256"):
            return self._auth_redirect(
                params,
                {
                    "error": "invalid_request",
                    "error_description": "AADSTS501491: Invalid code_challenge_method.",
                    "state": state,
                },
            )
        if request.method == "GET" and not self.auto_approve:
            return self._consent_page(request, client, params)
        if request.method == "POST" and params.get("decision") != "approve":
            return self._auth_redirect(
                params,
                {
                    "error": "access_denied",
                    "error_description": "AADSTS65004: User declined to consent to access the app.",
                    "state": state,
                },
            )
        email = params.get("email") or params.get("login_hint") or DEMO_USER
        with self.emu.lock:
            user = self._ensure_user(email, home)
            if user.tenant != home:
                return self._auth_redirect(
                    params,
                    {
                        "error": "access_denied",
                        "state": state,
                        "error_description": f"AADSTS50020: User account '{user.email}' from "
                        f"identity provider does not exist in tenant '{home}'.",
                    },
                )
            self.consents.add((user.email, params["client_id"]))
            code = "0.A" + secrets.token_urlsafe(48)
            self.codes[code] = {
                "client_id": params["client_id"],
                "tenant": home,
                "email": user.email,
                "redirect_uri": redirect_uri,
                "scopes": params.get("scope", "").split(),
                "challenge": params.get("code_challenge"),
                "method": method,
                "nonce": params.get("nonce"),
                "exp": time.time() + CODE_LIFETIME,
                "used": False,
            }
        return self._auth_redirect(
            params, {"code": code, "state": state, "session_state": str(uuid.uuid4())}
        )

    def _auth_redirect(self, params, answer):
        answer = {k: v for k, v in answer.items() if v is not None}
        if params.get("response_mode") == "form_post":
            fields = "".join(
                f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}"/>'
                for k, v in answer.items()
            )
            page = (
                f'<html><body onload="document.forms[0].submit()"><form method="post" '
                f'action="{html.escape(params["redirect_uri"])}">{fields}</form></body></html>'
            )
            return Response(page, mimetype="text/html")
        separator = "&" if "?" in params["redirect_uri"] else "?"
        return Response(
            status=302, headers={"Location": params["redirect_uri"] + separator + urlencode(answer)}
        )

    def _login_page_error(self, code, message):
        page = (
            f"<html><body><h1>Sign in</h1><p>Sorry, but we're having trouble signing you "
            f"in.</p><p id='error'>AADSTS{code}: {html.escape(message)}</p></body></html>"
        )
        return Response(page, status=400, mimetype="text/html")

    def _consent_page(self, request, client, params):
        email = params.get("login_hint") or DEMO_USER
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}"/>'
            for k, v in params.items(multi=True)
            if k not in ("email", "decision")
        )
        scopes = "".join(f"<li>{html.escape(s)}</li>" for s in params.get("scope", "").split())
        page = f"""<!DOCTYPE html>
<html><head><title>Permissions requested</title></head><body>
<h1>Permissions requested</h1>
<p><b>{html.escape(client["name"])}</b> (emulated Microsoft sign-in) would like to:</p>
<ul>{scopes}</ul>
<form method="post" action="{html.escape(request.path)}">{hidden}
<label>Account <input type="email" name="email" id="email" value="{html.escape(email)}"/></label>
<button type="submit" name="decision" value="approve" id="approve">Accept</button>
<button type="submit" name="decision" value="cancel" id="cancel">Cancel</button>
</form></body></html>"""
        return Response(page, mimetype="text/html")
