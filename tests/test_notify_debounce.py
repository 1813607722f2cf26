"""A stream of notifications costs a bounded number of pulls: at once on a quiet account, then
at most one more pull after the one queued or running, no sooner than the configured delay."""

import uuid
from datetime import timedelta

import odoo.sql_db
from odoo import fields
from odoo.tests import TransactionCase, new_test_user, tagged

from odoo.addons.queue_job.job import Job

PULL = "_job_pull"


@tagged("post_install", "-at_install")
class TestNotificationDebounce(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        user = new_test_user(cls.env, "ccs_debounce", groups="base.group_user")
        cls.account = cls.env["calendar.sync.account"].create(
            {
                "user_id": user.id,
                "provider": "google",
                "state": "connected",
                "remote_calendar_id": "primary",
                "channel_id": str(uuid.uuid4()),
                "channel_resource_id": "res-debounce",
            }
        )
        cls.account._set_secret("channel_secret", "debounce-token")

    def notify(self, times=1, channel_id=None):
        headers = {
            "X-Goog-Channel-ID": channel_id or self.account.channel_id,
            "X-Goog-Channel-Token": "debounce-token",
            "X-Goog-Resource-ID": "res-debounce",
            "X-Goog-Resource-State": "exists",
        }
        Account = self.env["calendar.sync.account"]
        answers = {Account._receive_google_notification(headers) for _i in range(times)}
        self.assertEqual(answers, {200})

    def pulls(self, states=("pending", "enqueued", "started")):
        return self.env["queue.job"].search(
            [("method_name", "=", PULL), ("state", "in", list(states))], order="id"
        )

    def start(self, row):
        job = Job.load(self.env, row.uuid)
        job.set_started()
        job.store()

    def finish(self, row):
        job = Job.load(self.env, row.uuid)
        job.set_done()
        job.store()
        self.account.sudo().last_pull_at = fields.Datetime.now()

    def test_a_quiet_account_is_pulled_at_once(self):
        self.account.sudo().last_pull_at = fields.Datetime.now() - timedelta(minutes=5)
        self.notify()
        [pull] = self.pulls()
        self.assertLessEqual(pull.eta or fields.Datetime.now(), fields.Datetime.now())

    def test_a_storm_makes_one_more_pull_after_the_running_one_and_not_sooner(self):
        self.notify(30)
        [first] = self.pulls()
        self.assertFalse(first.eta, "the first notification is pulled at once")
        self.start(first)
        before = fields.Datetime.now()
        self.notify(30)
        [running, next_pull] = self.pulls()
        self.assertEqual(running, first)
        self.assertGreaterEqual(next_pull.eta, before + timedelta(seconds=2))
        self.finish(first)
        self.notify(30)  # merged into the pull already waiting
        self.assertEqual(self.pulls(), next_pull)
        self.assertEqual(len(self.pulls(("pending", "enqueued", "started", "done"))), 2)

    def test_just_after_a_pull_the_next_waits_for_the_delay(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "calendar_cloud_sync.notification_delay_seconds", "5"
        )
        ended = fields.Datetime.now() - timedelta(seconds=1)
        self.account.sudo().last_pull_at = ended
        self.notify()
        [pull] = self.pulls()
        self.assertEqual(pull.eta, ended + timedelta(seconds=5))

    def test_a_notification_that_merges_costs_two_queries_and_no_insert(self):
        self.notify()  # the pull now waiting
        self.env.flush_all()
        self.env.invalidate_all()
        jobs = self.env["queue.job"].search_count([])
        channel_id = self.account.channel_id
        before = odoo.sql_db.sql_counter
        self.notify(channel_id=channel_id)
        self.env.flush_all()
        # the account looked up by its channel id, then one query on the job table
        self.assertEqual(odoo.sql_db.sql_counter - before, 2)
        self.assertEqual(self.env["queue.job"].search_count([]), jobs)
