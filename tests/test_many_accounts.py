"""Many connected accounts: the crons cost a bounded number of queries (no query per account),
and channels opened together do not all end together."""

import uuid
from datetime import timedelta

import odoo.sql_db
from odoo import fields
from odoo.tests import TransactionCase, tagged

from .common import EmulatorMixin, JobRunnerMixin, SyncCaseMixin


@tagged("post_install", "-at_install")
class TestManyAccounts(TransactionCase):
    def make_accounts(self, count, offset):
        users = (
            self.env["res.users"]
            .with_context(no_reset_password=True, mail_create_nolog=True)
            .create(
                [
                    {
                        "name": f"Many {offset + i}",
                        "login": f"ccs_many_{offset + i}",
                        "groups_id": [(6, 0, self.env.ref("base.group_user").ids)],
                    }
                    for i in range(count)
                ]
            )
        )
        quiet = fields.Datetime.now() - timedelta(hours=1)
        return self.env["calendar.sync.account"].create(
            [
                {
                    "user_id": user.id,
                    "provider": "google" if index % 2 else "microsoft",
                    "state": "connected",
                    "remote_calendar_id": "primary",
                    "channel_id": str(uuid.uuid4()),
                    "channel_resource_id": str(uuid.uuid4()),
                    "channel_expiration": fields.Datetime.now() + timedelta(hours=2),
                    "last_notification_at": quiet,
                }
                for index, user in enumerate(users)
            ]
        )

    def queries(self, method):
        """SQL queries of one cron run (rolled back), and the jobs it enqueued."""
        Account = self.env["calendar.sync.account"]
        self.env.flush_all()
        self.env.invalidate_all()
        with self.env.cr.savepoint(flush=False) as savepoint:
            before = odoo.sql_db.sql_counter
            getattr(Account, method)()
            self.env.flush_all()
            spent = odoo.sql_db.sql_counter - before
            jobs = self.env["queue.job"].search_count(
                [("model_name", "=", "calendar.sync.account")]
            )
            savepoint.rollback()
        return spent, jobs

    def test_crons_cost_the_same_queries_for_50_or_250_accounts(self):
        self.make_accounts(50, 0)
        small = {m: self.queries(m) for m in ("_cron_pull_quiet_accounts", "_cron_renew_channels")}
        self.make_accounts(200, 50)
        large = {m: self.queries(m) for m in small}
        for method in small:
            with self.subTest(method=method):
                self.assertEqual((small[method][1], large[method][1]), (50, 250), "one job each")
                self.assertLessEqual(large[method][0], small[method][0] + 5, (small, large))

    def test_a_pending_job_is_not_enqueued_twice(self):
        accounts = self.make_accounts(10, 1000)
        accounts[:4]._enqueue_pull()
        self.env["calendar.sync.account"]._cron_pull_quiet_accounts()
        pulls = self.env["queue.job"].search([("method_name", "=", "_job_pull")])
        self.assertEqual(len(pulls), 10)
        self.assertEqual(sorted(job.records.id for job in pulls), sorted(accounts.ids))
        self.assertEqual(set(pulls.mapped("channel")), {"root.calendar_cloud_sync"})


@tagged("post_install", "-at_install")
class TestChannelsSpread(SyncCaseMixin, EmulatorMixin, JobRunnerMixin, TransactionCase):
    def test_channels_opened_together_end_at_different_times(self):
        user = self.env["res.users"].create(
            {"name": "Spread", "login": "ccs_spread", "email": "spread@example.com"}
        )
        account = self.connect(user, "spread@example.com")
        ends = []
        for _i in range(12):
            account._start_watch()
            ends.append(account.channel_expiration)
        now = fields.Datetime.now()
        self.assertGreater(max(ends) - min(ends), timedelta(hours=2), ends)
        self.assertTrue(
            all(now + timedelta(days=5) < end <= now + timedelta(days=7) for end in ends)
        )
