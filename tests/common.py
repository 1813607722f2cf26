"""Shared set-up of the Odoo tests: one emulator per test process, and the addon pointed at it
through its system parameters and settings, exactly as an admin would configure it."""

import base64
import contextlib
import os
import re
from datetime import timedelta
from pathlib import Path
from unittest.mock import patch
from urllib.parse import parse_qs, urlparse

import requests

from odoo import fields, http
from odoo.tests import HttpCase
from odoo.tests.common import ChromeBrowser
from odoo.tools import config

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import Job

from ..controllers.webhooks import MICROSOFT_LIFECYCLE, MICROSOFT_NOTIFY, handshake_response
from ..emulator import Emulator
from ..tools import emulator_settings

_EMULATOR = None
# Odoo's own, before any test patches it
ODOO_SERVE_DB = http.Request._serve_db
# nothing listens on the discard port of loopback: a connection there is refused at once
CLOSED_URL = "http://127.0.0.1:9"


def get_emulator():
    """The process-wide emulator (started once; tests reset it)."""
    global _EMULATOR
    if _EMULATOR is None:
        _EMULATOR = Emulator()
        _EMULATOR.start()
    return _EMULATOR


def odoo_base_url():
    return f"http://127.0.0.1:{config['http_port']}"


def graph_handshake_before_the_test_cursor():
    """A patcher for HttpCase classes, not for production: Graph's validation handshake is
    answered before Odoo opens the request's cursor.

    In production ``Request._serve_db`` opens a cursor of its own and the route answers the
    handshake first thing. In a test every request's cursor is the test transaction's, behind
    the registry's test lock, which the test holds while a job creates a subscription and
    waits for this very answer: the request would wait for the lock until Graph gives up."""
    serve_db = http.Request._serve_db

    def _serve_db(request):
        if request.httprequest.path in (MICROSOFT_NOTIFY, MICROSOFT_LIFECYCLE):
            response = handshake_response(request.httprequest)
            if response is not None:
                return response
        return serve_db(request)

    return patch.object(http.Request, "_serve_db", _serve_db)


class EmulatorMixin:
    """For TransactionCase / HttpCase classes: ``cls.emulator`` is clean for each test."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.emulator = get_emulator()
        cls.emulator.reset()
        cls.env["ir.config_parameter"].sudo().set_param("web.base.url", odoo_base_url())
        emulator_settings.configure(
            cls.env,
            cls.emulator.base_url,
            cls.emulator.tls_base_url,
            cls.emulator.ca_file,
            odoo_base_url(),
        )
        if issubclass(cls, HttpCase):
            cls.startClassPatcher(graph_handshake_before_the_test_cursor())
        else:
            # nothing serves a TransactionCase's uncommitted data over HTTP: let providers'
            # notifications be refused at once instead of hanging the emulator's notifier
            cls.env["ir.config_parameter"].sudo().set_param(
                "calendar_cloud_sync.webhook_base_url", CLOSED_URL
            )

    def setUp(self):
        super().setUp()
        self.emulator.reset()
        self.addCleanup(self.emulator.notifier.flush)


class JobRunnerMixin:
    """Run the stored queue.job rows like queue_job's runner does (start, perform, done, or
    postpone on RetryableJobError), without its commits: a test transaction cannot commit.
    Jobs are real rows, so identity keys de-duplicate in the database as in production."""

    def _perform_job(self, row, fail_unexpected=False):
        """One stored job, as queue_job's runner runs it: started, performed in a savepoint,
        then done, or postponed on RetryableJobError; with ``fail_unexpected``, any other error
        fails the job (the runner's behaviour) instead of failing the test."""
        job = Job.load(self.env, row.uuid)
        job.set_started()
        job.store()
        hooks = self.env.cr.postrollback
        hooks_before = list(hooks._funcs)
        try:
            try:
                with self.env.cr.savepoint():
                    job.perform()
            except Exception:
                # the runner rolls the job's transaction back, which runs its rollback hooks
                for hook in [f for f in hooks._funcs if f not in hooks_before]:
                    hooks._funcs.remove(hook)
                    hook()
                raise
        except RetryableJobError as err:
            job.postpone(result=str(err), seconds=err.seconds)
            job.set_pending(reset_retry=False)
        except Exception as exc:
            if not fail_unexpected:
                raise
            exc_name = f"{type(exc).__module__}.{type(exc).__name__}"
            job.set_failed(exc_name=exc_name, exc_message=str(exc), exc_info=repr(exc))
        else:
            job.set_done()
        job.store()

    def run_jobs(self, max_rounds=20, include_future=True):
        """Perform pending jobs until none is left; returns how many ran."""
        ran = 0
        for _round in range(max_rounds):
            domain = [("state", "in", ("pending", "enqueued"))]
            if not include_future:
                domain += ["|", ("eta", "=", False), ("eta", "<=", fields.Datetime.now())]
            rows = self.env["queue.job"].search(domain, order="date_created, id")
            if not rows:
                return ran
            with self._webhooks_held():
                for row in rows:
                    self._perform_job(row)
                    ran += 1
                # what the webhooks' requests read must be in the database before they run
                self.env.flush_all()
            self._deliver_webhooks()
        raise AssertionError(f"jobs still pending after {max_rounds} rounds")

    def _webhooks_held(self):
        """In an HttpCase, requests share this transaction and its cursor: the emulator's
        webhooks wait for the test lock while jobs run instead of interleaving with them.
        (A job waiting on a synchronous callback into Odoo would block here until timeout.)"""
        registry = self.env.registry
        if registry.test_cr is None:
            return contextlib.nullcontext()
        return registry.test_lock

    def _deliver_webhooks(self):
        """In an HttpCase, let the webhooks the jobs caused in (they may enqueue jobs)."""
        emulator = getattr(self, "emulator", None)
        if emulator is not None and self.env.registry.test_cr is not None:
            emulator.notifier.flush()
            self.env.invalidate_all()


CONNECT_REDIRECT = "http://127.0.0.1:1/calendar_cloud_sync/microsoft/callback"


class SyncCaseMixin:
    """Accounts and events for sync tests, for either provider (with EmulatorMixin)."""

    def connect(self, user, email, provider="google"):
        """An account as the connect flow leaves it (the flow has its own tests): tokens from
        the emulator's consent, the default calendar read over HTTP like the callback does."""
        account = self.env["calendar.sync.account"].create(
            {"user_id": user.id, "provider": provider}
        )
        connector = account._connector(provider)
        if provider == "google":
            grant = self.emulator.providers["google"].grant(email)
            token_data = {"refresh_token": grant["refresh_token"]}
        else:
            self.emulator.providers["microsoft"].auto_approve = True
            url, flow = connector.begin(CONNECT_REDIRECT, "state", login_hint=email)
            redirect = requests.get(url, allow_redirects=False, timeout=10)
            location = redirect.headers["Location"]
            query = {k: v[0] for k, v in parse_qs(urlparse(location).query).items()}
            token_data = connector.finish(flow, query).token_data
        calendars, token_data = connector.calendars(token_data)
        [default] = [c for c in calendars if c.is_default]
        account._set_secret("token_data", token_data)
        account.sudo().write(
            {
                "state": "connected",
                "remote_email": email,
                "remote_calendar_id": default.id,
                "remote_calendar_name": default.name,
                "remote_calendar_tz": default.timezone,
            }
        )
        account._store_calendars(calendars)
        self.emulator.stats.clear()
        return account

    def new_event(self, user, start, **values):
        return (
            self.env["calendar.event"]
            .with_user(user)
            .create(
                {
                    "name": "Planning",
                    "start": start,
                    "stop": start + timedelta(hours=1),
                    "user_id": user.id,
                    "partner_ids": [(6, 0, user.partner_id.ids)],
                    **values,
                }
            )
        )

    def binding(self, event, account=None):
        return self.env["calendar.sync.binding"].search(
            [("event_id", "=", event.id), ("account_id", "=", (account or self.account).id)]
        )

    def pull(self, account=None):
        (account or self.account)._enqueue_pull()
        self.run_jobs()

    def skip_cursor_past_provider_changes(self):
        """The cursor moves on without the changes being applied, as when notifications and
        an incremental page were lost: only a listing of the range can find them now."""
        adapter = self.account._adapter()
        changes = adapter.list_changes(self.account.sync_cursor, *self.account._window())
        self.account.sync_cursor = changes.cursor

    def reconcile(self, date_from, date_to):
        """The reconciliation report of ``self.account`` over the range, compared."""
        wizard = self.env["calendar.sync.reconcile.wizard"].create(
            {"account_id": self.account.id, "date_from": date_from, "date_to": date_to}
        )
        wizard.action_compare()
        return wizard


SCREENSHOT_SIGNAL = "ccs-screenshot:"


class ScreenshotMixin:
    """For HttpCase classes whose tours hold screenshot steps (static/tests/tours/screenshot.js).
    With ``CCS_SCREENSHOTS=<folder>`` in the environment (``make screenshots``), each such step
    saves the browser's page as ``<folder>/<name>.png``; without it the tours run as always.
    The picture is asked of Odoo's own test browser when the tour logs the step's signal."""

    def start_tour(self, url_path, tour_name, **kwargs):
        folder = os.environ.get("CCS_SCREENSHOTS")
        if not folder:
            return super().start_tour(url_path, tour_name, **kwargs)
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        handle_console = ChromeBrowser._handle_console

        def save(name, future):
            data = future.result(timeout=0)["data"]
            (folder / f"{name}.png").write_bytes(base64.b64decode(data))

        def handle_and_capture(browser, type, args=None, **kw):  # CDP names the argument type
            handle_console(browser, type, args=args, **kw)
            text = str(browser._from_remoteobject(args[0])) if type == "log" and args else ""
            if text.startswith(SCREENSHOT_SIGNAL):
                name = text[len(SCREENSHOT_SIGNAL) :]
                if not re.fullmatch(r"[a-z0-9_]+", name):
                    raise ValueError(f"bad screenshot name {name!r}")
                future = browser._websocket_send("Page.captureScreenshot", with_future=True)
                future.add_done_callback(lambda f: save(name, f))

        cookies = {**kwargs.pop("cookies", {}), "ccs_screenshots": "1"}
        with patch.object(ChromeBrowser, "_handle_console", handle_and_capture):
            return super().start_tour(url_path, tour_name, cookies=cookies, **kwargs)
