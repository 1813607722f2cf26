"""Google OAuth 2.0 as the emulator reproduces it: consent, PKCE code exchange, refresh, revoke."""

import base64
import hashlib
import re
from urllib.parse import parse_qs, urlsplit

import requests

from emulator.google import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET

REDIRECT = "http://127.0.0.1:8069/calendar_cloud_sync/google/callback"
SCOPE = "https://www.googleapis.com/auth/calendar"
VERIFIER = "v" * 20 + "-verifier-long-enough-for-pkce-43-chars"


def challenge(verifier):
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


def auth_params(**extra):
    params = {
        "client_id": DEMO_CLIENT_ID,
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": SCOPE,
        "state": "st-123",
        "code_challenge": challenge(VERIFIER),
        "code_challenge_method": "S256",
        "access_type": "offline",
        "prompt": "consent",
    }
    params.update(extra)
    return params


def authorize(emulator, **extra):
    return requests.get(
        emulator.url("google", "/o/oauth2/v2/auth"),
        params=auth_params(**extra),
        allow_redirects=False,
        timeout=10,
    )


def approve(emulator, email="ann@example.com", decision="approve", **extra):
    data = dict(auth_params(**extra), email=email, decision=decision)
    return requests.post(
        emulator.url("google", "/o/oauth2/v2/auth"), data=data, allow_redirects=False, timeout=10
    )


def code_from(response):
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    return parse_qs(location.query)


def token(emulator, **data):
    data.setdefault("client_id", DEMO_CLIENT_ID)
    data.setdefault("client_secret", DEMO_CLIENT_SECRET)
    return requests.post(emulator.url("google", "/token"), data=data, timeout=10)


def exchange(emulator, code, verifier=VERIFIER, **extra):
    return token(
        emulator,
        grant_type="authorization_code",
        code=code,
        code_verifier=verifier,
        redirect_uri=REDIRECT,
        **extra,
    )


def calendar_list(emulator, access_token):
    return requests.get(
        emulator.url("google", "/calendar/v3/users/me/calendarList"),
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=10,
    )


def test_consent_page_prefills_login_hint_and_posts_back(emulator):
    page = authorize(emulator, login_hint="Bob@Example.com")
    assert page.status_code == 200
    assert "text/html" in page.headers["Content-Type"]
    assert re.search(r"id='email'[^>]*value='bob@example.com'", page.text)
    assert "method='post'" in page.text and "id='approve'" in page.text
    assert "value='st-123'" in page.text


def test_consent_page_defaults_to_demo_user(emulator):
    assert "value='demo.user@example.com'" in authorize(emulator).text


def test_approve_redirects_with_code_and_state_and_creates_the_mailbox(emulator):
    query = code_from(approve(emulator, email="ann@example.com"))
    assert query["state"] == ["st-123"]
    assert query["code"][0]
    answer = exchange(emulator, query["code"][0]).json()
    calendars = calendar_list(emulator, answer["access_token"]).json()["items"]
    assert [c["id"] for c in calendars] == ["ann@example.com"]
    assert calendars[0]["primary"] is True


def test_deny_redirects_with_access_denied(emulator):
    query = code_from(approve(emulator, decision="deny"))
    assert query["error"] == ["access_denied"]
    assert query["state"] == ["st-123"]


def test_auto_approve_with_login_hint_redirects_at_once(emulator):
    emulator.providers["google"].auto_approve = True
    query = code_from(authorize(emulator, login_hint="carl@example.com"))
    answer = exchange(emulator, query["code"][0]).json()
    assert calendar_list(emulator, answer["access_token"]).json()["items"][0]["id"] == (
        "carl@example.com"
    )


def test_unknown_client_gets_invalid_client_page(emulator):
    page = authorize(emulator, client_id="nobody.apps.googleusercontent.com")
    assert page.status_code == 401
    assert "invalid_client" in page.text


def test_unregistered_redirect_uri_is_a_mismatch(emulator):
    google = emulator.providers["google"]
    google.register_client("strict-client", "s3cret", [REDIRECT])
    assert authorize(emulator, client_id="strict-client").status_code == 200
    page = authorize(emulator, client_id="strict-client", redirect_uri="http://evil.test/cb")
    assert page.status_code == 400
    assert "redirect_uri_mismatch" in page.text


def test_demo_client_accepts_any_redirect_uri(emulator):
    assert authorize(emulator, redirect_uri="http://localhost:9999/any/path").status_code == 200


def test_code_exchange_answers_like_google(emulator):
    emulator.providers["google"].access_token_ttl = 1234
    code = code_from(approve(emulator))["code"][0]
    response = exchange(emulator, code)
    assert response.status_code == 200
    answer = response.json()
    assert answer["token_type"] == "Bearer"
    assert answer["expires_in"] == 1234
    assert answer["scope"] == SCOPE
    assert answer["access_token"] and answer["refresh_token"]


def test_code_exchange_checks_the_pkce_verifier(emulator):
    code = code_from(approve(emulator))["code"][0]
    wrong = exchange(emulator, code, verifier="x" * 50)
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"
    missing = token(emulator, grant_type="authorization_code", code=code, redirect_uri=REDIRECT)
    assert missing.json()["error"] == "invalid_grant"
    assert exchange(emulator, code).status_code == 200


def test_codes_are_single_use(emulator):
    code = code_from(approve(emulator))["code"][0]
    assert exchange(emulator, code).status_code == 200
    again = exchange(emulator, code)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_code_exchange_needs_the_same_redirect_uri(emulator):
    code = code_from(approve(emulator))["code"][0]
    response = token(
        emulator,
        grant_type="authorization_code",
        code=code,
        code_verifier=VERIFIER,
        redirect_uri="http://127.0.0.1:1/other",
    )
    assert response.status_code == 400
    assert response.json()["error"] == "redirect_uri_mismatch"


def test_token_endpoint_authenticates_the_client(emulator):
    code = code_from(approve(emulator))["code"][0]
    bad_secret = exchange(emulator, code, client_secret="wrong")
    assert bad_secret.status_code == 401
    assert bad_secret.json()["error"] == "invalid_client"
    unknown = exchange(emulator, code, client_id="who.apps.googleusercontent.com")
    assert unknown.status_code == 401
    assert unknown.json()["error"] == "invalid_client"


def test_no_refresh_token_without_offline_access(emulator):
    code = code_from(approve(emulator, access_type="online"))["code"][0]
    answer = exchange(emulator, code).json()
    assert "refresh_token" not in answer
    assert answer["access_token"]


def test_refresh_grant_gives_a_new_access_token_only(emulator):
    tokens = emulator.providers["google"].grant("ann@example.com")
    response = token(emulator, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert response.status_code == 200
    answer = response.json()
    assert answer["access_token"] != tokens["access_token"]
    assert "refresh_token" not in answer
    assert calendar_list(emulator, answer["access_token"]).status_code == 200


def test_revoked_refresh_token_is_invalid_grant(emulator):
    google = emulator.providers["google"]
    tokens = google.grant("ann@example.com")
    google.revoke_refresh_tokens("ann@example.com")
    response = token(emulator, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_grant",
        "error_description": "Token has been expired or revoked.",
    }
    assert calendar_list(emulator, tokens["access_token"]).status_code == 401


def test_revoke_endpoint_kills_the_grant(emulator):
    tokens = emulator.providers["google"].grant("ann@example.com")
    revoke = requests.post(
        emulator.url("google", "/revoke"), params={"token": tokens["refresh_token"]}, timeout=10
    )
    assert revoke.status_code == 200
    assert calendar_list(emulator, tokens["access_token"]).status_code == 401
    refresh = token(emulator, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert refresh.json()["error"] == "invalid_grant"
    unknown = requests.post(emulator.url("google", "/revoke"), data={"token": "nope"}, timeout=10)
    assert unknown.status_code == 400
    assert unknown.json()["error"] == "invalid_token"


def test_expired_access_token_is_refused_until_refreshed(emulator):
    google = emulator.providers["google"]
    tokens = google.grant("ann@example.com")
    google.expire_access_tokens("ann@example.com")
    response = calendar_list(emulator, tokens["access_token"])
    assert response.status_code == 401
    assert response.json()["error"]["errors"][0]["reason"] == "authError"
    fresh = token(emulator, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert calendar_list(emulator, fresh.json()["access_token"]).status_code == 200
