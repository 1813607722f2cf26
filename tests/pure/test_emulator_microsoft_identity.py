"""The emulated Microsoft identity platform, driven by msal and by raw token requests."""

import base64
import hashlib
import json
from urllib.parse import parse_qs, urlparse

import msal
import pytest
import requests

from emulator.microsoft import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT
from services.microsoft.http import PinnedSession

REDIRECT = "http://localhost:8069/calendar_cloud_sync/microsoft/callback"
SCOPES = "Calendars.ReadWrite OnlineMeetings.ReadWrite offline_access openid profile"
VERIFIER = "v" * 50
# msal recommends form_post; the addon's callback is a GET route, so the query mode is used
pytestmark = pytest.mark.filterwarnings("ignore:response_mode:UserWarning")


def _challenge(verifier):
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")


def _query(location):
    return {k: v[0] for k, v in parse_qs(urlparse(location).query).items()}


def _claims(jwt):
    payload = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def _login(emulator, path=""):
    return f"{emulator.base_url}/microsoft/login/{DEMO_TENANT}{path}"


def _code(emulator, email="alice@example.com", verifier=VERIFIER, **params):
    emulator.providers["microsoft"].auto_approve = True
    query = {
        "client_id": DEMO_CLIENT_ID,
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "scope": SCOPES,
        "state": "s1",
        "code_challenge": _challenge(verifier),
        "code_challenge_method": "S256",
        "login_hint": email,
        "nonce": "n0nce",
        **params,
    }
    resp = requests.get(
        _login(emulator, "/oauth2/v2.0/authorize"), params=query, allow_redirects=False, timeout=10
    )
    assert resp.status_code == 302, resp.text
    return _query(resp.headers["Location"])["code"]


def _token(emulator, **form):
    data = {
        "client_id": DEMO_CLIENT_ID,
        "client_secret": DEMO_CLIENT_SECRET,
        "client_info": "1",
        **form,
    }
    return requests.post(_login(emulator, "/oauth2/v2.0/token"), data=data, timeout=10)


def _redeem(emulator, code, verifier=VERIFIER):
    return _token(
        emulator,
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT,
        code_verifier=verifier,
        scope=SCOPES,
    )


def _msal_app(emulator, tenant=DEMO_TENANT, secret=DEMO_CLIENT_SECRET):
    return msal.ConfidentialClientApplication(
        DEMO_CLIENT_ID,
        client_credential=secret,
        authority=f"{emulator.tls_base_url}/microsoft/login/{tenant}",
        http_client=PinnedSession(verify=emulator.ca_file, timeout=10),
        instance_discovery=False,
        token_cache=msal.SerializableTokenCache(),
    )


def test_msal_signs_in_through_the_consent_page_over_tls(emulator):
    app = _msal_app(emulator)
    flow = app.initiate_auth_code_flow(
        ["Calendars.ReadWrite"], redirect_uri=REDIRECT, login_hint="bob@example.com"
    )
    browser = requests.Session()
    page = browser.get(flow["auth_uri"], verify=emulator.ca_file, timeout=10)
    assert page.status_code == 200
    assert 'value="bob@example.com"' in page.text
    form = dict(
        _query("?" + urlparse(flow["auth_uri"]).query), email="bob@example.com", decision="approve"
    )
    answer = browser.post(
        urlparse(flow["auth_uri"])._replace(query="").geturl(),
        data=form,
        allow_redirects=False,
        verify=emulator.ca_file,
        timeout=10,
    )
    assert answer.status_code == 302
    callback = _query(answer.headers["Location"])
    assert callback["state"] == flow["state"]

    result = app.acquire_token_by_auth_code_flow(flow, callback)

    assert "error" not in result, result
    assert result["id_token_claims"]["preferred_username"] == "bob@example.com"
    assert app.get_accounts()[0]["username"] == "bob@example.com"
    graph = requests.get(
        emulator.url("microsoft", "/graph/v1.0/me/calendars"),
        timeout=10,
        headers={"Authorization": f"Bearer {result['access_token']}"},
    )
    assert graph.status_code == 200
    assert graph.json()["value"][0]["owner"]["address"] == "bob@example.com"


def test_consent_page_prefills_the_demo_user_and_cancel_denies(emulator):
    query = {
        "client_id": DEMO_CLIENT_ID,
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "scope": SCOPES,
        "state": "xyz",
    }
    url = _login(emulator, "/oauth2/v2.0/authorize")
    page = requests.get(url, params=query, timeout=10)
    assert 'value="demo.user@example.com"' in page.text

    cancel = requests.post(
        url, data=dict(query, decision="cancel"), allow_redirects=False, timeout=10
    )

    answer = _query(cancel.headers["Location"])
    assert answer["error"] == "access_denied"
    assert answer["state"] == "xyz"
    assert "AADSTS65004" in answer["error_description"]


def test_form_post_response_mode_posts_the_code_back(emulator):
    emulator.providers["microsoft"].auto_approve = True
    query = {
        "client_id": DEMO_CLIENT_ID,
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "scope": SCOPES,
        "state": "fp",
        "response_mode": "form_post",
    }
    page = requests.get(_login(emulator, "/oauth2/v2.0/authorize"), params=query, timeout=10)
    assert f'action="{REDIRECT}"' in page.text
    assert 'name="code"' in page.text and 'value="fp"' in page.text


def test_redirect_uri_must_be_registered(emulator):
    emulator.providers["microsoft"].register_client(
        "contoso", "app-1", "s3cret", redirect_uris=[REDIRECT]
    )
    query = {
        "client_id": "app-1",
        "response_type": "code",
        "scope": SCOPES,
        "redirect_uri": "https://evil.example.com/cb",
    }
    page = requests.get(
        f"{emulator.base_url}/microsoft/login/contoso/oauth2/v2.0/authorize",
        params=query,
        timeout=10,
    )
    assert page.status_code == 400
    assert "AADSTS50011" in page.text


def test_code_redeems_once_with_its_pkce_verifier(emulator):
    code = _code(emulator)
    wrong = _redeem(emulator, code, verifier="w" * 50)
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"
    assert wrong.json()["error_codes"] == [501481]

    first = _redeem(emulator, code)
    second = _redeem(emulator, code)

    assert first.status_code == 200
    tokens = first.json()
    assert {"access_token", "refresh_token", "id_token", "client_info"} <= set(tokens)
    assert tokens["expires_in"] > 3000
    assert _claims(tokens["id_token"])["nonce"] == "n0nce"
    assert _claims(tokens["id_token"])["aud"] == DEMO_CLIENT_ID
    assert second.status_code == 400
    assert second.json()["error_codes"] == [54005]
    assert {"timestamp", "trace_id", "correlation_id"} <= set(second.json())


def test_every_refresh_returns_a_new_refresh_token(emulator):
    first = _redeem(emulator, _code(emulator)).json()
    second = _token(
        emulator, grant_type="refresh_token", refresh_token=first["refresh_token"], scope=SCOPES
    ).json()
    third = _token(
        emulator, grant_type="refresh_token", refresh_token=second["refresh_token"], scope=SCOPES
    ).json()
    assert len({first["refresh_token"], second["refresh_token"], third["refresh_token"]}) == 3
    assert third["access_token"] != second["access_token"]


@pytest.mark.parametrize(
    ("hook", "code"),
    [
        ("revoke_refresh_tokens", 50173),
        ("expire_refresh_tokens", 700082),
        ("revoke_consent", 65001),
    ],
)
def test_refresh_fails_with_invalid_grant_after_revocation(emulator, hook, code):
    tokens = _redeem(emulator, _code(emulator)).json()
    getattr(emulator.providers["microsoft"], hook)("alice@example.com")

    resp = _token(
        emulator, grant_type="refresh_token", refresh_token=tokens["refresh_token"], scope=SCOPES
    )

    assert resp.status_code == 400
    assert resp.json()["error"] == "invalid_grant"
    assert resp.json()["error_codes"] == [code]
    assert resp.json()["error_description"].startswith(f"AADSTS{code}:")


def test_client_and_tenant_errors_have_the_aad_shape(emulator):
    bad_secret = _token(
        emulator, grant_type="refresh_token", refresh_token="x", client_secret="nope"
    )
    assert bad_secret.status_code == 401
    assert bad_secret.json()["error"] == "invalid_client"
    assert bad_secret.json()["error_codes"] == [7000215]

    unknown_client = _token(
        emulator,
        grant_type="refresh_token",
        refresh_token="x",
        client_id="11111111-2222-3333-4444-555555555555",
    )
    assert unknown_client.json()["error"] == "unauthorized_client"
    assert unknown_client.json()["error_codes"] == [700016]

    discovery = requests.get(
        f"{emulator.base_url}/microsoft/login/nowhere/v2.0/.well-known/openid-configuration",
        timeout=10,
    )
    assert discovery.status_code == 400
    assert discovery.json()["error_codes"] == [90002]
    with pytest.raises(ValueError, match="nowhere"):
        _msal_app(emulator, tenant="nowhere")


def test_msal_reports_a_wrong_secret_at_redemption(emulator):
    app = _msal_app(emulator, secret="wrong")
    flow = app.initiate_auth_code_flow(["Calendars.ReadWrite"], redirect_uri=REDIRECT)
    emulator.providers["microsoft"].auto_approve = True
    redirect = requests.get(
        flow["auth_uri"], allow_redirects=False, verify=emulator.ca_file, timeout=10
    )
    result = app.acquire_token_by_auth_code_flow(flow, _query(redirect.headers["Location"]))
    assert result["error"] == "invalid_client"


def test_tls_listener_needs_the_emulator_ca(emulator):
    ok = requests.get(
        f"{emulator.tls_base_url}/_emulator/stats", verify=emulator.ca_file, timeout=10
    )
    assert ok.status_code == 200
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(f"{emulator.tls_base_url}/_emulator/stats", verify=True, timeout=10)


def test_discovery_points_msal_at_the_tenant_endpoints(emulator):
    config = requests.get(
        f"{emulator.tls_base_url}/microsoft/login/{DEMO_TENANT}/v2.0/"
        ".well-known/openid-configuration",
        verify=emulator.ca_file,
        timeout=10,
    ).json()
    assert config["token_endpoint"].startswith(f"{emulator.tls_base_url}/microsoft/login/")
    assert config["token_endpoint"].endswith("/oauth2/v2.0/token")
    assert config["issuer"].endswith("/v2.0")
