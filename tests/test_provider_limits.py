"""The providers' limits hold across job workers (issue 10, item 8): one job of an account
calls the provider at a time in any worker, and Google's requests per minute per user are
paced across jobs."""

import contextlib
from datetime import timedelta

from odoo import fields, sql_db
from odoo.exceptions import UserError
from odoo.tests import tagged

from ..models.calendar_sync_account_jobs import LOCK_NAMESPACE
from .test_sync_google import START, GoogleSyncCase


@tagged("post_install", "-at_install")
class TestProviderLimits(GoogleSyncCase):
    @contextlib.contextmanager
    def other_worker_syncing(self):
        """Another worker's job holds the account (a real second connection)."""
        cr = sql_db.db_connect(self.env.cr.dbname).cursor()
        try:
            # (never waits: the test's own transaction must not have taken it before)
            cr.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_NAMESPACE, self.account.id])
            self.assertTrue(cr.fetchone()[0], "the test itself holds the account's lock")
            yield
        finally:
            cr.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, self.account.id])
            cr.close()

    def pending(self):
        return self.env["queue.job"].search([("state", "=", "pending")])

    def test_google_operations_are_paced_to_the_quota_of_a_minute(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "calendar_cloud_sync.google_operations_per_minute", "30"
        )
        self.env["calendar.event"].with_user(self.alice).create(
            [
                {
                    "name": f"Event {i}",
                    "start": START + timedelta(days=i),
                    "stop": START + timedelta(days=i, hours=1),
                    "user_id": self.alice.id,
                }
                for i in range(70)
            ]
        )
        [job] = self.pending()
        self._perform_job(job, fail_unexpected=True)
        self.assertEqual(len(self.remote_events()), 30, "a minute's quota, not more")
        [later] = self.pending()
        self.assertGreaterEqual(later.eta, fields.Datetime.now() + timedelta(seconds=55))
        # within the same minute a push sends nothing more
        self._perform_job(later, fail_unexpected=True)
        self.assertEqual(len(self.remote_events()), 30)
        # a minute later, the next 30
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE calendar_sync_log SET create_date = create_date - interval '61 seconds'"
        )
        [later] = self.pending()
        self._perform_job(later, fail_unexpected=True)
        self.assertEqual(len(self.remote_events()), 60)

    def test_a_meeting_follow_up_waits_while_another_worker_syncs_the_account(self):
        # no job of this test has taken the account's lock: the binding is made by hand
        remote = self.google.put_event(
            "alice@example.com",
            {
                "summary": "Call",
                "start": {"dateTime": START.isoformat() + "Z"},
                "end": {"dateTime": (START + timedelta(hours=1)).isoformat() + "Z"},
            },
        )
        event = self.new_event(name="Call")
        binding = self.binding(event)
        binding.write({"external_id": remote["id"], "state": "synced"})
        self.env["queue.job"].search([]).unlink()
        before = self.emulator.count("google")
        with self.other_worker_syncing():
            job = binding.with_delay()._job_follow_meeting()
            row = self.env["queue.job"].search([("uuid", "=", job.uuid)])
            self._perform_job(row, fail_unexpected=True)
        self.assertEqual(row.state, "pending", "postponed, not failed")
        self.assertEqual(self.emulator.count("google"), before, "no call while it is held")

    def test_reconciliation_waits_while_a_sync_job_holds_the_account(self):
        wizard = self.env["calendar.sync.reconcile.wizard"].create(
            {
                "account_id": self.account.id,
                "date_from": START.date(),
                "date_to": (START + timedelta(days=7)).date(),
            }
        )
        with self.other_worker_syncing(), self.assertRaisesRegex(UserError, "syncing right now"):
            wizard.action_compare()
        wizard.action_compare()
        self.assertEqual(wizard.state, "done")
