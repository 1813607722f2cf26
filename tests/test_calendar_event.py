from odoo.exceptions import UserError
from odoo.tests import Form, TransactionCase, new_test_user, tagged


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


@tagged("post_install", "-at_install")
class TestOdooMeeting(TransactionCase):
    """Odoo's own video call (Discuss) is one of the meeting choices, like Meet and Teams."""

    def new_event(self, **values):
        return self.env["calendar.event"].create(
            {"name": "Sprint review", "start": "2030-05-06 09:00:00", "stop": "2030-05-06 10:00:00"}
            | values
        )

    def test_the_odoo_choice_gives_the_event_its_discuss_link(self):
        event = self.new_event(online_meeting_provider="odoo")
        self.assertEqual(event.videocall_source, "discuss")
        self.assertTrue(event.videocall_location.endswith(f"/{event.access_token}"))
        other = self.new_event()
        other.write({"online_meeting_provider": "odoo"})
        self.assertEqual(other.videocall_source, "discuss")

    def test_choosing_none_or_another_meeting_removes_the_discuss_link(self):
        event = self.new_event(online_meeting_provider="odoo")
        event.write({"online_meeting_provider": "none"})
        self.assertFalse(event.videocall_location)
        event.write({"online_meeting_provider": "odoo"})
        event.write({"online_meeting_provider": "google_meet"})
        self.assertFalse(event.videocall_location, "the Meet link comes with the sync")

    def test_odoos_own_discuss_link_is_the_odoo_choice(self):
        # Odoo's calendar sets a Discuss link by itself (its "Odoo meeting" button)
        event = self.new_event()
        event.write({"videocall_location": event.get_discuss_videocall_location()})
        self.assertEqual(event.online_meeting_provider, "odoo")
        event.write({"videocall_location": False})
        self.assertEqual(event.online_meeting_provider, "none")

    def test_the_form_offers_odoo_and_sets_the_link_at_once(self):
        with Form(self.env["calendar.event"]) as form:
            form.name = "Sprint review"
            form.online_meeting_provider = "odoo"
            self.assertIn("/calendar/join_videocall/", form.videocall_location)
            form.online_meeting_provider = "none"
            self.assertFalse(form.videocall_location)
            form.online_meeting_provider = "odoo"
        event = form.record
        self.assertEqual(event.online_meeting_provider, "odoo")
        self.assertTrue(event.videocall_location.endswith(f"/{event.access_token}"))

    def test_the_calendars_quick_create_dialog_offers_the_same_choice(self):
        quick = "calendar.view_calendar_event_form_quick_create"
        with Form(self.env["calendar.event"], view=quick) as form:
            form.name = "Stand-up"
            form.online_meeting_provider = "odoo"
            self.assertIn("/calendar/join_videocall/", form.videocall_location)
        self.assertEqual(form.record.videocall_source, "discuss")
        with Form(self.env["calendar.event"], view=quick) as form:
            form.name = "Client call"
            form.online_meeting_provider = "google_meet"
        self.assertEqual(form.record.online_meeting_provider, "google_meet")

    def test_the_odoo_meeting_is_no_provider_meeting(self):
        event = self.new_event(online_meeting_provider="odoo")
        neutral = event._ccs_to_neutral()
        self.assertEqual(neutral.online_meeting_provider, "none")
        self.assertEqual(neutral.online_meeting_url, "")
