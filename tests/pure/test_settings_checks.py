"""Checking an OAuth client id and secret at the provider's token endpoint, before any user
connects: the endpoint is asked to refresh a token that does not exist, which it refuses with
invalid_grant for a client it knows and invalid_client for one it does not."""

import pytest

from emulator.google import DEMO_CLIENT_ID as GOOGLE_ID
from emulator.google import DEMO_CLIENT_SECRET as GOOGLE_SECRET
from emulator.microsoft import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT
from services.exceptions import TransientError
from services.google.oauth import check_client
from services.microsoft.identity import MicrosoftIdentity
from services.webhook_address import webhook_problem


def token_uri(emulator):
    return f"{emulator.base_url}/google/token"


def test_google_accepts_its_client(emulator):
    assert check_client(token_uri(emulator), GOOGLE_ID, GOOGLE_SECRET, timeout=10) is True
    assert emulator.count("google", "oauth.token") == 1


@pytest.mark.parametrize("client_id, secret", [(GOOGLE_ID, "wrong"), ("unknown", GOOGLE_SECRET)])
def test_google_refuses_a_wrong_client(emulator, client_id, secret):
    assert check_client(token_uri(emulator), client_id, secret, timeout=10) is False


def test_google_unreachable_is_transient():
    with pytest.raises(TransientError):
        check_client("http://127.0.0.1:9/token", GOOGLE_ID, GOOGLE_SECRET, timeout=5)


def identity(emulator, secret=DEMO_CLIENT_SECRET, tenant=DEMO_TENANT):
    return MicrosoftIdentity(
        f"{emulator.tls_base_url}/microsoft/login",
        tenant,
        DEMO_CLIENT_ID,
        secret,
        verify=emulator.ca_file,
        timeout=10,
    )


def test_microsoft_accepts_its_client(emulator):
    assert identity(emulator).check_client() is True


def test_microsoft_refuses_a_wrong_secret(emulator):
    assert identity(emulator, secret="wrong").check_client() is False


def test_google_check_honours_the_timeout(emulator):
    emulator.add_fault("google", "oauth.token", status=0, delay=3)
    with pytest.raises(TransientError):
        check_client(token_uri(emulator), GOOGLE_ID, GOOGLE_SECRET, timeout=1)


@pytest.mark.parametrize(
    "url, problem",
    [
        ("https://odoo.example.com", None),
        ("https://203.0.113.7", "not_public"),  # documentation range: not global
        ("https://8.8.8.8:8443", None),
        ("http://odoo.example.com", "not_https"),
        ("", "not_https"),
        ("https://127.0.0.1:8069", "not_public"),
        ("https://10.1.2.3", "not_public"),
        ("https://localhost", "not_public"),
        ("https://odoo.local", "not_public"),
        ("https://intranet", "not_public"),
    ],
)
def test_webhook_address_problems(url, problem):
    assert webhook_problem(url) == problem
