"""Two-way sync with Google Calendar through real jobs and real HTTP to the emulator."""

from datetime import datetime, timedelta

from odoo.tests import TransactionCase, new_test_user, tagged

from .common import EmulatorMixin, JobRunnerMixin, SyncCaseMixin

# inside the default sync window (a year back, two ahead), on a whole hour
START = (datetime.now() + timedelta(days=30)).replace(hour=9, minute=0, second=0, microsecond=0)
DAY = START.date()


class GoogleSyncCase(SyncCaseMixin, EmulatorMixin, JobRunnerMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alice = new_test_user(
            cls.env,
            "ccs_alice",
            groups="base.group_user",
            email="alice@example.com",
            tz="Europe/Brussels",
        )

    def setUp(self):
        super().setUp()
        self.google = self.emulator.providers["google"]
        self.account = self.connect(self.alice, "alice@example.com")

    def new_event(self, user=None, **values):
        values.setdefault("start", START)
        values.setdefault("stop", values["start"] + timedelta(hours=1))
        return super().new_event(user or self.alice, values.pop("start"), **values)

    def remote_events(self, email="alice@example.com"):
        return self.google.events_of(email)

    def writes(self):
        """API calls that change something at Google (inserts, patches, deletes, batches)."""
        return sum(
            self.emulator.count("google", name)
            for name in ("events.insert", "events.patch", "events.update", "events.delete", "batch")
        )


@tagged("post_install", "-at_install")
class TestPushGoogle(GoogleSyncCase):
    def test_an_odoo_event_reaches_google_once(self):
        event = self.new_event(description="Agenda", location="Room 1")
        self.run_jobs()
        [remote] = self.remote_events()
        self.assertEqual(remote["summary"], "Planning")
        self.assertEqual(remote["location"], "Room 1")
        self.assertEqual(remote["start"]["timeZone"], "Europe/Brussels")
        binding = self.binding(event)
        self.assertEqual((binding.state, binding.external_id), ("synced", remote["id"]))
        self.assertEqual(event.cloud_sync_state, "synced")

    def test_write_without_a_synced_change_makes_no_api_call(self):
        event = self.new_event()
        self.run_jobs()
        before = self.writes()
        event.write({"name": "Planning"})  # same value
        event.write({"alarm_ids": [(5, 0, 0)]})  # not a synced field
        self.run_jobs()
        self.assertEqual(self.writes(), before)

    def test_an_update_is_sent_with_the_etag(self):
        event = self.new_event()
        self.run_jobs()
        etag = self.binding(event).etag
        event.write({"name": "Planning Q3"})
        self.run_jobs()
        [remote] = self.remote_events()
        self.assertEqual(remote["summary"], "Planning Q3")
        self.assertNotEqual(self.binding(event).etag, etag)

    def test_a_deleted_event_is_deleted_at_google(self):
        event = self.new_event()
        self.run_jobs()
        event.unlink()
        self.run_jobs()
        self.assertEqual(self.remote_events(), [])
        self.assertFalse(self.env["calendar.sync.binding"].search([]))

    def test_many_new_events_go_out_in_batches_of_fifty(self):
        self.env["calendar.event"].with_user(self.alice).create(
            [
                {
                    "name": f"Event {i}",
                    "start": START + timedelta(days=i),
                    "stop": START + timedelta(days=i, hours=1),
                    "user_id": self.alice.id,
                }
                for i in range(120)
            ]
        )
        self.run_jobs()
        self.assertEqual(len(self.remote_events()), 120)
        self.assertEqual(self.emulator.count("google", "batch"), 3)
        self.assertEqual(self.emulator.count("google", "events.insert"), 0)

    def test_rate_limit_delays_and_loses_nothing(self):
        event = self.new_event()
        self.emulator.add_fault("google", "batch", status=429, retry_after=7, times=2)
        self.run_jobs()
        self.assertEqual(len(self.remote_events()), 1)
        self.assertEqual(self.binding(event).state, "synced")
        # two refusals, then the third try goes through: nothing dropped, nothing doubled
        self.assertEqual(self.emulator.count("google", "batch"), 3)

    def test_revoked_access_keeps_changes_until_reconnected(self):
        event = self.new_event()
        self.google.revoke_refresh_tokens("alice@example.com")
        self.run_jobs()
        self.assertEqual(self.account.state, "needs_reauth")
        self.assertEqual(self.binding(event).state, "pending")
        self.assertTrue(
            self.account.message_ids.filtered(lambda m: "connected again" in (m.body or "")),
            "the user is told",
        )
        # the user reconnects: the kept change goes out
        grant = self.google.grant("alice@example.com")
        self.account._set_secret("token_data", {"refresh_token": grant["refresh_token"]})
        self.account.sudo().state = "connected"
        self.account._start_sync()
        self.run_jobs()
        self.assertEqual(len(self.remote_events()), 1)
        self.assertEqual(self.binding(event).state, "synced")


@tagged("post_install", "-at_install")
class TestPullGoogle(GoogleSyncCase):
    def test_an_event_created_in_google_appears_in_odoo_and_is_not_sent_back(self):
        self.google.put_event(
            "alice@example.com",
            {
                "summary": "From Google",
                "start": {"dateTime": f"{DAY}T10:00:00Z", "timeZone": "Europe/Brussels"},
                "end": {"dateTime": f"{DAY}T11:00:00Z", "timeZone": "Europe/Brussels"},
            },
        )
        self.pull()
        event = self.env["calendar.event"].search([("name", "=", "From Google")])
        self.assertEqual(len(event), 1)
        self.assertEqual(event.sync_origin, "google")
        self.assertEqual(event.start, datetime.combine(DAY, datetime.min.time()).replace(hour=10))
        self.assertEqual(self.writes(), 0, "a pulled event is never pushed back")
        self.pull()
        self.assertEqual(len(self.env["calendar.event"].search([("name", "=", "From Google")])), 1)
        # the user's own edit is Odoo's change now: it says so, and goes out
        event.write({"name": "Edited in Odoo"})
        self.assertEqual(event.sync_origin, "odoo")
        self.run_jobs()
        self.assertEqual(self.writes(), 1)

    def test_edits_and_deletions_in_google_reach_odoo(self):
        event = self.new_event()
        self.run_jobs()
        external_id = self.binding(event).external_id
        self.google.change_event("alice@example.com", external_id, {"location": "Room 7"})
        self.pull()
        self.assertEqual(event.location, "Room 7")
        self.google.remove_event("alice@example.com", external_id)
        self.pull()
        self.assertFalse(event.exists())

    def test_a_pulled_change_is_not_sent_back_when_odoo_words_it_differently(self):
        # Google has no display name and an optional guest; Odoo fills the name from the
        # contact and cannot mark a guest optional: neither is a change made in Odoo
        self.env["res.partner"].create({"name": "Colleague Four", "email": "c4@example.com"})
        item = self.google.put_event(
            "alice@example.com",
            {
                "summary": "With a guest",
                "start": {"dateTime": f"{DAY}T10:00:00Z", "timeZone": "Europe/Brussels"},
                "end": {"dateTime": f"{DAY}T11:00:00Z", "timeZone": "Europe/Brussels"},
                "attendees": [{"email": "c4@example.com", "optional": True}],
            },
        )
        self.pull()
        self.run_jobs()
        self.google.change_event("alice@example.com", item["id"], {"summary": "Renamed"})
        self.pull()
        self.run_jobs()
        self.assertTrue(self.env["calendar.event"].search([("name", "=", "Renamed")]))
        self.assertEqual(self.writes(), 0, "nothing pulled goes back to Google")

    def test_expired_sync_token_resyncs_without_duplicates_or_loss(self):
        kept = self.new_event(name="Kept")
        gone = self.new_event(
            name="Gone", start=START + timedelta(days=1), stop=START + timedelta(days=1, hours=1)
        )
        self.run_jobs()
        self.pull()
        gone_id = self.binding(gone).external_id
        self.google.remove_event("alice@example.com", gone_id)
        self.google.expire_sync_tokens("alice@example.com")
        self.pull()
        self.assertTrue(kept.exists())
        self.assertFalse(gone.exists())
        self.assertEqual(self.env["calendar.event"].search_count([("name", "=", "Kept")]), 1)

    def test_incremental_pull_costs_what_changed(self):
        for i in range(30):
            self.google.put_event(
                "alice@example.com",
                {
                    "summary": f"G{i}",
                    "start": {"date": f"2031-04-{i % 28 + 1:02d}"},
                    "end": {"date": f"2031-04-{i % 28 + 2:02d}"},
                },
            )
        self.pull()
        [one] = [e for e in self.remote_events() if e["summary"] == "G3"]
        self.google.change_event("alice@example.com", one["id"], {"summary": "G3 moved"})
        before = dict(self.emulator.stats)
        self.pull()
        spent = {
            k: v - before.get(k, 0) for k, v in self.emulator.stats.items() if v != before.get(k, 0)
        }
        self.assertEqual(spent, {"google:events.list": 1})
        self.assertTrue(self.env["calendar.event"].search([("name", "=", "G3 moved")]))


@tagged("post_install", "-at_install")
class TestConflictsGoogle(GoogleSyncCase):
    def test_different_fields_changed_on_both_sides_are_merged(self):
        event = self.new_event()
        self.run_jobs()
        self.google.change_event(
            "alice@example.com", self.binding(event).external_id, {"location": "Room 9"}
        )
        event.write({"name": "Planning Q3"})
        self.run_jobs()  # the push meets 412 and merges
        [remote] = self.remote_events()
        self.assertEqual((remote["summary"], remote.get("location")), ("Planning Q3", "Room 9"))
        self.assertEqual((event.name, event.location), ("Planning Q3", "Room 9"))
        self.assertEqual(self.binding(event).state, "synced")

    def test_the_same_field_changed_on_both_sides_becomes_a_conflict(self):
        event = self.new_event()
        self.run_jobs()
        self.google.change_event(
            "alice@example.com", self.binding(event).external_id, {"summary": "Theirs"}
        )
        event.write({"name": "Ours"})
        self.run_jobs()
        conflict = self.env["calendar.sync.conflict"].search([("event_id", "=", event.id)])
        self.assertEqual(conflict.state, "open")
        self.assertEqual(conflict.line_ids.mapped("field_name"), ["title"])
        self.assertEqual(conflict.line_ids.remote_value, "Theirs")
        self.assertEqual(event.name, "Ours")
        self.assertEqual(self.remote_events()[0]["summary"], "Theirs", "nothing overwritten")
        self.assertEqual(event.cloud_sync_state, "conflict")


@tagged("post_install", "-at_install")
class TestMeetGoogle(GoogleSyncCase):
    def test_choosing_google_meet_creates_the_conference_and_stores_the_link(self):
        event = self.new_event(online_meeting_provider="google_meet")
        self.run_jobs()
        self.assertTrue(event.google_meet_url.startswith("https://meet.google.com/"))
        self.assertEqual(event.videocall_location, event.google_meet_url)
        self.assertEqual(self.remote_events()[0]["hangoutLink"], event.google_meet_url)

    def test_events_without_the_choice_get_no_meet(self):
        event = self.new_event()
        self.run_jobs()
        self.assertFalse(event.google_meet_url)
        self.assertNotIn("conferenceData", self.remote_events()[0])

    def test_removing_the_meet_in_odoo_removes_the_conference_at_google(self):
        event = self.new_event(online_meeting_provider="google_meet")
        self.run_jobs()
        self.assertTrue(event.google_meet_url)
        event.write({"online_meeting_provider": "none"})
        self.run_jobs()
        [remote] = self.remote_events()
        self.assertNotIn("conferenceData", remote)
        self.assertNotIn("hangoutLink", remote)
        # the push's answer and the next pull leave it removed
        self.pull()
        self.run_jobs()
        self.assertEqual(
            (event.online_meeting_provider, event.google_meet_url, event.videocall_location),
            ("none", False, False),
        )
        self.assertEqual(self.binding(event).state, "synced")
        self.assertNotIn("conferenceData", self.remote_events()[0])

    def test_a_meet_removed_in_odoo_while_google_renamed_the_event_converges(self):
        event = self.new_event(online_meeting_provider="google_meet")
        self.run_jobs()
        external_id = self.binding(event).external_id
        self.google.change_event("alice@example.com", external_id, {"summary": "Renamed"})
        event.write({"online_meeting_provider": "none"})
        self.run_jobs()  # the etag is stale: Google refuses, the engine merges
        self.pull()
        self.run_jobs()
        [remote] = self.remote_events()
        self.assertEqual(remote["summary"], "Renamed")
        self.assertNotIn("conferenceData", remote)
        self.assertEqual((event.name, event.online_meeting_provider), ("Renamed", "none"))
        self.assertFalse(event.google_meet_url)
        self.assertEqual(self.binding(event).state, "synced")

    def test_a_meet_removed_at_google_clears_the_link_in_odoo(self):
        event = self.new_event(online_meeting_provider="google_meet")
        self.run_jobs()
        external_id = self.binding(event).external_id
        self.google.change_event("alice@example.com", external_id, {"conferenceData": None})
        self.pull()
        self.run_jobs()
        self.assertEqual(
            (event.online_meeting_provider, event.google_meet_url, event.videocall_location),
            ("none", False, False),
        )
        self.assertNotIn("conferenceData", self.remote_events()[0], "no new Meet asked for")


@tagged("post_install", "-at_install")
class TestSharedMeetingGoogle(GoogleSyncCase):
    def test_one_meeting_for_an_organizer_and_two_connected_attendees(self):
        bob = new_test_user(self.env, "ccs_bob", groups="base.group_user", email="bob@example.com")
        carol = new_test_user(
            self.env, "ccs_carol", groups="base.group_user", email="carol@example.com"
        )
        bob_account = self.connect(bob, "bob@example.com")
        carol_account = self.connect(carol, "carol@example.com")
        event = self.new_event(partner_ids=[(6, 0, (self.alice | bob | carol).partner_id.ids)])
        self.run_jobs()
        self.pull(bob_account)
        self.pull(carol_account)
        self.assertEqual(self.env["calendar.event"].search_count([("name", "=", "Planning")]), 1)
        self.assertEqual(len(self.remote_events()), 1)
        self.assertEqual(len(self.remote_events("bob@example.com")), 1)
        # Bob accepts in Odoo: his own account answers, as Bob
        bob_attendee = event.attendee_ids.filtered(lambda a: a.partner_id == bob.partner_id)
        bob_attendee.with_user(bob).do_accept()
        self.run_jobs()
        [organizer_copy] = self.remote_events()
        responses = {a["email"]: a["responseStatus"] for a in organizer_copy["attendees"]}
        self.assertEqual(responses["bob@example.com"], "accepted")
        self.assertEqual(self.binding(event, bob_account).is_organizer_copy, False)
        self.assertEqual(self.binding(event, carol_account).is_organizer_copy, False)
