"""HTTP plumbing shared by the Microsoft clients: a pooled session with a CA bundle and a
timeout on every call, and the translation of Graph error answers to domain exceptions."""

import requests

from ..exceptions import (
    AlreadyExists,
    AuthRevoked,
    BadRequest,
    Forbidden,
    NotFoundError,
    PreconditionFailed,
    RateLimited,
    SyncError,
    SyncTokenExpired,
    TransientError,
)
from ..retry import parse_retry_after

DEFAULT_TIMEOUT = 30


class PinnedSession(requests.Session):
    """A pooled session whose ``verify`` and timeout apply to every request.

    requests lets ``REQUESTS_CA_BUNDLE`` override ``Session.verify``; passing ``verify`` per
    call keeps the configured CA bundle (the emulator's CA in tests) in force. msal calls
    ``get``/``post`` on it without a timeout, so the default one is added here too.
    """

    def __init__(self, verify=True, timeout=DEFAULT_TIMEOUT, pool_size=10):
        super().__init__()
        self.verify = verify
        self.default_timeout = timeout
        adapter = requests.adapters.HTTPAdapter(pool_connections=pool_size, pool_maxsize=pool_size)
        self.mount("https://", adapter)
        self.mount("http://", adapter)

    def request(self, method, url, **kwargs):
        kwargs.setdefault("timeout", self.default_timeout)
        kwargs.setdefault("verify", self.verify)
        return super().request(method, url, **kwargs)


def graph_error_details(status, body, headers):
    """(code, message, retry_after) from a Graph error answer (body already parsed or None)."""
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        code, message = error.get("code"), error.get("message") or ""
    else:
        code, message = None, str(error or "")
    return code, message, parse_retry_after((headers or {}).get("Retry-After"))


def graph_exception(status, body, headers):
    """The domain exception for a Graph error status (401 is decided by the caller)."""
    code, message, retry_after = graph_error_details(status, body, headers)
    text = f"Graph {status} {code or ''}: {message}".strip()
    if status == 429:
        return RateLimited(text, status, code, retry_after=retry_after)
    if status >= 500 or status == 408:
        return TransientError(text, status, code, retry_after=retry_after)
    table = {
        400: BadRequest,
        401: AuthRevoked,
        403: Forbidden,
        404: NotFoundError,
        409: AlreadyExists,
        410: SyncTokenExpired,
        412: PreconditionFailed,
    }
    return table.get(status, BadRequest if 400 <= status < 500 else SyncError)(text, status, code)


def transport_exception(exc):
    """Timeouts and connection failures are worth retrying later."""
    return TransientError(f"Microsoft endpoint unreachable: {type(exc).__name__}")
