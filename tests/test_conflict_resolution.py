"""Resolving sync conflicts field by field: real conflicts made through the emulator, resolved
as the user would, and what reaches the provider and Odoo afterwards."""

import dataclasses
import zoneinfo
from datetime import UTC, datetime, timedelta

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged

from ..models.calendar_sync_conflict_resolve import _merged_units
from ..services.neutral import NeutralEvent
from .common import EmulatorMixin, JobRunnerMixin, ScreenshotMixin, SyncCaseMixin
from .test_sync_google import START, GoogleSyncCase
from .test_sync_microsoft import MicrosoftSyncCase

ALICE = "alice@example.com"


class ConflictCaseMixin:
    def make_conflict(self, event=None, remote=None, local=None):
        """Alice's event, synced, then edited at Google and in Odoo before the next sync."""
        event = event or self.new_event(description="Agenda", location="Room 1")
        self.run_jobs()
        self.google.change_event(
            ALICE,
            self.binding(event).external_id,
            remote or {"summary": "Theirs", "location": "Room 9", "description": "From Google"},
        )
        event.write(local or {"name": "Ours", "location": "Room 2"})
        self.run_jobs()  # the push meets 412 and records the conflict
        conflict = self.env["calendar.sync.conflict"].search([("event_id", "=", event.id)])
        self.assertEqual(conflict.state, "open")
        self.emulator.stats.clear()
        self.emulator.operations.clear()
        return event, conflict.with_user(self.alice)

    def sent(self):
        """Changes that reached Google since the conflict, batched or not."""
        return sum(
            self.emulator.count("google", name, operations=True)
            for name in ("events.insert", "events.patch", "events.update", "events.delete")
        )

    @staticmethod
    def line(conflict, unit):
        return conflict.line_ids.filtered(lambda line: line.field_name == unit)


@tagged("post_install", "-at_install")
class TestConflictResolution(ConflictCaseMixin, GoogleSyncCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bob = new_test_user(cls.env, "ccs_conflict_bob", groups="base.group_user")
        cls.admin = cls.env.ref("base.user_admin")

    def remote(self):
        [remote] = self.remote_events()
        return remote["summary"], remote.get("location"), remote.get("description")

    def test_the_conflict_shows_each_side_and_what_was_merged(self):
        event, conflict = self.make_conflict()
        self.assertEqual(sorted(conflict.line_ids.mapped("field_name")), ["location", "title"])
        title = self.line(conflict, "title")
        self.assertEqual(title.field_label, "Title")
        self.assertIn("Planning", title.base_display)
        self.assertIn("Ours", title.odoo_display)
        self.assertIn("Theirs", title.remote_display)
        self.assertEqual(conflict.field_summary, "Title, Location")
        self.assertEqual(conflict.provider_label, "Google")
        # the description changed at Google only: merged into Odoo, listed as information
        self.assertIn("From Google", event.description)
        self.assertIn("Description", conflict.merged_html)
        self.assertIn("From Google", conflict.merged_html)
        self.assertEqual(event.cloud_sync_state, "conflict")

    def test_merged_list_names_only_changes_odoo_really_took(self):
        """The provider's copy words some fields in a way Odoo cannot hold (a Teams meeting on
        a Google event, another organizer): that is no change of either side. A description
        changed at Google and taken by Odoo is one, shown with the value Odoo now holds."""
        teams = "https://teams.microsoft.com/l/meetup-join/abc"
        base = NeutralEvent(
            title="Planning",
            start=START.replace(tzinfo=UTC),
            end=(START + timedelta(hours=1)).replace(tzinfo=UTC),
            all_day=False,
            timezone="Europe/Brussels",
            description="Agenda",
            organizer_email=ALICE,
            online_meeting_provider="teams",
            online_meeting_url=teams,
        )
        odoo = dataclasses.replace(base, title="Ours", description="From Google", location="R2")
        remote = dataclasses.replace(
            base,
            title="Theirs",
            description="From Google",
            organizer_email="calendar-owner@example.com",
            online_meeting_provider="none",
            online_meeting_url="",
        )
        units = _merged_units(base, odoo, remote, {"title": ("Planning", "Ours", "Theirs")})
        self.assertEqual(
            units,
            [{"unit": "description", "side": "remote"}, {"unit": "location", "side": "odoo"}],
        )

    def test_times_are_shown_in_the_users_time_zone(self):
        moved = START + timedelta(hours=2)
        _event, conflict = self.make_conflict(
            remote={
                "start": {"dateTime": f"{moved.isoformat()}Z", "timeZone": "Europe/Brussels"},
                "end": {
                    "dateTime": f"{(moved + timedelta(hours=1)).isoformat()}Z",
                    "timeZone": "Europe/Brussels",
                },
            },
            local={"start": START + timedelta(hours=4), "stop": START + timedelta(hours=5)},
        )
        when = self.line(conflict, "when")
        local = moved.replace(tzinfo=UTC).astimezone(zoneinfo.ZoneInfo("Europe/Brussels"))
        self.assertIn(f"{local.hour % 12 or 12}:00", when.remote_display)
        self.assertIn(local.strftime("%B"), when.remote_display)
        self.assertIn("time zone: Europe/Brussels", when.remote_display)
        self.assertNotIn("T0", when.remote_display, "no raw ISO timestamps")

    def test_taking_odoo_for_one_field_and_google_for_another_costs_one_write(self):
        event, conflict = self.make_conflict()
        self.line(conflict, "title").action_choose_odoo()
        self.line(conflict, "location").action_choose_remote()
        conflict.action_apply()
        self.assertEqual((conflict.state, conflict.resolved_by), ("resolved", self.alice))
        self.assertEqual((event.name, event.location), ("Ours", "Room 9"))
        self.run_jobs()
        self.assertEqual(self.remote(), ("Ours", "Room 9", "From Google"))
        self.assertEqual(self.sent(), 1)
        self.assertEqual(self.binding(event).state, "synced")
        self.assertEqual(event.cloud_sync_state, "synced")

    def test_taking_google_for_one_field_and_odoo_for_another(self):
        event, conflict = self.make_conflict()
        self.line(conflict, "title").action_choose_remote()
        self.line(conflict, "location").action_choose_odoo()
        conflict.action_apply()
        self.run_jobs()
        self.assertEqual(self.remote(), ("Theirs", "Room 2", "From Google"))
        self.assertEqual((event.name, event.location), ("Theirs", "Room 2"))
        self.assertEqual(self.sent(), 1)

    def test_keep_all_odoo_sends_odoos_version(self):
        event, conflict = self.make_conflict()
        conflict.action_keep_all_odoo()
        self.run_jobs()
        self.assertEqual(self.remote(), ("Ours", "Room 2", "From Google"))
        self.assertEqual(self.sent(), 1)
        self.assertEqual(self.binding(event).state, "synced")

    def test_keep_all_google_writes_odoo_and_sends_nothing(self):
        event, conflict = self.make_conflict()
        conflict.with_user(self.admin).action_keep_all_remote()
        self.assertEqual(conflict.resolved_by, self.admin)
        self.assertEqual((event.name, event.location), ("Theirs", "Room 9"))
        self.run_jobs()
        self.assertEqual(self.remote(), ("Theirs", "Room 9", "From Google"))
        self.assertEqual(self.sent(), 0, "Google already holds the result")
        self.assertEqual(self.binding(event).state, "synced")

    def test_keep_all_google_does_not_send_back_what_odoo_words_differently(self):
        guests = [
            {"email": ALICE, "responseStatus": "accepted"},
            {"email": "carol@example.com", "optional": True},
        ]
        event, conflict = self.make_conflict(
            remote={"summary": "Theirs", "attendees": guests}, local={"name": "Ours"}
        )
        self.assertEqual(conflict.line_ids.mapped("field_name"), ["title"])
        conflict.action_keep_all_remote()
        self.run_jobs()
        self.assertEqual(event.name, "Theirs")
        self.assertEqual(self.sent(), 0, "Odoo cannot mark Carol optional: not a change")
        [remote] = self.remote_events()
        carol = [a for a in remote["attendees"] if a["email"] == "carol@example.com"]
        self.assertTrue(carol[0].get("optional"))

    def test_applying_without_a_choice_for_every_field_is_refused(self):
        event, conflict = self.make_conflict()
        self.line(conflict, "title").action_choose_remote()
        with self.assertRaisesRegex(UserError, "Location"):
            conflict.action_apply()
        self.assertEqual(conflict.state, "open")
        self.assertEqual(event.name, "Ours")
        self.run_jobs()
        self.assertEqual(self.sent(), 0)

    def test_another_user_cannot_resolve(self):
        event, conflict = self.make_conflict()
        for action in (
            lambda c: c.action_apply(),
            lambda c: c.action_keep_all_remote(),
            lambda c: c.line_ids[0].action_choose_remote(),
        ):
            with self.assertRaises(AccessError):
                action(conflict.with_user(self.bob))
        with self.assertRaises(UserError):
            event.with_user(self.bob).action_open_sync_conflict()
        self.assertEqual(conflict.state, "open")
        self.assertFalse(conflict.line_ids.filtered("choice"))

    def test_the_owner_gets_a_to_do_closed_by_the_resolution(self):
        event, conflict = self.make_conflict()
        activity = conflict.activity_ids
        self.assertEqual(activity.user_id, self.alice)
        self.assertEqual(activity.activity_type_id, self.env.ref("mail.mail_activity_data_todo"))
        action = event.with_user(self.alice).action_open_sync_conflict()
        self.assertEqual((action["res_model"], action["res_id"]), (conflict._name, conflict.id))
        conflict.action_keep_all_odoo()
        self.assertFalse(conflict.activity_ids)
        self.assertIn("Title: Odoo; Location: Odoo", conflict.message_ids[0].body)
        with self.assertRaises(UserError):
            conflict.action_keep_all_remote()

    def test_a_new_google_edit_updates_the_open_conflict(self):
        event, conflict = self.make_conflict()
        self.google.change_event(
            ALICE, self.binding(event).external_id, {"summary": "Theirs again"}
        )
        self.pull()
        self.assertEqual(
            self.env["calendar.sync.conflict"].search([("event_id", "=", event.id)]), conflict
        )
        self.assertIn("Theirs again", self.line(conflict, "title").remote_display)
        self.assertEqual(len(conflict.activity_ids), 1)
        conflict.action_keep_all_remote()
        self.run_jobs()
        self.assertEqual(event.name, "Theirs again")
        self.assertEqual(self.remote()[0], "Theirs again")
        self.assertEqual(self.sent(), 0)

    def test_an_odoo_edit_while_open_is_held_then_kept(self):
        event, conflict = self.make_conflict()
        event.write({"name": "Ours, edited again"})
        self.run_jobs()
        self.assertEqual(self.sent(), 0, "pushes wait for the resolution")
        self.assertIn("Ours, edited again", self.line(conflict, "title").odoo_display)
        conflict.action_keep_all_odoo()
        self.run_jobs()
        self.assertEqual(self.remote()[:2], ("Ours, edited again", "Room 2"))

    def test_a_google_change_after_the_conflict_goes_through_the_normal_merge(self):
        event, conflict = self.make_conflict()
        conflict.action_keep_all_odoo()
        # changed at Google after the conflict, before the push: the push meets 412
        self.google.change_event(ALICE, self.binding(event).external_id, {"description": "Later"})
        self.run_jobs()
        self.assertEqual(self.remote(), ("Ours", "Room 2", "Later"))
        self.assertIn("Later", event.description)
        self.assertEqual(self.binding(event).state, "synced")
        self.assertEqual(self.env["calendar.sync.conflict"].search_count([]), 1)

    def test_a_later_sync_that_settles_the_conflict_closes_it(self):
        event, conflict = self.make_conflict()
        # Google's user undoes the edits: only Odoo's changes remain, nothing to choose
        self.google.change_event(
            ALICE, self.binding(event).external_id, {"summary": "Planning", "location": "Room 1"}
        )
        self.pull()
        self.assertEqual((conflict.state, conflict.resolved_by.id), ("resolved", False))
        self.assertFalse(conflict.activity_ids)
        self.assertEqual(self.remote()[:2], ("Ours", "Room 2"))

    def test_attendees_in_conflict_are_shown_and_taken_per_attendee(self):
        bob = self.env["res.partner"].create({"name": "Bob Guest", "email": "bob@example.com"})
        event = self.new_event(partner_ids=[(6, 0, (self.alice.partner_id | bob).ids)])
        self.run_jobs()
        external_id = self.binding(event).external_id
        attendees = [
            dict(a, responseStatus="accepted") if a["email"] == "bob@example.com" else a
            for a in self.google.event_of(ALICE, external_id)["attendees"]
        ]
        # Bob accepts in his calendar while Alice removes him in Odoo
        _event, conflict = self.make_conflict(
            event, remote={"attendees": attendees}, local={"partner_ids": [(3, bob.id)]}
        )
        line = self.line(conflict, "attendees")
        self.assertIn("bob@example.com: not invited", line.odoo_display)
        self.assertIn("Bob Guest &lt;bob@example.com&gt; (accepted)", line.remote_display)
        self.assertIn("(no answer yet)", line.base_display)
        self.assertNotIn(ALICE, conflict.merged_html or "", "the organizer did not change")
        conflict.action_keep_all_remote()
        bob_attendee = event.attendee_ids.filtered(lambda a: a.partner_id == bob)
        self.assertEqual(bob_attendee.state, "accepted")
        self.assertIn(self.alice.partner_id, event.partner_ids)
        self.run_jobs()
        self.assertEqual(self.sent(), 0)

    def test_deleting_the_event_removes_its_conflict_and_to_do(self):
        event, conflict = self.make_conflict()
        activity = conflict.activity_ids
        event.unlink()
        self.assertFalse(conflict.exists())
        self.assertFalse(activity.exists())


@tagged("post_install", "-at_install")
class TestConflictResolutionMicrosoft(MicrosoftSyncCase):
    def test_keep_all_outlook(self):
        event = self.new_event()
        self.run_jobs()
        self.graph(
            "PATCH", f"/me/events/{self.binding(event).external_id}", json={"subject": "Theirs"}
        )
        event.write({"name": "Ours"})
        self.run_jobs()
        conflict = self.env["calendar.sync.conflict"].search([("event_id", "=", event.id)])
        self.assertEqual(conflict.provider_label, "Outlook")
        conflict.with_user(self.alice).action_keep_all_remote()
        self.run_jobs()
        self.assertEqual(event.name, "Theirs")
        self.assertEqual(self.outlook_events()[0]["subject"], "Theirs")
        self.assertEqual(self.binding(event).state, "synced")


@tagged("post_install", "-at_install")
class TestConflictTour(
    ScreenshotMixin, ConflictCaseMixin, SyncCaseMixin, EmulatorMixin, JobRunnerMixin, HttpCase
):
    def setUp(self):
        super().setUp()
        self.alice = new_test_user(
            self.env,
            "ccs_conflict_tour",
            name="Alice Martin",
            groups="base.group_user",
            email=ALICE,
            tz="Europe/Brussels",
        )
        self.google = self.emulator.providers["google"]
        self.account = self.connect(self.alice, ALICE)

    def test_resolve_a_conflict_field_by_field_from_the_calendar(self):
        # today, so the calendar's default week shows it
        start = datetime.now().replace(hour=12, minute=0, second=0, microsecond=0)
        event = self.new_event(
            self.alice, start, name="Budget", location="Room 1", description="Agenda"
        )
        event, conflict = self.make_conflict(
            event,
            remote={"summary": "Budget meeting", "location": "Room 9", "description": "Notes"},
            local={"name": "Budget review", "location": "Room 2"},
        )
        self.start_tour("/odoo/calendar", "calendar_cloud_sync_conflict", login=self.alice.login)
        self.assertEqual(conflict.state, "resolved")
        self.run_jobs()
        [remote] = self.google.events_of(ALICE)
        self.assertEqual((remote["summary"], remote["location"]), ("Budget review", "Room 9"))
        self.assertEqual((event.name, event.location), ("Budget review", "Room 9"))
        self.assertEqual(self.sent(), 1)
        # the event form's busy bar asks Google's free/busy when it opens: not the resolution's
        sent = {k: v for k, v in self.emulator.stats.items() if k != "google:freebusy.query"}
        self.assertEqual(sent, {"google:batch": 1}, "one request, no reads")
        self.assertEqual(event.cloud_sync_state, "synced")
