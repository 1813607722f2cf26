"""Busy mirroring rules in Preferences (a Chromium tour) and what the Preferences path lets a
user write: their own rules between their own calendars, nothing of another user's."""

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import ScreenshotMixin


@tagged("post_install", "-at_install")
class TestMirrorPreferences(ScreenshotMixin, HttpCase):
    def setUp(self):
        super().setUp()
        self.user = new_test_user(self.env, "ccs_tour_mirror", groups="base.group_user")
        self.other = new_test_user(self.env, "ccs_mirror_other", groups="base.group_user")
        self.work, self.team, self.boss = self.calendars(self.user, "tour@example.com")
        self.others_work = self.calendars(self.other, "other@example.com")[0]

    def calendars(self, user, email):
        account = self.env["calendar.sync.account"].create(
            {
                "user_id": user.id,
                "provider": "google",
                "state": "connected",
                "remote_email": email,
                "remote_calendar_id": email,
                "remote_calendar_name": "Work calendar",
            }
        )
        Calendar = self.env["calendar.sync.calendar"].sudo()
        return [
            Calendar.create(
                {
                    "account_id": account.id,
                    "remote_id": remote_id,
                    "name": name,
                    "mode": mode,
                    "access": access,
                }
            )
            for remote_id, name, mode, access in (
                (email, "Work calendar", "two_way", "owner"),
                (f"team-{email}", "Team calendar", "off", "writer"),
                (f"boss-{email}", "Boss", "off", "reader"),
            )
        ]

    def test_a_user_adds_a_rule_in_preferences(self):
        self.start_tour("/odoo", "calendar_cloud_sync_busy_mirroring", login=self.user.login)
        rule = self.env["calendar.sync.mirror"].search([("user_id", "=", self.user.id)])
        self.assertEqual(
            (rule.source, rule.target_calendar_id, rule.privacy), ("odoo", self.team, "title")
        )
        job = self.env["queue.job"].search(
            [("identity_key", "=", f"calendar_cloud_sync-mirror-{rule.id}")]
        )
        self.assertEqual(job.method_name, "_job_mirror", "the new rule runs at once")

    def test_preferences_write_only_the_users_own_calendars(self):
        me = self.user.with_user(self.user)
        me.write({"cloud_sync_mirror_ids": [Command.create({"target_calendar_id": self.team.id})]})
        self.assertEqual(me.cloud_sync_mirror_ids.target_calendar_id, self.team)
        for target in (self.boss, self.others_work):
            with self.assertRaises(ValidationError):
                me.write(
                    {"cloud_sync_mirror_ids": [Command.create({"target_calendar_id": target.id})]}
                )
        with self.assertRaises(ValidationError):
            me.write(
                {
                    "cloud_sync_mirror_ids": [
                        Command.create(
                            {
                                "source": "calendar",
                                "source_calendar_id": self.others_work.id,
                                "target_calendar_id": self.team.id,
                            }
                        )
                    ]
                }
            )
