"""Domain exceptions raised by the provider clients.

The clients translate HTTP and OAuth failures into these; the ORM side decides what each
one means for an account or a binding (retry, full resync, conflict, needs_reauth).
"""


class SyncError(Exception):
    """Base of every provider failure. ``status`` is the HTTP status when there was one."""

    retryable = False

    def __init__(self, message="", status=None, reason=None):
        super().__init__(message)
        self.status = status
        self.reason = reason


class TransientError(SyncError):
    """5xx, timeouts, connection resets: try again later (``retry_after`` seconds if known)."""

    retryable = True

    def __init__(self, message="", status=None, reason=None, retry_after=None):
        super().__init__(message, status, reason)
        self.retry_after = retry_after


class RateLimited(TransientError):
    """429, or Google's 403 rateLimitExceeded / userRateLimitExceeded."""


class AuthRevoked(SyncError):
    """invalid_grant, revoked consent, deleted user: the account needs re-authorization."""


class SyncTokenExpired(SyncError):
    """410 on a syncToken / deltaLink: the cursor is gone, resync the whole window."""


class PreconditionFailed(SyncError):
    """412 on If-Match: the remote event changed since our etag/changeKey."""


class NotFoundError(SyncError):
    """404 / 410 on a single event: it is gone remotely."""


class AlreadyExists(SyncError):
    """409 on an insert with our own id: a previous try already created it."""


class BadRequest(SyncError):
    """400-class answer that retrying cannot fix (the payload is wrong)."""


class Forbidden(SyncError):
    """403 that is not rate limiting: the account may not do this (e.g. Teams not allowed)."""
