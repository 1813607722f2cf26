"""PKCE and the signed, expiring, user-bound OAuth ``state`` (DESIGN.md rule 9)."""

import base64
import binascii
import hashlib
import hmac
import json
import re
import secrets
import time

# Keeps these signatures apart from any other HMAC made with the same database secret.
_SCOPE = b"calendar_cloud_sync.oauth_state.v1"
_RESERVED = ("exp", "nonce")
_MAX_STATE_LENGTH = 4096
_B64URL = re.compile(r"^[A-Za-z0-9_-]+$")


class InvalidState(ValueError):
    """The OAuth state is malformed, forged, expired or meant for someone else.

    ``reason`` is one of ``format``, ``signature``, ``expired``, ``mismatch``.
    """

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.reason = reason


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, code_challenge) for PKCE with the S256 method (RFC 7636)."""
    verifier = secrets.token_urlsafe(48)
    challenge = _b64encode(hashlib.sha256(verifier.encode("ascii")).digest())
    return verifier, challenge


def _key(secret: str | bytes) -> bytes:
    if isinstance(secret, str):
        secret = secret.encode("utf-8")
    if not secret:
        raise ValueError("an OAuth state secret is required")
    return hmac.new(secret, _SCOPE, hashlib.sha256).digest()


def _signature(secret: str | bytes, body: str) -> bytes:
    return hmac.new(_key(secret), body.encode("ascii"), hashlib.sha256).digest()


def sign_state(secret: str | bytes, payload: dict, ttl: int = 600, now: float | None = None) -> str:
    """``base64url(JSON).base64url(HMAC-SHA256)``; the payload gains ``exp`` and ``nonce``."""
    clash = [key for key in _RESERVED if key in payload]
    if clash:
        raise ValueError(f"OAuth state payload may not set {', '.join(clash)}: sign_state adds it")
    if ttl <= 0:
        raise ValueError("OAuth state ttl must be positive")
    issued = time.time() if now is None else now
    data = {**payload, "exp": int(issued + ttl), "nonce": secrets.token_urlsafe(16)}
    body = _b64encode(json.dumps(data, sort_keys=True, separators=(",", ":")).encode("utf-8"))
    return f"{body}.{_b64encode(_signature(secret, body))}"


def verify_state(
    secret: str | bytes, state: str, *, now: float | None = None, expected: dict | None = None
) -> dict:
    """The payload of a state made by ``sign_state``, or ``InvalidState``.

    Every key of ``expected`` (e.g. the current ``uid`` and ``provider``) must match.
    """
    if not isinstance(state, str) or len(state) > _MAX_STATE_LENGTH or state.count(".") != 1:
        raise InvalidState("OAuth state is malformed", "format")
    body, signature = state.split(".")
    if not _B64URL.match(body) or not _B64URL.match(signature):
        raise InvalidState("OAuth state is malformed", "format")
    # Compare the encoded forms so that only the one canonical spelling verifies.
    expected_signature = _b64encode(_signature(secret, body)).encode("ascii")
    if not hmac.compare_digest(signature.encode("ascii"), expected_signature):
        raise InvalidState("OAuth state signature is invalid", "signature")
    try:
        payload = json.loads(_b64decode(body).decode("utf-8"))
    except (binascii.Error, ValueError):
        raise InvalidState("OAuth state is malformed", "format") from None
    exp = payload.get("exp") if isinstance(payload, dict) else None
    if not isinstance(exp, int | float) or isinstance(exp, bool):
        raise InvalidState("OAuth state has no expiry", "format")
    if (time.time() if now is None else now) >= exp:
        raise InvalidState("OAuth state has expired, start the connection again", "expired")
    for key, value in (expected or {}).items():
        if key not in payload or payload[key] != value:
            raise InvalidState(f"OAuth state was issued for another {key}", "mismatch")
    return payload
