"""Preferences as a user sees them: each connection's state in words, Sync now, Reconnect, and
the per-user defaults for new events (online meeting, private events) through real syncs."""

from datetime import datetime, timedelta

from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged

from .common import EmulatorMixin, JobRunnerMixin, SyncCaseMixin

START = (datetime.now() + timedelta(days=20)).replace(hour=14, minute=0, second=0, microsecond=0)


@tagged("post_install", "-at_install")
class TestPreferencesStatus(JobRunnerMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = new_test_user(cls.env, "ccs_polish_user", groups="base.group_user", lang="en_US")
        cls.other = new_test_user(cls.env, "ccs_polish_other", groups="base.group_user")
        cls.account = cls.env["calendar.sync.account"].create(
            {
                "user_id": cls.user.id,
                "provider": "google",
                "state": "connected",
                "remote_email": "ada@example.com",
                "remote_calendar_id": "primary",
                "remote_calendar_name": "Work",
                "last_pull_at": "2026-11-20 08:00:00",
                "last_push_at": "2026-11-20 09:30:00",
            }
        )
        cls.account._set_secret("token_data", {"refresh_token": "rt-polish"})

    def own_account(self):
        return self.account.with_user(self.user)

    def test_a_connected_account_says_where_and_how_it_syncs(self):
        account = self.own_account()
        self.assertEqual(
            account.status_text,
            "Connected to Google as ada@example.com — syncing both ways with 'Work'",
        )
        self.assertEqual(account.last_sync_at, datetime(2026, 11, 20, 9, 30))
        self.account.write({"direction": "odoo_to_remote"})
        self.assertEqual(
            account.status_text,
            "Connected to Google as ada@example.com — sending Odoo events to 'Work'",
        )

    def test_a_revoked_account_asks_to_reconnect_since_the_day_it_stopped(self):
        self.account.write({"state": "needs_reauth", "last_error_at": "2026-11-21 07:00:00"})
        self.assertEqual(
            self.own_account().status_text,
            "Needs you to reconnect: Google access was removed on 21 Nov",
        )
        action = self.own_account().action_reconnect()
        self.assertEqual(action["url"], "/calendar_cloud_sync/google/connect")
        with self.assertRaises(AccessError):
            self.account.with_user(self.env.ref("base.user_admin")).action_reconnect()

    def test_the_first_import_shows_its_progress(self):
        self.account.write({"last_pull_at": False})
        self.assertIn("Connected to Google", self.own_account().status_text)
        self.own_account().action_sync_now()
        self.account.invalidate_recordset(["status_text"])  # the form reads it again
        self.assertEqual(
            self.own_account().status_text, "Importing your calendar from ada@example.com…"
        )
        events = self.env["calendar.event"].create(
            [
                {
                    "name": f"Event {i}",
                    "start": START + timedelta(days=i),
                    "stop": START + timedelta(days=i, hours=1),
                    "user_id": self.user.id,
                }
                for i in range(5)
            ]
        )
        bindings = self.env["calendar.sync.binding"].search([("event_id", "in", events.ids)])
        self.assertEqual(len(bindings), 5)
        bindings[:2].write({"state": "synced"})
        self.account.invalidate_recordset(["status_text"])
        self.assertEqual(
            self.own_account().status_text, "Importing your calendar from ada@example.com… 40%"
        )

    def test_sync_now_is_the_own_users_button_only(self):
        Job = self.env["queue.job"]
        before = Job.search_count([])
        action = self.own_account().action_sync_now()
        self.assertEqual(
            action["params"]["message"], "Sync queued: Google \N{EN DASH} ada@example.com"
        )
        jobs = Job.search([], order="id desc", limit=Job.search_count([]) - before)
        self.assertEqual(sorted(jobs.mapped("method_name")), ["_job_pull", "_job_push"])
        with self.assertRaises(AccessError):
            self.account.with_user(self.other).action_sync_now()

    def test_preferences_are_the_users_own_to_read_and_write(self):
        me = self.env["res.users"].with_user(self.user).browse(self.user.id)
        me.write({"cloud_sync_default_meeting": "teams", "cloud_sync_private_events": "busy"})
        self.assertEqual(
            me.read(["cloud_sync_default_meeting", "cloud_sync_private_events"])[0],
            {
                "id": self.user.id,
                "cloud_sync_default_meeting": "teams",
                "cloud_sync_private_events": "busy",
            },
        )
        arch = me.get_views([(self.env.ref("base.view_users_form_simple_modif").id, "form")])
        form = arch["views"]["form"]["arch"]
        for name in ("status_text", "last_sync_at", "action_sync_now", "action_reconnect"):
            self.assertIn(f'name="{name}"', form)
        self.assertIn('name="cloud_sync_private_events"', form)


@tagged("post_install", "-at_install")
class TestDefaultMeeting(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.meet_user = new_test_user(cls.env, "ccs_meet_default", groups="base.group_user")
        cls.meet_user.cloud_sync_default_meeting = "google_meet"
        cls.plain_user = new_test_user(cls.env, "ccs_no_default", groups="base.group_user")

    def create_event(self, user, organizer, **values):
        return (
            self.env["calendar.event"]
            .with_user(user)
            .create(
                {
                    "name": "Review",
                    "start": START,
                    "stop": START + timedelta(hours=1),
                    "user_id": organizer.id,
                    **values,
                }
            )
        )

    def test_the_organizers_default_meeting_is_added_when_none_was_chosen(self):
        event = self.create_event(self.meet_user, self.meet_user)
        self.assertEqual(event.online_meeting_provider, "google_meet")
        # organized for them by someone else: still the organizer's default
        event = self.create_event(self.plain_user, self.meet_user)
        self.assertEqual(event.online_meeting_provider, "google_meet")
        defaults = (
            self.env["calendar.event"]
            .with_user(self.meet_user)
            .default_get(["online_meeting_provider", "user_id"])
        )
        self.assertEqual(defaults["online_meeting_provider"], "google_meet")

    def test_odoos_own_video_call_can_be_the_default(self):
        self.plain_user.cloud_sync_default_meeting = "odoo"
        event = self.create_event(self.plain_user, self.plain_user)
        self.assertEqual(event.online_meeting_provider, "odoo")
        self.assertEqual(event.videocall_source, "discuss")
        self.plain_user.cloud_sync_default_meeting = "none"

    def test_a_chosen_meeting_and_users_without_a_default_are_left_alone(self):
        event = self.create_event(self.meet_user, self.meet_user, online_meeting_provider="none")
        self.assertEqual(event.online_meeting_provider, "none")
        event = self.create_event(self.meet_user, self.plain_user)
        self.assertEqual(event.online_meeting_provider, "none")


@tagged("post_install", "-at_install")
class TestPrivateEvents(SyncCaseMixin, EmulatorMixin, JobRunnerMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ada = new_test_user(
            cls.env, "ccs_private_ada", groups="base.group_user", email="ada@example.com"
        )
        cls.bob = cls.env["res.partner"].create({"name": "Bob", "email": "bob@example.com"})

    def setUp(self):
        super().setUp()
        self.google = self.emulator.providers["google"]
        self.account = self.connect(self.ada, "ada@example.com")

    def private_event(self):
        event = self.new_event(
            self.ada,
            START,
            name="Doctor",
            description="Check-up results",
            location="Clinic",
            privacy="private",
            partner_ids=[(6, 0, (self.ada.partner_id | self.bob).ids)],
        )
        self.run_jobs()
        return event

    def test_private_events_are_synced_by_default(self):
        self.private_event()
        [remote] = self.google.events_of("ada@example.com")
        self.assertEqual(remote["summary"], "Doctor")
        self.assertEqual(remote["visibility"], "private")
        self.assertIn("bob@example.com", [a["email"] for a in remote["attendees"]])

    def test_busy_only_sends_a_busy_block_without_details(self):
        self.ada.cloud_sync_private_events = "busy"
        event = self.private_event()
        public = self.new_event(self.ada, START + timedelta(days=1), name="Standup")
        self.run_jobs()
        remotes = {r["summary"]: r for r in self.google.events_of("ada@example.com")}
        self.assertEqual(set(remotes), {"Busy", "Standup"})
        busy = remotes["Busy"]
        self.assertNotIn("Check-up", busy.get("description") or "")
        self.assertFalse(busy.get("location"))
        self.assertFalse(busy.get("attendees"))
        self.assertNotEqual(busy.get("transparency"), "transparent")
        # pulling the block back changes nothing in Odoo, and sends nothing again
        self.pull()
        self.assertEqual(event.name, "Doctor")
        self.assertIn("Check-up results", event.description)
        self.assertEqual(public.name, "Standup")
        self.assertEqual(self.binding(event).state, "synced")

    def test_dont_sync_keeps_private_events_off_the_calendar(self):
        self.ada.cloud_sync_private_events = "skip"
        event = self.private_event()
        self.new_event(self.ada, START + timedelta(days=1), name="Standup")
        self.run_jobs()
        self.assertEqual(
            [r["summary"] for r in self.google.events_of("ada@example.com")], ["Standup"]
        )
        self.assertFalse(self.binding(event))
