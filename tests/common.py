"""Shared set-up of the Odoo tests: one emulator per test process, and the addon pointed at it
through its system parameters and settings, exactly as an admin would configure it."""

import contextlib

from odoo import fields
from odoo.tools import config

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import Job

from ..emulator import Emulator, addon_config

_EMULATOR = None


def get_emulator():
    """The process-wide emulator (started once; tests reset it)."""
    global _EMULATOR
    if _EMULATOR is None:
        _EMULATOR = Emulator()
        _EMULATOR.start()
    return _EMULATOR


def odoo_base_url():
    return f"http://127.0.0.1:{config['http_port']}"


class EmulatorMixin:
    """For TransactionCase / HttpCase classes: ``cls.emulator`` is clean for each test."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.emulator = get_emulator()
        cls.emulator.reset()
        cls.env["ir.config_parameter"].sudo().set_param("web.base.url", odoo_base_url())
        addon_config.configure(
            cls.env,
            cls.emulator.base_url,
            cls.emulator.tls_base_url,
            cls.emulator.ca_file,
            odoo_base_url(),
        )

    def setUp(self):
        super().setUp()
        self.emulator.reset()
        self.addCleanup(self.emulator.notifier.flush)


class JobRunnerMixin:
    """Run the stored queue.job rows like queue_job's runner does (start, perform, done, or
    postpone on RetryableJobError), without its commits: a test transaction cannot commit.
    Jobs are real rows, so identity keys de-duplicate in the database as in production."""

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
                    job = Job.load(self.env, row.uuid)
                    job.set_started()
                    job.store()
                    try:
                        with self.env.cr.savepoint():
                            job.perform()
                    except RetryableJobError as err:
                        job.postpone(result=str(err), seconds=err.seconds)
                        job.set_pending(reset_retry=False)
                    else:
                        job.set_done()
                    job.store()
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
