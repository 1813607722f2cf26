"""The Sync Health dashboard: counts read from real jobs against the emulator, failed jobs
found from their account and queued again, and the admin's path through it in a browser."""

from datetime import datetime, timedelta

from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged

from .common import EmulatorMixin, JobRunnerMixin, ScreenshotMixin, SyncCaseMixin

START = (datetime.now() + timedelta(days=30)).replace(hour=9, minute=0, second=0, microsecond=0)


class HealthCaseMixin(SyncCaseMixin, EmulatorMixin, JobRunnerMixin):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alice = new_test_user(
            cls.env,
            "ccs_health_alice",
            name="Alice Martin",
            groups="base.group_user",
            email="alice@example.com",
        )

    def setUp(self):
        super().setUp()
        self.account = self.connect(self.alice, "alice@example.com")

    def run_jobs_to_failure(self):
        """Run pending jobs once like queue_job's runner: an unexpected exception rolls the
        job's work back and stores the job as failed with the exception's name."""
        for row in self.env["queue.job"].search([("state", "in", ("pending", "enqueued"))]):
            self._perform_job(row, fail_unexpected=True)

    def fail_a_pull(self):
        self.emulator.add_fault("google", "events.list", status=403, times=1)
        self.account._enqueue_pull()
        self.run_jobs_to_failure()
        self.account.invalidate_recordset()


@tagged("post_install", "-at_install")
class TestSyncHealth(HealthCaseMixin, TransactionCase):
    def last_log(self, **domain):
        return self.env["calendar.sync.log"].search(
            [("account_id", "=", self.account.id)] + [(k, "=", v) for k, v in domain.items()],
            limit=1,
        )

    def test_a_push_of_60_google_events_logs_2_api_requests(self):
        for n in range(60):
            self.new_event(self.alice, START + timedelta(hours=n), name=f"Event {n}")
        self.assertEqual(self.account.ccs_pending_binding_count, 60)
        self.assertTrue(self.account.ccs_needs_attention)
        self.assertEqual(self.account.ccs_pending_job_count, 1)
        self.run_jobs()
        self.account.invalidate_recordset()
        push = self.last_log(direction="push", status="success")
        self.assertEqual((push.events_out, push.api_requests), (60, 2))
        self.assertEqual(self.emulator.count("google", "batch"), 2)
        self.assertEqual(self.account.ccs_pending_binding_count, 0)
        self.assertEqual(self.account.ccs_pending_job_count, 0)
        self.assertFalse(self.account.ccs_needs_attention)

    def test_a_pull_logs_the_requests_it_made(self):
        self.account._enqueue_pull()
        self.run_jobs()
        pull = self.last_log(direction="pull", status="success")
        self.assertEqual(pull.api_requests, self.emulator.count("google", "events.list"))
        self.assertGreaterEqual(pull.api_requests, 1)

    def test_a_failed_job_is_found_from_its_account_and_retried(self):
        self.fail_a_pull()
        [job] = self.account._jobs(("failed",))
        self.assertEqual(job.method_name, "_job_pull")
        self.assertEqual(self.account.ccs_failed_job_count, 1)
        self.assertIn(
            self.account,
            self.env["calendar.sync.account"].search([("ccs_needs_attention", "=", True)]),
        )
        failure = self.last_log(status="failure")
        self.assertEqual((failure.direction, failure.error_type), ("pull", "Forbidden"))
        action = self.account.action_view_failed_jobs()
        self.assertEqual(self.env["queue.job"].search(action["domain"]), job)

        self.account.action_retry_failed_jobs()
        self.assertEqual(job.state, "pending")
        self.run_jobs()
        self.assertEqual(job.state, "done")
        self.account.invalidate_recordset()
        self.assertEqual(self.account.ccs_failed_job_count, 0)
        self.assertFalse(self.account.ccs_needs_attention)
        self.assertTrue(self.account.last_pull_at)

    def test_a_transient_error_is_logged_as_a_retry_with_its_type(self):
        self.emulator.add_fault("google", "events.list", status=503, times=1)
        self.account._enqueue_pull()
        self.run_jobs()
        retry = self.last_log(status="retry", direction="pull")
        self.assertEqual(retry.error_type, "TransientError")
        self.assertTrue(self.last_log(status="success", direction="pull"))

    def test_queued_jobs_say_in_a_sentence_what_they_do(self):
        self.account._enqueue_pull()
        self.account._enqueue_push()
        self.account._enqueue_watch()
        self.account._enqueue_resync_step("2030-01-01", "2030-03-31", "both", 0)
        self.account._enqueue_repair_import(["x"])
        names = set(self.account._jobs().mapped("name"))
        who = "Google \N{EN DASH} alice@example.com"
        self.assertEqual(
            names,
            {
                f"Bring the changes of {who} into Odoo",
                f"Send Odoo's changes to {who}",
                f"Renew the push notifications of {who}",
                f"Resync {who} from 2030-01-01 to 2030-03-31",
                f"Repair the differences found with {who}",
            },
        )

    def test_sync_now_queues_a_pull_and_a_push(self):
        self.account.action_sync_now()
        jobs = self.account._jobs(("pending",))
        self.assertEqual(sorted(jobs.mapped("method_name")), ["_job_pull", "_job_push"])

    def test_an_expired_channel_needs_attention(self):
        self.assertFalse(self.account.ccs_needs_attention)
        self.account.channel_expiration = datetime.now() - timedelta(minutes=1)
        self.assertTrue(self.account.ccs_channel_expired)
        self.assertTrue(self.account.ccs_needs_attention)


@tagged("post_install", "-at_install")
class TestSyncHealthUi(ScreenshotMixin, HealthCaseMixin, HttpCase):
    def test_admin_opens_an_account_needing_attention_and_retries_its_failed_job(self):
        self.fail_a_pull()
        [job] = self.account._jobs(("failed",))
        self.start_tour(
            "/odoo/action-calendar_cloud_sync.calendar_sync_health_action",
            "calendar_cloud_sync_health",
            login="admin",
        )
        self.assertEqual(job.state, "pending")


@tagged("post_install", "-at_install")
class TestSyncHealthOverview(ScreenshotMixin, HealthCaseMixin, HttpCase):
    """Four users, both providers, every state an admin meets: the dashboard shows first
    the accounts that need attention, then all of them, and the API requests per provider."""

    def test_admin_sees_every_account_state_and_the_requests_per_provider(self):
        users = {
            name: new_test_user(
                self.env, f"ccs_health_{name}", name=name.title(), email=f"{name}@example.com"
            )
            for name in ("bruno", "chloe", "dmitri")
        }
        bruno = self.connect(users["bruno"], "bruno@example.com", "microsoft")
        chloe = self.connect(users["chloe"], "chloe@example.com")
        dmitri = self.connect(users["dmitri"], "dmitri@example.com", "microsoft")
        for n, user in enumerate([self.alice, *users.values()]):
            for hour in range(3):
                self.new_event(user, START + timedelta(days=n, hours=hour), name=f"Review {hour}")
        self.run_jobs()
        for account in (self.account, bruno, chloe, dmitri):
            account._enqueue_pull()
        self.run_jobs()
        self.google_revokes("chloe@example.com")
        chloe._enqueue_pull()
        self.run_jobs()
        self.emulator.add_fault("microsoft", "calendarView.delta", status=403, times=1)
        dmitri._enqueue_pull()
        self.run_jobs_to_failure()
        self.env.invalidate_all()
        self.assertEqual(chloe.state, "needs_reauth")
        self.assertEqual(dmitri.ccs_failed_job_count, 1)
        self.assertFalse(self.account.ccs_needs_attention or bruno.ccs_needs_attention)
        self.start_tour(
            "/odoo/action-calendar_cloud_sync.calendar_sync_health_action",
            "calendar_cloud_sync_health_overview",
            login="admin",
        )

    def google_revokes(self, email):
        self.emulator.providers["google"].revoke_refresh_tokens(email)
        self.emulator.providers["google"].expire_access_tokens(email)


@tagged("post_install", "-at_install")
class TestCloudSyncMenu(TransactionCase):
    def test_sync_health_first_and_at_most_five_entries(self):
        admin = self.env.ref("base.user_admin")
        menus = self.env["ir.ui.menu"].with_user(admin).load_web_menus(debug=False)
        root = self.env.ref("calendar_cloud_sync.menu_cloud_sync").id
        entries = [menus[child]["name"] for child in menus[root]["children"]]
        self.assertLessEqual(len(entries), 5, entries)
        self.assertEqual(entries[0], "Sync Health")
        self.assertIn("Tools", entries)
        names = {menu["name"] for menu in menus.values() if isinstance(menu, dict)}
        self.assertNotIn("Bindings", names, "technical: debug mode only")
        tools = self.env.ref("calendar_cloud_sync.menu_cloud_sync_tools").id
        self.assertIn("Resync", [menus[child]["name"] for child in menus[tools]["children"]])
