"""Range resync and the reconciliation report, through real jobs and the Google emulator."""

from datetime import datetime, timedelta

from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged

from .common import EmulatorMixin, JobRunnerMixin, ScreenshotMixin, SyncCaseMixin

START = (datetime.now() + timedelta(days=10)).replace(hour=9, minute=0, second=0, microsecond=0)
DAY = START.date()
EMAIL = "rita@example.com"
REMY = "remy@example.com"


def google_body(summary, hour=10):
    return {
        "summary": summary,
        "start": {"dateTime": f"{DAY}T{hour:02d}:00:00Z", "timeZone": "Europe/Brussels"},
        "end": {"dateTime": f"{DAY}T{hour + 1:02d}:00:00Z", "timeZone": "Europe/Brussels"},
    }


class ResyncCase(SyncCaseMixin, EmulatorMixin, JobRunnerMixin):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rita = new_test_user(
            cls.env, "ccs_rita", groups="base.group_user", email=EMAIL, tz="Europe/Brussels"
        )

    def setUp(self):
        super().setUp()
        self.google = self.emulator.providers["google"]
        self.account = self.connect(self.rita, EMAIL)
        self.pull()  # a first sync: the account has its incremental cursor

    def named(self, name):
        return self.env["calendar.event"].search([("name", "=", name)])

    def titles_at_google(self):
        return sorted(e["summary"] for e in self.google.events_of(EMAIL))

    def pending_resync_jobs(self):
        return self.env["queue.job"].search(
            [("method_name", "=", "_job_resync"), ("state", "=", "pending")]
        )

    def report(self):
        return self.reconcile(DAY - timedelta(days=1), DAY + timedelta(days=1))


@tagged("post_install", "-at_install")
class TestResync(ResyncCase, TransactionCase):
    def resync(self, direction):
        wizard = self.env["calendar.sync.resync.wizard"].create(
            {
                "scope": "account",
                "account_id": self.account.id,
                "date_from": DAY - timedelta(days=1),
                "date_to": DAY + timedelta(days=1),
                "direction": direction,
            }
        )
        wizard.action_start()
        self.assertEqual(self.account.resync_state, "queued")
        self.assertEqual(wizard.progress, 0)
        self.run_jobs()
        wizard.invalidate_recordset()
        return wizard

    def test_range_pull_brings_what_the_cursor_missed_without_duplicates(self):
        self.new_event(self.rita, START, name="Known")
        self.run_jobs()
        self.google.put_event(EMAIL, google_body("Missed by the cursor"))
        self.skip_cursor_past_provider_changes()
        cursor = self.account.sync_cursor
        self.pull()
        self.assertFalse(self.named("Missed by the cursor"), "an incremental pull cannot see it")
        wizard = self.resync("pull")
        self.assertEqual(len(self.named("Missed by the cursor")), 1)
        self.assertEqual(len(self.named("Known")), 1)
        self.assertEqual(self.titles_at_google(), ["Known", "Missed by the cursor"])
        self.assertEqual(self.account.sync_cursor, cursor, "the incremental cursor is kept")
        self.assertEqual((self.account.resync_state, self.account.resync_progress), ("done", 100))
        self.assertEqual(wizard.progress, 100)
        self.assertTrue(wizard.done)

    def test_range_push_sends_an_event_whose_binding_was_lost(self):
        event = self.new_event(self.rita, START, name="Unbound")
        self.binding(event).unlink()
        self.run_jobs()
        self.assertEqual(self.titles_at_google(), [])
        wizard = self.resync("push")
        self.assertEqual(self.titles_at_google(), ["Unbound"])
        self.assertEqual(self.binding(event).state, "synced")
        self.assertEqual(wizard.progress, 100)
        self.resync("both")
        self.assertEqual(self.titles_at_google(), ["Unbound"], "a second resync sends nothing new")

    def test_a_long_range_moves_step_by_step_and_a_newer_request_supersedes_it(self):
        later = DAY + timedelta(days=35)
        self.google.put_event(
            EMAIL,
            {
                "summary": "Five weeks out",
                "start": {"dateTime": f"{later}T10:00:00Z"},
                "end": {"dateTime": f"{later}T11:00:00Z"},
            },
        )
        self.skip_cursor_past_provider_changes()
        wizard = self.env["calendar.sync.resync.wizard"].create(
            {
                "scope": "account",
                "account_id": self.account.id,
                "date_from": DAY - timedelta(days=40),
                "date_to": DAY + timedelta(days=40),  # 81 days: 3 windows, pulled and pushed
                "direction": "both",
            }
        )
        wizard.action_start()
        progress = []
        for _step in range(4):
            [job] = self.pending_resync_jobs()
            self._perform_job(job)
            progress.append(self.account.resync_progress)
        self.assertEqual(progress, [16, 33, 50, 66])
        self.assertEqual(self.account.resync_state, "running")
        # 81 days from DAY - 40: windows of 31, 31 and 19 days; step 4 is the second's push
        last_day = DAY - timedelta(days=40) + timedelta(days=61)
        self.assertEqual(self.account.resync_message, f"Steps done: 4 of 6, up to {last_day}.")
        self.assertFalse(self.named("Five weeks out"), "the third window is not pulled yet")

        [old_next] = self.pending_resync_jobs()
        self.resync("pull")  # a newer request, run to its end
        self.assertEqual(old_next.state, "done")
        self.assertEqual(old_next.result, "superseded by a newer resync")
        self.assertEqual((self.account.resync_state, self.account.resync_progress), ("done", 100))
        self.assertTrue(self.account.resync_message.startswith("Done. "))

        wizard.action_start()
        self.run_jobs()
        self.assertEqual(len(self.named("Five weeks out")), 1)
        self.assertEqual(self.account.resync_state, "done")

    def test_a_direction_the_account_does_not_sync_is_skipped_and_said(self):
        event = self.new_event(self.rita, START, name="Kept in Odoo")
        self.binding(event).unlink()
        self.account.direction = "remote_to_odoo"
        self.google.put_event(EMAIL, google_body("Missed by the cursor"))
        self.skip_cursor_past_provider_changes()
        self.resync("both")
        self.assertEqual(self.titles_at_google(), ["Missed by the cursor"], "nothing pushed")
        self.assertEqual(len(self.named("Missed by the cursor")), 1)
        self.assertEqual(self.account.resync_state, "done")
        self.assertIn(
            "Skipped, as this account does not sync that way: pushing from Odoo.",
            self.account.resync_message,
        )

    def test_company_scope_resyncs_every_connected_account(self):
        wizard = self.env["calendar.sync.resync.wizard"].create(
            {
                "scope": "company",
                "company_id": self.rita.company_id.id,
                "date_from": DAY,
                "date_to": DAY,
                "direction": "pull",
            }
        )
        wizard.action_start()
        self.assertIn(self.account, wizard.resync_account_ids)
        jobs = self.env["queue.job"].search([("method_name", "=", "_job_resync")])
        self.assertEqual(len(jobs), len(wizard.resync_account_ids))

    def test_report_finds_one_line_of_each_kind_and_repair_all_fixes_them(self):
        # different: renamed at Google, the cursor never told
        changed = self.new_event(self.rita, START, name="Planning")
        # missing at the provider: its binding was lost before the push
        unsent = self.new_event(self.rita, START + timedelta(hours=3), name="Unsent")
        self.binding(unsent).unlink()
        self.run_jobs()
        self.google.change_event(EMAIL, self.binding(changed).external_id, {"summary": "Renamed"})
        # missing in Odoo: created at Google, the cursor never told
        self.google.put_event(EMAIL, google_body("Only at Google", hour=14))
        self.skip_cursor_past_provider_changes()
        # orphan: a binding whose event is gone and that Google does not list
        orphan = self.env["calendar.sync.binding"].create(
            {"account_id": self.account.id, "external_id": "ghost0123456789", "state": "synced"}
        )
        wizard = self.report()
        kinds = sorted(wizard.line_ids.mapped("kind"))
        self.assertEqual(kinds, ["different", "missing_odoo", "missing_remote", "orphan"])
        different = wizard.line_ids.filtered(lambda line: line.kind == "different")
        self.assertEqual(different.detail, "title")
        self.assertEqual(different.repair, "import", "Odoo did not change it: take Google's")
        self.assertEqual(self.emulator.count("google", "events.patch"), 0)
        wizard.action_repair_all()
        self.assertFalse(wizard.line_ids)
        self.assertFalse(orphan.exists())
        self.run_jobs()
        self.assertEqual(changed.name, "Renamed")
        self.assertEqual(len(self.named("Only at Google")), 1)
        self.assertEqual(
            self.titles_at_google(), ["Only at Google", "Renamed", "Unsent"], "no duplicates"
        )
        self.assertFalse(self.report().line_ids)

    def test_a_line_shows_both_values_of_a_moved_time_and_a_new_guest(self):
        event = self.new_event(self.rita, START, name="Review")
        self.run_jobs()
        self.google.change_event(
            EMAIL,
            self.binding(event).external_id,
            {
                **google_body("Review", hour=15),
                "attendees": [
                    {"email": EMAIL, "organizer": True, "responseStatus": "accepted"},
                    {"email": "zoe@example.com", "responseStatus": "needsAction"},
                ],
            },
        )
        self.skip_cursor_past_provider_changes()
        [line] = self.report().line_ids
        self.assertEqual(line.detail, "attendees, end, start")
        ours, theirs = str(line.odoo_value), str(line.remote_value)
        self.assertIn("<b>Date and time</b>", ours)
        self.assertIn("10:00 AM", ours)  # START (09:00 UTC) where rita is, in Brussels
        self.assertIn("4:00 PM", theirs)  # 15:00 UTC
        self.assertIn("zoe@example.com: not invited", ours)
        self.assertIn("&lt;zoe@example.com&gt; (no answer yet)", theirs)
        self.assertNotIn(EMAIL, ours + theirs, "only the guests that differ are shown")

    def test_repair_can_send_odoos_version_of_a_difference(self):
        event = self.new_event(self.rita, START, name="Ours")
        self.run_jobs()
        self.google.change_event(EMAIL, self.binding(event).external_id, {"summary": "Theirs"})
        self.skip_cursor_past_provider_changes()
        [line] = self.report().line_ids
        line.repair = "push"
        line.action_repair()
        self.run_jobs()
        self.assertEqual(event.name, "Ours")
        self.assertEqual(self.titles_at_google(), ["Ours"])
        self.assertFalse(self.report().line_ids)

    def test_an_orphan_binding_of_an_event_google_lost_sends_it_again(self):
        event = self.new_event(self.rita, START, name="Lost at Google")
        self.run_jobs()
        self.google.remove_event(EMAIL, self.binding(event).external_id)
        self.skip_cursor_past_provider_changes()
        [line] = self.report().line_ids
        self.assertEqual((line.kind, line.repair), ("orphan", "drop"))
        line.action_repair()
        self.run_jobs()
        self.assertEqual(self.titles_at_google(), ["Lost at Google"])
        self.assertFalse(self.report().line_ids)


@tagged("post_install", "-at_install")
class TestReconcileTour(ScreenshotMixin, ResyncCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rita.groups_id += cls.env.ref("base.group_system")

    def test_reconciliation_finds_and_repairs_a_difference(self):
        event = self.new_event(self.rita, START, name="Tour planning")
        unsent = self.new_event(self.rita, START + timedelta(hours=3), name="Tour unsent")
        self.binding(unsent).unlink()
        self.run_jobs()
        self.google.change_event(EMAIL, self.binding(event).external_id, {"summary": "Tour moved"})
        self.google.put_event(EMAIL, google_body("Tour at Google only", hour=14))
        self.skip_cursor_past_provider_changes()
        self.start_tour(
            "/odoo/calendar",
            "calendar_cloud_sync_reconcile",
            login=self.rita.login,
        )
        self.run_jobs()
        self.assertEqual(event.name, "Tour moved")
        self.assertEqual(len(self.named("Tour at Google only")), 1)
        self.assertEqual(
            self.titles_at_google(), ["Tour at Google only", "Tour moved", "Tour unsent"]
        )
        self.assertFalse(self.report().line_ids)


@tagged("post_install", "-at_install")
class TestResyncTour(ScreenshotMixin, ResyncCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rita.groups_id += cls.env.ref("base.group_system")
        cls.remy = new_test_user(cls.env, "ccs_remy", groups="base.group_user", email=REMY)

    def test_a_company_resync_shows_how_far_it_went(self):
        remy_account = self.connect(self.remy, REMY)
        self.run_jobs()
        self.google.put_event(EMAIL, google_body("Missed by the cursor"))
        self.skip_cursor_past_provider_changes()
        self.start_tour("/odoo/calendar", "calendar_cloud_sync_resync", login=self.rita.login)
        wizard = self.env["calendar.sync.resync.wizard"].search([], order="id desc", limit=1)
        self.assertEqual(wizard.resync_account_ids, self.account | remy_account)
        jobs = self.env["queue.job"].search(
            [("method_name", "=", "_job_resync"), ("state", "=", "pending")]
        )
        self.assertEqual(len(jobs), 2)
        # rita's run goes through all its steps; remy's through 3 of its 8 (4 months, both ways)
        while rita_job := self.pending_resync_jobs().filtered(
            lambda job: job.records == self.account
        ):
            self._perform_job(rita_job)
        for _step in range(3):
            self._perform_job(self.pending_resync_jobs())
        self.assertEqual((remy_account.resync_state, remy_account.resync_progress), ("running", 37))
        self.assertEqual(len(self.named("Missed by the cursor")), 1)

        self.start_tour(
            f"/odoo/action-calendar_cloud_sync.calendar_sync_resync_wizard_action/{wizard.id}",
            "calendar_cloud_sync_resync_progress",
            login=self.rita.login,
        )
        self.run_jobs()
        wizard.invalidate_recordset()
        self.assertEqual((wizard.progress, wizard.done), (100, True))
        self.assertEqual(len(self.named("Missed by the cursor")), 1)
