from odoo.exceptions import UserError
from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestJoinButtons(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = new_test_user(cls.env, "ccs_join_user", groups="base.group_user")
        cls.event = cls.env["calendar.event"].create(
            {
                "name": "Weekly",
                "start": "2030-05-06 09:00:00",
                "stop": "2030-05-06 10:00:00",
                "partner_ids": [(4, cls.user.partner_id.id)],
            }
        )

    def test_join_actions_open_the_meeting_link(self):
        self.event.write(
            {
                "online_meeting_provider": "google_meet",
                "google_meet_url": "https://meet.google.com/abc-defg-hij",
            }
        )
        event = self.event.with_user(self.user)
        self.assertEqual(
            event.action_join_google_meet(),
            {
                "type": "ir.actions.act_url",
                "url": "https://meet.google.com/abc-defg-hij",
                "target": "new",
            },
        )
        teams = "https://teams.microsoft.com/l/meetup-join/19%3ameeting"
        self.event.write({"online_meeting_provider": "teams", "teams_join_url": teams})
        self.assertEqual(event.action_join_teams_meeting()["url"], teams)
        self.assertFalse(self.event.google_meet_url, "one meeting: the Meet link went")
        with self.assertRaises(UserError):
            event.action_join_google_meet()

    def test_join_without_a_link_says_so(self):
        with self.assertRaises(UserError):
            self.event.action_join_teams_meeting()

    def test_event_form_shows_join_buttons_only_with_a_link(self):
        arch = self.env["calendar.event"].with_user(self.user).get_views([(False, "form")])
        form = arch["views"]["form"]["arch"]
        self.assertIn('name="action_join_google_meet"', form)
        self.assertIn('name="action_join_teams_meeting"', form)
        self.assertIn('invisible="not google_meet_join_url"', form)
        self.assertIn('invisible="not teams_meeting_join_url"', form)
        self.assertIn('name="online_meeting_provider"', form)
        list_arch = self.env["calendar.event"].get_views([(False, "list")])["views"]["list"]
        self.assertIn('name="cloud_sync_state"', list_arch["arch"])

    def test_links_are_not_copied(self):
        self.event.write({"google_meet_url": "https://meet.google.com/x", "sync_origin": "google"})
        copy = self.event.copy()
        self.assertFalse(copy.google_meet_url)
        self.assertEqual(copy.sync_origin, "odoo")
