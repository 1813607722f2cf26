"""PKCE pairs and the signed OAuth state that binds a callback to its user."""

import base64
import hashlib
import hmac
import json
import re

import pytest

from services import oauth_state
from services.oauth_state import InvalidState, pkce_pair, sign_state, verify_state

SECRET = "database-secret-123"
NOW = 1_700_000_000.0


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url_encode(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_pkce_pair_is_s256():
    verifier, challenge = pkce_pair()
    assert len(verifier) == 64
    assert re.fullmatch(r"[A-Za-z0-9_~.-]{64}", verifier), "RFC 7636 unreserved characters"
    assert challenge == b64url_encode(hashlib.sha256(verifier.encode()).digest())
    assert "=" not in challenge and len(challenge) == 43


def test_pkce_pairs_are_unique():
    assert len({pkce_pair()[0] for _ in range(50)}) == 50


def test_round_trip_adds_expiry_and_nonce():
    state = sign_state(SECRET, {"uid": 7, "provider": "google"}, ttl=600, now=NOW)
    payload = verify_state(SECRET, state, now=NOW + 1, expected={"uid": 7, "provider": "google"})
    assert payload["uid"] == 7 and payload["provider"] == "google"
    assert payload["exp"] == int(NOW) + 600
    assert len(payload["nonce"]) >= 16


def test_state_is_url_safe_and_compact():
    state = sign_state(SECRET, {"uid": 7, "redirect": "/odoo/preferences?x=1&y=é"}, now=NOW)
    assert re.fullmatch(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+", state)
    body = json.loads(b64url_decode(state.split(".")[0]))
    assert body["redirect"] == "/odoo/preferences?x=1&y=é"


def test_two_states_for_the_same_payload_differ():
    payload = {"uid": 7}
    assert sign_state(SECRET, payload, now=NOW) != sign_state(SECRET, payload, now=NOW)
    assert payload == {"uid": 7}, "the caller's dict is not modified"


def test_bytes_and_str_secrets_agree():
    state = sign_state(SECRET.encode(), {"uid": 1}, now=NOW)
    assert verify_state(SECRET, state, now=NOW)["uid"] == 1


def test_expired_state_is_refused():
    state = sign_state(SECRET, {"uid": 7}, ttl=600, now=NOW)
    verify_state(SECRET, state, now=NOW + 599)
    with pytest.raises(InvalidState, match="expired") as info:
        verify_state(SECRET, state, now=NOW + 600)
    assert info.value.reason == "expired"


def test_state_from_another_user_or_provider_is_refused():
    state = sign_state(SECRET, {"uid": 7, "provider": "google"}, now=NOW)
    for expected in ({"uid": 8}, {"provider": "microsoft"}, {"company_id": 1}):
        with pytest.raises(InvalidState, match="another") as info:
            verify_state(SECRET, state, now=NOW, expected=expected)
        assert info.value.reason == "mismatch"


def test_state_signed_with_another_secret_is_refused():
    state = sign_state("other-database", {"uid": 7}, now=NOW)
    with pytest.raises(InvalidState, match="signature") as info:
        verify_state(SECRET, state, now=NOW)
    assert info.value.reason == "signature"


def test_tampered_payload_is_refused():
    state = sign_state(SECRET, {"uid": 7}, now=NOW)
    body, signature = state.split(".")
    payload = json.loads(b64url_decode(body))
    for forged in ({**payload, "uid": 1}, {**payload, "exp": payload["exp"] + 10_000}):
        forged_body = b64url_encode(json.dumps(forged, separators=(",", ":")).encode())
        with pytest.raises(InvalidState) as info:
            verify_state(SECRET, f"{forged_body}.{signature}", now=NOW, expected={"uid": 1})
        assert info.value.reason == "signature"


def test_every_flipped_character_is_detected():
    state = sign_state(SECRET, {"uid": 7}, now=NOW)
    for index, char in enumerate(state):
        if char == ".":
            continue
        flipped = state[:index] + ("A" if char != "A" else "B") + state[index + 1 :]
        with pytest.raises(InvalidState):
            verify_state(SECRET, flipped, now=NOW)


@pytest.mark.parametrize(
    "state",
    ["", "abc", "a.b.c", ".", "abc.", ".abc", "a b.c", "é.x", "x" * 5000 + ".y", None, 42],
)
def test_malformed_states_are_refused(state):
    with pytest.raises(InvalidState) as info:
        verify_state(SECRET, state, now=NOW)
    assert info.value.reason in ("format", "signature")


def test_signed_payload_without_expiry_is_refused():
    # A body that is validly signed but lacks exp cannot come from sign_state; refuse it anyway.
    body = b64url_encode(b'{"uid":7}')
    key = hmac.new(SECRET.encode(), oauth_state._SCOPE, hashlib.sha256).digest()
    signature = b64url_encode(hmac.new(key, body.encode(), hashlib.sha256).digest())
    with pytest.raises(InvalidState, match="expiry"):
        verify_state(SECRET, f"{body}.{signature}", now=NOW)


def test_reserved_keys_and_bad_arguments():
    with pytest.raises(ValueError, match="exp"):
        sign_state(SECRET, {"exp": 1})
    with pytest.raises(ValueError, match="nonce"):
        sign_state(SECRET, {"nonce": "x"})
    with pytest.raises(ValueError, match="ttl"):
        sign_state(SECRET, {}, ttl=0)
    with pytest.raises(ValueError, match="secret"):
        sign_state("", {})


def test_defaults_to_the_clock():
    payload = verify_state(SECRET, sign_state(SECRET, {"uid": 3}))
    assert payload["uid"] == 3
