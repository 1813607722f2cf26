"""The event form's busy bar (issue 13 item 5): each attendee's busy time for the day from
Odoo and from their connected calendars, through the emulator; times only, never titles;
the edited event left out; a provider down said; one free/busy request per connected
account for all attendees, none when asked again within seconds."""

import json
from datetime import timedelta

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import ScreenshotMixin
from .test_availability import MONDAY, AvailabilityCase, at, utc

BOB = "bob@example.com"


@tagged("post_install", "-at_install")
class TestAttendeeBusy(AvailabilityCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bob = new_test_user(cls.env, "ccs_bob_bar", groups="base.group_user", tz="UTC")
        cls.carol = cls.env["res.partner"].create({"name": "Carol", "email": "carol@example.com"})

    def setUp(self):
        super().setUp()
        self.bob_account = self.connect(self.bob, BOB, provider="microsoft")
        self.microsoft = self.emulator.providers["microsoft"]
        # the meeting Ada is planning, 10:00-11:00, with Bob and Carol
        self.meeting = self.new_event(
            self.user,
            at(10),
            name="Roadmap",
            partner_ids=[
                Command.set([self.user.partner_id.id, self.bob.partner_id.id, self.carol.id])
            ],
        )

    def outlook_busy(self, hour, minute=0, minutes=30):
        start = at(hour, minute)
        self.microsoft.put_event(
            BOB,
            {
                "subject": "Bob's dentist",
                "start": {"dateTime": start.isoformat(), "timeZone": "UTC"},
                "end": {
                    "dateTime": (start + timedelta(minutes=minutes)).isoformat(),
                    "timeZone": "UTC",
                },
            },
        )

    def bar(self, event=None, user=None, partners=None):
        partners = partners or [self.user.partner_id, self.bob.partner_id, self.carol]
        return (
            self.env["calendar.sync.availability"]
            .with_user(user or self.user)
            .attendee_busy(
                [p.id for p in partners],
                utc(MONDAY),
                utc(MONDAY + timedelta(days=1)),
                (self.meeting if event is None else event).id,
            )
        )

    def busy_of(self, answer):
        return {
            row["name"]: [(b["start"][11:16], b["end"][11:16], b["source"]) for b in row["busy"]]
            for row in answer["attendees"]
        }

    def test_each_attendee_busy_time_from_odoo_and_their_calendars(self):
        self.google_busy(10, 30)
        self.outlook_busy(9, 30, minutes=45)
        # Carol, who is no user, attends another Odoo meeting; Bob declined one
        self.env["calendar.event"].create(
            {
                "name": "Carol's secret interview",
                "start": at(10),
                "stop": at(10, 30),
                "privacy": "private",
                "partner_ids": [Command.set([self.carol.id])],
            }
        )
        declined = self.new_event(
            self.bob, at(15), partner_ids=[Command.set([self.bob.partner_id.id])]
        )
        declined.attendee_ids.write({"state": "declined"})

        answer = self.bar()
        self.assertEqual(
            self.busy_of(answer),
            {
                self.user.partner_id.display_name: [("10:30", "11:00", "google")],
                self.bob.partner_id.display_name: [("09:30", "10:15", "microsoft")],
                "Carol": [("10:00", "10:30", "odoo")],
            },
        )
        self.assertFalse(answer["degraded"])
        self.assertEqual([row["odoo_only"] for row in answer["attendees"]], [False, False, True])
        # times only: nobody's titles travel to the form
        text = json.dumps(answer)
        for title in ("At Google", "Bob's dentist", "Carol's secret", "Roadmap"):
            self.assertNotIn(title, text)
        # one free/busy request per connected account for all attendees, then the cache
        self.assertEqual(self.emulator.count("google", "freebusy.query"), 1)
        self.assertEqual(self.emulator.count("microsoft", "calendar.getSchedule"), 1)
        self.assertEqual(self.bar(), answer)
        self.assertEqual(self.emulator.count("google", "freebusy.query"), 1)
        self.assertEqual(self.emulator.count("microsoft", "calendar.getSchedule"), 1)

    def test_the_edited_event_is_not_its_own_conflict(self):
        # the meeting reaches Ada's Google calendar; it keeps its slot there until saved
        self.run_jobs()
        self.assertTrue(self.binding(self.meeting).external_id)
        self.google_busy(11)
        ada = self.user.partner_id.display_name
        self.assertEqual(self.busy_of(self.bar())[ada], [("11:00", "11:30", "google")])
        # for another event of the day, the meeting is busy time on both sides
        other = self.new_event(self.user, at(13), partner_ids=[Command.set([self.carol.id])])
        self.assertEqual(
            self.busy_of(self.bar(event=other))[ada],
            [("10:00", "11:00", "odoo"), ("10:00", "11:30", "google")],
        )
        # a new event, not saved yet (no id): every saved event is busy time
        new = self.busy_of(self.bar(event=self.env["calendar.event"]))
        self.assertEqual(new[ada], [("10:00", "11:00", "odoo"), ("10:00", "11:30", "google")])

    def test_a_provider_down_is_said_and_odoo_still_answers(self):
        self.new_event(self.bob, at(14), partner_ids=[Command.set([self.bob.partner_id.id])])
        self.outlook_busy(9)
        self.emulator.add_fault("microsoft", "calendar.getSchedule", status=503, times=5)
        answer = self.bar()
        self.assertTrue(answer["degraded"])
        bob = answer["attendees"][1]
        self.assertEqual(bob["down"], ["microsoft"])
        self.assertEqual(self.busy_of(answer)[bob["name"]], [("14:00", "15:00", "odoo")])
        self.assertEqual(answer["attendees"][0]["down"], [])

    def test_the_queries_do_not_grow_with_the_attendees(self):
        def queries(partners):
            self.bar(partners=partners)  # the providers' answers are then kept
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            self.bar(partners=partners)
            return self.env.cr.sql_log_count - before

        guests = self.env["res.partner"].create([{"name": f"Guest {i}"} for i in range(12)])
        for guest in guests:
            self.new_event(self.bob, at(9), partner_ids=[Command.set([guest.id])])
        few = queries(self.user.partner_id + self.bob.partner_id + guests[:1])
        many = queries(self.user.partner_id + self.bob.partner_id + guests)
        self.assertEqual(few, many)

    def test_portal_users_get_nothing(self):
        portal = new_test_user(self.env, "ccs_portal_bar", groups="base.group_portal")
        with self.assertRaises(AccessError):
            self.bar(user=portal, partners=[portal.partner_id])


@tagged("post_install", "-at_install")
class TestAttendeeBusyTour(ScreenshotMixin, AvailabilityCase):
    def test_the_form_shows_a_conflict_then_the_moved_event_free(self):
        self.user.partner_id.name = "Ada Lovelace"
        bob = new_test_user(self.env, "ccs_bob_tour", name="Bob Martin", groups="base.group_user")
        self.connect(bob, BOB, provider="microsoft")
        carol = self.env["res.partner"].create({"name": "Carol Diaz"})
        # Dan removed the app's access at Google: his calendar cannot be asked
        dan = new_test_user(self.env, "ccs_dan_tour", name="Dan Ng", groups="base.group_user")
        self.connect(dan, "dan@example.com")
        self.google.revoke_refresh_tokens("dan@example.com")
        self.emulator.providers["microsoft"].put_event(
            BOB,
            {
                "subject": "Bob's dentist",
                "start": {"dateTime": at(8, 30).isoformat(), "timeZone": "UTC"},
                "end": {"dateTime": at(9, 30).isoformat(), "timeZone": "UTC"},
            },
        )
        self.google_busy(10, 30)
        self.new_event(bob, at(12), name="Lunch", partner_ids=[Command.set([carol.id])])
        meeting = self.new_event(
            self.user,
            at(10),
            name="Roadmap",
            partner_ids=[
                Command.set(
                    [self.user.partner_id.id, bob.partner_id.id, carol.id, dan.partner_id.id]
                )
            ],
        )
        self.start_tour(
            f"/odoo/action-calendar.action_calendar_event/{meeting.id}",
            "calendar_cloud_sync_attendee_busy",
            login=self.user.login,
        )
        # the tour did not save: the meeting keeps its time
        self.assertEqual(meeting.start, at(10))
