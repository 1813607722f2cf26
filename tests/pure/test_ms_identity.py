"""services.microsoft.identity against the emulated identity platform (HTTPS, msal)."""

import json
import uuid
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from emulator.microsoft import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT
from services.exceptions import AuthRevoked, BadRequest, TransientError
from services.microsoft.identity import MicrosoftIdentity

REDIRECT = "http://localhost:8069/calendar_cloud_sync/microsoft/callback"


def _query(url):
    return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}


def identity_for(emulator, tenant=DEMO_TENANT, secret=DEMO_CLIENT_SECRET):
    return MicrosoftIdentity(
        f"{emulator.tls_base_url}/microsoft/login",
        tenant,
        DEMO_CLIENT_ID,
        secret,
        verify=emulator.ca_file,
        timeout=10,
    )


def consent(emulator, url):
    """The user approves in the browser; returns the callback's query parameters."""
    emulator.providers["microsoft"].auto_approve = True
    redirect = requests.get(url, allow_redirects=False, verify=emulator.ca_file, timeout=10)
    return _query(redirect.headers["Location"])


def sign_in(emulator, email="alice@example.com"):
    identity = identity_for(emulator)
    flow, url = identity.start_auth(REDIRECT, login_hint=email, state="signed-state")
    return identity, identity.finish_auth(flow, consent(emulator, url))


def refresh_tokens(cache_text):
    return sorted(rt["secret"] for rt in json.loads(cache_text)["RefreshToken"].values())


def test_start_auth_gives_a_pkce_flow_and_the_consent_url(emulator):
    flow, url = identity_for(emulator).start_auth(
        REDIRECT, login_hint="alice@example.com", state="signed-state"
    )
    query = _query(url)
    # the consent page is served by the plain listener (a browser page), msal uses https
    assert url.startswith(f"{emulator.base_url}/microsoft/login/")
    assert flow["state"] == query["state"] == "signed-state"
    assert flow["code_verifier"] and flow["code_verifier"] not in url
    assert flow["nonce"]
    assert query["code_challenge_method"] == "S256"
    assert query["login_hint"] == "alice@example.com"
    assert {"Calendars.ReadWrite", "OnlineMeetings.ReadWrite", "offline_access"} <= set(
        query["scope"].split()
    )


def test_finish_auth_returns_tokens_cache_and_email(emulator):
    _identity, grant = sign_in(emulator)
    assert grant.email == "alice@example.com"
    assert grant.expires_in > 3000
    assert len(refresh_tokens(grant.cache_text)) == 1
    calendars = requests.get(
        emulator.url("microsoft", "/graph/v1.0/me/calendars"),
        timeout=10,
        headers={"Authorization": f"Bearer {grant.access_token}"},
    )
    assert calendars.status_code == 200


def test_access_token_comes_from_the_cache_until_a_refresh_is_forced(emulator):
    identity, grant = sign_in(emulator)
    before = emulator.count("microsoft", "login.token")

    cached = identity.access_token(grant.cache_text)
    assert cached.access_token == grant.access_token
    assert cached.cache_changed is False
    assert cached.cache_text == grant.cache_text
    assert emulator.count("microsoft", "login.token") == before

    refreshed = identity.access_token(grant.cache_text, force_refresh=True)
    assert emulator.count("microsoft", "login.token") == before + 1
    assert refreshed.access_token != grant.access_token
    assert refreshed.cache_changed is True
    assert refreshed.email == "alice@example.com"
    assert refresh_tokens(refreshed.cache_text) != refresh_tokens(grant.cache_text)


@pytest.mark.parametrize(
    ("hook", "code"),
    [
        ("revoke_refresh_tokens", "AADSTS50173"),
        ("expire_refresh_tokens", "AADSTS700082"),
        ("revoke_consent", "AADSTS65001"),
    ],
)
def test_revocation_is_auth_revoked(emulator, hook, code):
    identity, grant = sign_in(emulator)
    getattr(emulator.providers["microsoft"], hook)("alice@example.com")
    with pytest.raises(AuthRevoked, match=code) as caught:
        identity.access_token(grant.cache_text, force_refresh=True)
    assert caught.value.reason == "invalid_grant"


def test_empty_cache_is_auth_revoked(emulator):
    with pytest.raises(AuthRevoked):
        identity_for(emulator).access_token("")


def test_callback_with_another_state_is_refused(emulator):
    identity = identity_for(emulator)
    flow, url = identity.start_auth(REDIRECT, state="mine")
    answer = dict(consent(emulator, url), state="forged")
    with pytest.raises(BadRequest, match="state"):
        identity.finish_auth(flow, answer)


def test_declined_consent_is_auth_revoked(emulator):
    identity = identity_for(emulator)
    flow, _url = identity.start_auth(REDIRECT, state="s")
    with pytest.raises(AuthRevoked) as caught:
        identity.finish_auth(
            flow,
            {
                "state": "s",
                "error": "access_denied",
                "error_description": "AADSTS65004: User declined",
            },
        )
    assert caught.value.reason == "access_denied"


def test_wrong_secret_is_a_configuration_error(emulator):
    identity = identity_for(emulator, secret="not-the-secret")
    flow, url = identity.start_auth(REDIRECT)
    with pytest.raises(BadRequest) as caught:
        identity.finish_auth(flow, consent(emulator, url))
    assert caught.value.reason == "invalid_client"


def test_unknown_tenant_is_a_configuration_error(emulator):
    with pytest.raises(BadRequest, match="tenant"):
        identity_for(emulator, tenant="no-such-tenant").start_auth(REDIRECT)


@pytest.mark.parametrize(("status", "reason"), [(503, None), (429, "temporarily_unavailable")])
def test_token_endpoint_outage_is_transient(emulator, status, reason):
    identity, grant = sign_in(emulator)
    emulator.add_fault("microsoft", "login.token", status=status, retry_after=1, reason=reason)
    with pytest.raises(TransientError):
        identity.access_token(grant.cache_text, force_refresh=True)


def test_discovery_is_fetched_once_per_login_endpoint(emulator):
    tenant = f"contoso-{uuid.uuid4().hex[:8]}"
    emulator.providers["microsoft"].register_client(tenant, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)
    for _ in range(3):
        identity_for(emulator, tenant=tenant).start_auth(REDIRECT)
    assert emulator.count("microsoft", "login.openid") == 1
