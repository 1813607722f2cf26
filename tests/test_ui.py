from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

from .common import JobRunnerMixin, ScreenshotMixin


@tagged("post_install", "-at_install")
class TestUi(ScreenshotMixin, JobRunnerMixin, HttpCase):
    def test_preferences_show_and_disconnect_an_account(self):
        user = new_test_user(
            self.env, "ccs_tour_user", name="Tomás Ortega", groups="base.group_user"
        )
        account = self.env["calendar.sync.account"].create(
            {
                "user_id": user.id,
                "provider": "google",
                "state": "connected",
                "remote_email": "tour@example.com",
                "remote_calendar_name": "Work calendar",
            }
        )
        account._set_secret("token_data", {"refresh_token": "rt-tour"})
        self.start_tour("/odoo", "calendar_cloud_sync_preferences", login=user.login)
        self.assertEqual(account.state, "disconnected")
        self.run_jobs()  # the disconnect job revokes the token, then forgets it
        self.assertIsNone(account._get_secret("token_data"))

    def test_event_form_offers_join_google_meet(self):
        user = new_test_user(self.env, "ccs_tour_join", groups="base.group_user")
        meet = "https://meet.google.com/tour-meet-abc"
        event = self.env["calendar.event"].create(
            {
                "name": "Tour meeting",
                "start": "2030-06-03 09:00:00",
                "stop": "2030-06-03 10:00:00",
                "user_id": user.id,
                "partner_ids": [(4, user.partner_id.id)],
                "online_meeting_provider": "google_meet",
                "google_meet_url": meet,
                "videocall_location": meet,  # as the sync stores it, for Odoo's invitations
            }
        )
        self.start_tour(
            f"/odoo/action-calendar.action_calendar_event/{event.id}",
            "calendar_cloud_sync_join_buttons",
            login=user.login,
        )
        self.assertEqual(event.online_meeting_provider, "none")
        self.assertFalse(event.google_meet_url)
        self.assertFalse(event.videocall_location, "no second copy of the removed link")

    def test_event_form_offers_the_odoo_meeting(self):
        user = new_test_user(
            self.env, "ccs_tour_odoo_meet", name="Inès Laurent", groups="base.group_user"
        )
        event = self.env["calendar.event"].create(
            {
                "name": "Tour Odoo meeting",
                "start": "2030-06-03 09:00:00",
                "stop": "2030-06-03 10:00:00",
                "user_id": user.id,
                "partner_ids": [(4, user.partner_id.id)],
            }
        )
        self.start_tour(
            f"/odoo/action-calendar.action_calendar_event/{event.id}",
            "calendar_cloud_sync_odoo_meeting",
            login=user.login,
        )
        self.assertEqual(event.online_meeting_provider, "odoo")
        self.assertEqual(event.videocall_source, "discuss")
        self.assertTrue(event.videocall_location.endswith(f"/{event.access_token}"))

    def test_quick_create_offers_the_same_meeting_choice(self):
        user = new_test_user(self.env, "ccs_tour_quick_meet", groups="base.group_user")
        self.start_tour(
            "/odoo/calendar", "calendar_cloud_sync_quick_create_meeting", login=user.login
        )
        event = self.env["calendar.event"].search([("name", "=", "Quick Odoo meeting")])
        self.assertEqual(event.online_meeting_provider, "odoo")
        self.assertEqual(event.videocall_source, "discuss")

    def test_event_form_says_outlook_keeps_its_teams_meeting(self):
        user = new_test_user(self.env, "ccs_tour_teams_kept", groups="base.group_user")
        teams = "https://teams.microsoft.com/l/meetup-join/tour-kept"
        event = self.env["calendar.event"].create(
            {
                "name": "Tour Teams meeting",
                "start": "2030-06-03 09:00:00",
                "stop": "2030-06-03 10:00:00",
                "user_id": user.id,
                "partner_ids": [(4, user.partner_id.id)],
                "online_meeting_provider": "teams",
                "teams_join_url": teams,
                "videocall_location": teams,
            }
        )
        account = self.env["calendar.sync.account"].create(
            {"user_id": user.id, "provider": "microsoft", "state": "connected"}
        )
        self.env["calendar.sync.binding"].create(
            {
                "account_id": account.id,
                "event_id": event.id,
                "external_id": "AAMkTourKept",
                "state": "synced",
            }
        )
        self.start_tour(
            f"/odoo/action-calendar.action_calendar_event/{event.id}",
            "calendar_cloud_sync_teams_kept",
            login=user.login,
        )

    def test_occurrence_shows_the_series_meet_and_its_sync_state(self):
        user = new_test_user(self.env, "ccs_tour_series", groups="base.group_user")
        meet = "https://meet.google.com/tour-series-abc"
        today = fields.Datetime.now().replace(hour=9, minute=0, second=0, microsecond=0)
        base = self.env["calendar.event"].create(
            {
                "name": "Weekly Meet",
                "start": today - timedelta(days=7),
                "stop": today - timedelta(days=7, hours=-1),
                "user_id": user.id,
                "partner_ids": [(4, user.partner_id.id)],
                "recurrency": True,
                "rrule_type": "weekly",
                ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[today.weekday()]: True,
                "end_type": "count",
                "count": 4,
                "online_meeting_provider": "google_meet",
                "google_meet_url": meet,
                "videocall_location": meet,
            }
        )
        occurrence = base.recurrence_id.calendar_event_ids.filtered(
            lambda e: e.start.date() == today.date()
        )
        self.assertFalse(occurrence.google_meet_url, "Odoo copies no link to occurrences")
        account = self.env["calendar.sync.account"].create(
            {"user_id": user.id, "provider": "google", "state": "connected"}
        )
        self.env["calendar.sync.binding"].create(
            {"account_id": account.id, "event_id": occurrence.id, "state": "synced"}
        )
        self.start_tour("/odoo/calendar", "calendar_cloud_sync_join_occurrence", login=user.login)

    def test_settings_store_a_secret_without_showing_it(self):
        self.start_tour(
            "/odoo/action-calendar.calendar_settings_action",
            "calendar_cloud_sync_settings",
            login="admin",
        )
        stored = self.env["ir.config_parameter"].get_param(
            "calendar_cloud_sync.google_client_secret"
        )
        self.assertNotIn("tour-google-secret", stored)
        creds = self.env["res.config.settings"]._get_credentials("google")
        self.assertEqual(creds["client_secret"], "tour-google-secret")
