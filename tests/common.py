"""Shared set-up of the Odoo tests: one emulator per test process, and the addon pointed at it
through its system parameters and settings, exactly as an admin would configure it."""

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
        raise AssertionError(f"jobs still pending after {max_rounds} rounds")
