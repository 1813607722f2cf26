"""A user's Sync settings: a mode for each of their real calendars, the direction and their
meeting and privacy defaults; the technical fields stay on the administrators' account form."""

from odoo.tests import HttpCase, new_test_user, tagged

from .common import EmulatorMixin, JobRunnerMixin, ScreenshotMixin, SyncCaseMixin
from .test_sync_google import START, GoogleSyncCase

ALICE = "alice@example.com"


@tagged("post_install", "-at_install")
class TestSyncSettings(GoogleSyncCase):
    def open_settings(self):
        action = self.account.with_user(self.alice).action_open_form()
        self.assertEqual(action["res_model"], "calendar.sync.account.settings")
        return self.env[action["res_model"]].with_user(self.alice).browse(action["res_id"])

    @staticmethod
    def two_way(settings):
        return settings.calendar_ids.filtered(lambda c: c.mode == "two_way")

    def test_settings_list_the_real_calendars_and_switch_to_another(self):
        team = self.google.add_calendar(ALICE, "Team calendar")
        settings = self.open_settings()
        self.assertEqual(
            sorted(settings.calendar_ids.mapped("name")), sorted([ALICE, "Team calendar"])
        )
        self.assertEqual(self.two_way(settings).remote_id, self.account.remote_calendar_id)
        settings.calendar_ids.filtered(lambda c: c.remote_id == team).mode = "two_way"
        settings.write({"direction": "both", "default_meeting": "google_meet"})
        settings.action_save()
        self.assertEqual(self.account.remote_calendar_id, team)
        self.assertEqual(self.account.remote_calendar_name, "Team calendar")
        self.assertEqual(self.alice.cloud_sync_default_meeting, "google_meet")
        self.run_jobs()
        self.new_event(name="After the switch", start=START)
        self.run_jobs()
        titles = [e["summary"] for e in self.google.events_of(ALICE, team)]
        self.assertIn("After the switch", titles)
        self.assertNotIn("After the switch", [e["summary"] for e in self.remote_events()])

    def test_an_account_not_connected_offers_its_current_calendar_only(self):
        self.account.sudo().write({"state": "needs_reauth"})
        settings = self.open_settings()
        self.assertEqual(settings.calendar_ids.remote_id, self.account.remote_calendar_id)
        self.assertIn("Connect", settings.calendars_error)
        self.assertEqual(self.emulator.count("google", "calendarList.list"), 0)

    def test_a_provider_that_cannot_list_keeps_the_current_calendar(self):
        self.emulator.add_fault("google", "calendarList.list", status=403, times=3)
        settings = self.open_settings()
        self.assertEqual(self.two_way(settings).remote_id, self.account.remote_calendar_id)
        self.assertTrue(settings.calendars_error)


@tagged("post_install", "-at_install")
class TestSyncSettingsTour(ScreenshotMixin, SyncCaseMixin, EmulatorMixin, JobRunnerMixin, HttpCase):
    def test_sync_settings_dialog_shows_what_a_user_chooses(self):
        user = new_test_user(
            self.env, "ccs_settings_tour", groups="base.group_user", email="sam@example.com"
        )
        self.account = self.connect(user, "sam@example.com")
        self.emulator.providers["google"].add_calendar("sam@example.com", "Team calendar")
        self.start_tour("/odoo", "calendar_cloud_sync_sync_settings", login=user.login)
        self.assertEqual(self.account.remote_calendar_name, "Team calendar")
