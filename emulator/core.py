"""The emulator's HTTP core: routing, request counting, fault injection, webhook delivery.

Provider emulators (google.py, microsoft.py) plug in as ``ProviderEmulator`` subclasses:
they contribute werkzeug rules under their own URL prefix (``/google``, ``/microsoft``)
and answer errors in their provider's shape. Everything runs on loopback, in a thread of
the caller's process (tests) or as a standalone server (``python -m emulator``).
"""

import logging
import threading
import time
from collections import Counter

from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule, Submount
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from .notifier import Notifier
from .provider import Fault, json_response

_logger = logging.getLogger(__name__)

MAX_BODY = 4 * 1024 * 1024


class Emulator:
    """The whole emulator: one WSGI app serving every registered provider.

    ``Emulator().start()`` serves it on a free loopback port in a thread and returns the
    base URL; ``stop()`` ends it. ``stats`` counts HTTP requests per ``provider:endpoint``
    (batch sub-requests are counted in ``operations`` only, so ``stats`` is what crossed
    the wire).
    """

    def __init__(self, host="127.0.0.1", port=0, providers=None, tls_port=0, cert_dir=None):
        self.host = host
        self.port = port
        # the same app is also served over HTTPS (msal accepts only https authorities)
        self.tls_port = tls_port
        self.cert_dir = cert_dir
        self.certificates = None
        self._tls_server = None
        self.lock = threading.RLock()
        self.stats = Counter()
        self.operations = Counter()
        # operations the provider carried out (answered 2xx/3xx), batch parts included
        self.succeeded = Counter()
        self.faults = []
        self.notifier = Notifier()
        self._server = None
        self._thread = None
        self.providers = {}
        for cls in providers or default_providers():
            self.providers[cls.name] = cls(self)
        rules = [
            Rule("/_emulator/stats", endpoint="_ctl.stats", methods=["GET"]),
            Rule("/_emulator/reset", endpoint="_ctl.reset", methods=["POST"]),
            Rule("/_emulator/faults", endpoint="_ctl.faults", methods=["POST"]),
            Rule("/_emulator/notifier", endpoint="_ctl.notifier", methods=["POST"]),
            Rule("/_emulator/nasty", endpoint="_ctl.nasty", methods=["POST"]),
        ]
        for name, provider in self.providers.items():
            prefixed = []
            for rule in provider.rules():
                rule.endpoint = f"{name}:{rule.endpoint}"
                prefixed.append(rule)
            rules.append(Submount(f"/{name}", prefixed))
        self.url_map = Map(rules, strict_slashes=False, merge_slashes=False)

    # -- lifecycle -------------------------------------------------------------------
    @property
    def base_url(self):
        return f"http://{self.host}:{self.port}"

    @property
    def tls_base_url(self):
        return f"https://{self.host}:{self.tls_port}"

    @property
    def ca_file(self):
        """PEM file of the CA that signed the HTTPS listener's certificate: trust it."""
        return self.certificates.ca_file if self.certificates else None

    def url(self, provider, path=""):
        return f"{self.base_url}/{provider}{path}"

    def start(self):
        self._server = make_server(
            self.host, self.port, self, threaded=True, request_handler=_QuietHandler
        )
        self.port = self._server.server_port
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="emulator-http", daemon=True
        )
        self._thread.start()
        self._start_tls()
        return self.base_url

    def _start_tls(self):
        from .tls import ensure_certificates

        self.certificates = ensure_certificates(self.cert_dir)
        self._tls_server = make_server(
            self.host,
            self.tls_port,
            self,
            threaded=True,
            request_handler=_QuietHandler,
            ssl_context=(self.certificates.cert_file, self.certificates.key_file),
        )
        self.tls_port = self._tls_server.server_port
        threading.Thread(
            target=self._tls_server.serve_forever, name="emulator-https", daemon=True
        ).start()

    def stop(self):
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._tls_server:
            self._tls_server.shutdown()
            self._tls_server.server_close()
            self._tls_server = None

    def reset(self):
        with self.lock:
            self.stats.clear()
            self.operations.clear()
            self.succeeded.clear()
            self.faults.clear()
            for provider in self.providers.values():
                provider.reset()
        self.notifier.reset()

    # -- test controls ---------------------------------------------------------------
    def add_fault(
        self, provider, endpoint="*", status=500, retry_after=None, delay=0.0, times=1, reason=None
    ):
        fault = Fault(provider, endpoint, status, retry_after, delay, times, reason)
        with self.lock:
            self.faults.append(fault)
        return fault

    def nasty(self, seed=0, **overrides):
        """Every unkind behaviour the providers document, at once (see ``emulator.nasty``)."""
        from .nasty import set_nasty

        return set_nasty(self, seed, **overrides)

    def count(self, provider=None, endpoint=None, operations=False, succeeded=False):
        """Requests (``stats``), or with ``operations`` every operation, batch parts included,
        or with ``succeeded`` only the operations the provider carried out."""
        counter = self.succeeded if succeeded else self.operations if operations else self.stats
        total = 0
        for key, value in counter.items():
            prov, _, name = key.partition(":")
            if provider and prov != provider:
                continue
            if endpoint and name != endpoint:
                continue
            total += value
        return total

    def _take_fault(self, provider, endpoint):
        with self.lock:
            for fault in self.faults:
                if fault.matches(provider, endpoint):
                    fault.times -= 1
                    fault.hits += 1
                    return fault
        return None

    # -- WSGI ------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        request = Request(environ)
        request.max_content_length = MAX_BODY
        response = self.handle(request, internal=False)
        return response(environ, start_response)

    def handle(self, request, internal):
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            endpoint, values = adapter.match()
        except NotFound:
            return json_response({"error": {"code": 404, "message": "Not Found"}}, 404)
        except HTTPException as exc:
            return json_response(
                {"error": {"code": exc.code, "message": exc.description}}, exc.code
            )
        if endpoint.startswith("_ctl."):
            return self._control(endpoint[5:], request)
        provider_name, _, name = endpoint.partition(":")
        provider = self.providers[provider_name]
        with self.lock:
            if not internal:
                self.stats[endpoint] += 1
            self.operations[endpoint] += 1
        fault = self._take_fault(provider_name, name)
        if fault:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.status:
                headers = {}
                if fault.retry_after is not None:
                    headers["Retry-After"] = str(int(fault.retry_after))
                return provider.error(fault.status, "Injected fault", fault.reason, headers)
        try:
            response = provider.dispatch(name, request, **values)
        except HTTPException as exc:
            return provider.error(exc.code, exc.description or exc.name)
        if response.status_code < 400 and not request.environ.get("emulator.replayed"):
            with self.lock:
                self.succeeded[endpoint] += 1
        return response

    def handle_internal(self, provider, method, path, headers=None, body=b""):
        """Run one sub-request of a batch through the same routing, faults and handlers."""
        builder = EnvironBuilder(
            path=f"/{provider}{path}",
            method=method,
            headers=headers or {},
            data=body,
            base_url=self.base_url,
        )
        request = Request(builder.get_environ())
        return self.handle(request, internal=True)

    def _control(self, action, request):
        if action == "stats":
            return json_response(
                {"requests": dict(self.stats), "operations": dict(self.operations)}
            )
        if action == "reset":
            self.reset()
            return json_response({"ok": True})
        if action == "faults":
            spec = request.get_json(force=True) or {}
            self.add_fault(**spec)
            return json_response({"ok": True})
        if action == "nasty":
            spec = request.get_json(force=True) or {}
            return json_response(self.nasty(**spec))
        if action == "notifier":
            spec = request.get_json(force=True) or {}
            with self.notifier._lock:
                for key in ("drop", "duplicate", "reorder"):
                    if key in spec:
                        setattr(self.notifier.mode, key, int(spec[key]))
            return json_response({"ok": True})
        return json_response({"error": "unknown control"}, 404)


class _QuietHandler(WSGIRequestHandler):
    def log(self, type, message, *args):
        _logger.debug("emulator %s: " + message, type, *args)


def default_providers():
    from .google import GoogleEmulator
    from .microsoft import MicrosoftEmulator

    return [GoogleEmulator, MicrosoftEmulator]
