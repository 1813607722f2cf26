"""What every provider's emulator shares: its base class, JSON answers, injected faults."""

import json
from dataclasses import dataclass

from werkzeug.wrappers import Response


def json_response(payload, status=200, headers=None):
    body = "" if payload is None else json.dumps(payload)
    return Response(body, status=status, headers=headers or {}, mimetype="application/json")


@dataclass
class Fault:
    """One injected failure: the next ``times`` matching calls get it instead of an answer."""

    provider: str
    endpoint: str = "*"
    status: int = 500
    retry_after: float | None = None
    delay: float = 0.0
    times: int = 1
    reason: str | None = None
    # a delay-only fault (status 0) slows the call down and then answers normally
    hits: int = 0

    def matches(self, provider, endpoint):
        return self.times > 0 and self.provider == provider and self.endpoint in ("*", endpoint)


class ProviderEmulator:
    """Base of one provider's emulator: state, routes under ``/<name>``, error shape."""

    name = None

    def __init__(self, emulator):
        self.emu = emulator
        self.reset()

    def reset(self):
        """Forget all state (users, tokens, calendars, subscriptions)."""

    def rules(self):
        """Werkzeug rules relative to the provider prefix; ``endpoint`` is the call's name."""
        return []

    def error(self, status, message, reason=None, headers=None):
        """An error response in the provider's documented shape."""
        return json_response({"error": {"code": status, "message": message}}, status, headers)

    def dispatch(self, endpoint, request, **values):
        handler = getattr(self, "on_" + endpoint.replace(".", "_").replace("$", ""))
        return handler(request, **values)
