"""Google's answers as the engine's exceptions: the one status-to-exception mapping of
Google Calendar (services/exceptions.py says what each means to the engine)."""

import json

from google.auth.exceptions import RefreshError
from googleapiclient.errors import BatchError, HttpError

from ..exceptions import (
    AlreadyExists,
    AuthRevoked,
    BadRequest,
    Forbidden,
    NotFoundError,
    PreconditionFailed,
    RateLimited,
    SyncTokenExpired,
    TransientError,
)
from .oauth import parse_retry_after

RATE_LIMIT_REASONS = {"rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded"}


def translate_http_error(exc, sync=False):
    """The domain exception for a googleapiclient HttpError (``sync``: a syncToken list)."""
    status = int(exc.resp.status)
    try:
        error = json.loads(exc.content or b"{}").get("error") or {}
    except (ValueError, AttributeError):
        error = {}
    if not isinstance(error, dict):
        error = {"message": str(error)}
    reason = ((error.get("errors") or [{}])[0] or {}).get("reason")
    message = f"Google Calendar {status} {reason or ''}: {error.get('message', '')}".strip()
    retry_after = parse_retry_after(exc.resp.get("retry-after"))
    if status == 401:
        return AuthRevoked(message, status, reason)
    if status == 410:
        return (SyncTokenExpired if sync else NotFoundError)(message, status, reason)
    if status == 412:
        return PreconditionFailed(message, status, reason)
    if status == 409:
        return AlreadyExists(message, status, reason)
    if status == 404:
        return NotFoundError(message, status, reason)
    if status == 429 or (status == 403 and reason in RATE_LIMIT_REASONS):
        return RateLimited(message, status, reason, retry_after)
    if status == 403:
        return Forbidden(message, status, reason)
    if status >= 500 or status == 408:
        return TransientError(message, status, reason, retry_after)
    return BadRequest(message, status, reason)


def translate_refresh_error(exc):
    """A failed token refresh: retryable -> TransientError, otherwise the grant is gone."""
    details = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], dict) else {}
    if getattr(exc, "retryable", False):
        return TransientError(f"Google token refresh failed: {exc.args[0]}")
    return AuthRevoked(f"Google token refresh failed: {exc.args[0]}", reason=details.get("error"))


def translate(exc, sync=False):
    """The domain exception for anything the Google client library raised."""
    if isinstance(exc, BatchError):
        return TransientError(f"Google batch answer unreadable: {exc}")
    if isinstance(exc, HttpError):
        return translate_http_error(exc, sync)
    if isinstance(exc, RefreshError):
        return translate_refresh_error(exc)
    return TransientError(f"Google Calendar unreachable: {type(exc).__name__}: {exc}")
