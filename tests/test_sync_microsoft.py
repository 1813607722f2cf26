"""Two-way sync with Microsoft 365 on the same engine: real jobs, real HTTP to the emulator's
Graph and identity endpoints (msal over its TLS listener)."""

from datetime import timedelta

import requests

from odoo.exceptions import UserError
from odoo.tests import TransactionCase, new_test_user, tagged

from ..services.timezones import iana_zone, windows_zone
from .common import EmulatorMixin, JobRunnerMixin, SyncCaseMixin
from .test_sync_google import START


class MicrosoftSyncCase(SyncCaseMixin, EmulatorMixin, JobRunnerMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alice = new_test_user(
            cls.env,
            "ccs_ms_alice",
            groups="base.group_user",
            email="alice@example.com",
            tz="Europe/Brussels",
        )

    def setUp(self):
        super().setUp()
        self.microsoft = self.emulator.providers["microsoft"]
        self.microsoft.auto_approve = True
        self.account = self.connect(self.alice, "alice@example.com", "microsoft")

    def graph(self, method, path, email="alice@example.com", **kwargs):
        """Outlook itself (another client of the same mailbox)."""
        token = self.microsoft.add_user(email)
        response = requests.request(
            method,
            f"{self.emulator.tls_base_url}/microsoft/graph/v1.0{path}",
            headers={"Authorization": f"Bearer {token}", "Prefer": 'outlook.timezone="UTC"'},
            verify=self.emulator.ca_file,
            timeout=10,
            **kwargs,
        )
        response.raise_for_status()
        return response.json() if response.content else None

    def outlook_events(self, email="alice@example.com"):
        page = self.graph("GET", "/me/events", email)
        items = page["value"]
        while page.get("@odata.nextLink"):
            path = page["@odata.nextLink"].split("/v1.0", 1)[1]
            page = self.graph("GET", path, email)
            items += page["value"]
        return items

    def new_event(self, user=None, **values):
        values.setdefault("start", START)
        values.setdefault("stop", values["start"] + timedelta(hours=1))
        return super().new_event(user or self.alice, values.pop("start"), **values)

    @staticmethod
    def google_sync_event_times(event):
        return {
            "start": {"dateTime": event.start.isoformat(), "timeZone": "UTC"},
            "end": {"dateTime": event.stop.isoformat(), "timeZone": "UTC"},
        }


@tagged("post_install", "-at_install")
class TestSyncMicrosoft(MicrosoftSyncCase):
    def test_an_odoo_event_reaches_outlook_in_its_own_zone(self):
        event = self.new_event(location="Room 1")
        self.run_jobs()
        [item] = self.outlook_events()
        self.assertEqual(item["subject"], "Planning")
        # Graph gets the CLDR Windows id of the event's zone (it refuses most IANA names);
        # the Odoo event keeps its own label
        self.assertEqual(item["originalStartTimeZone"], windows_zone("Europe/Brussels"))
        self.assertEqual(item["originalStartTimeZone"], "Romance Standard Time")  # CLDR's, BE
        self.assertEqual(iana_zone(item["originalStartTimeZone"]), "Europe/Paris")
        self.assertEqual(self.binding(event).state, "synced")
        self.pull()
        self.assertEqual(event._ccs_timezone(), "Europe/Brussels")

    def test_many_new_events_go_out_through_batch_requests_of_twenty(self):
        self.env["calendar.event"].with_user(self.alice).create(
            [
                {
                    "name": f"Event {i}",
                    "start": START + timedelta(days=i),
                    "stop": START + timedelta(days=i, hours=1),
                    "user_id": self.alice.id,
                }
                for i in range(60)
            ]
        )
        self.run_jobs()
        self.assertEqual(len(self.outlook_events()), 60)
        self.assertEqual(self.emulator.count("microsoft", "batch"), 3)

    def test_teams_is_created_on_request_and_its_link_stored(self):
        event = self.new_event(online_meeting_provider="teams")
        plain = self.new_event(
            name="No meeting",
            start=START + timedelta(days=1),
            stop=START + timedelta(days=1, hours=1),
        )
        self.run_jobs()
        self.assertTrue(event.teams_join_url.startswith("https://teams.microsoft.com/"))
        self.assertEqual(event.videocall_location, event.teams_join_url)
        self.assertFalse(plain.teams_join_url)
        # editing the event keeps its meeting
        event.write({"name": "Planning Q3"})
        self.run_jobs()
        item = self.graph("GET", f"/me/events/{self.binding(event).external_id}")
        self.assertTrue(item["isOnlineMeeting"])
        self.assertEqual(item["onlineMeeting"]["joinUrl"], event.teams_join_url)

    def test_outlook_keeps_a_teams_meeting_so_odoo_does_not_pretend_to_remove_it(self):
        # Graph: once isOnlineMeeting is true, Outlook ignores later changes to it
        event = self.new_event(online_meeting_provider="teams")
        draft = self.new_event(name="Not sent yet", online_meeting_provider="teams")
        self.assertFalse(draft.ccs_meeting_kept, "nothing at Outlook yet: free to change")
        draft.write({"online_meeting_provider": "none"})
        self.run_jobs()
        url = event.teams_join_url
        self.assertTrue(event.ccs_meeting_kept)
        with self.assertRaisesRegex(UserError, "Outlook keeps"):
            event.with_user(self.alice).write({"online_meeting_provider": "none"})
        with self.assertRaisesRegex(UserError, "Outlook keeps"):
            event.with_user(self.alice).write({"online_meeting_provider": "google_meet"})
        self.pull()
        self.run_jobs()
        self.assertEqual((event.online_meeting_provider, event.teams_join_url), ("teams", url))
        item = self.graph("GET", f"/me/events/{self.binding(event).external_id}")
        self.assertEqual(item["onlineMeeting"]["joinUrl"], url)
        self.assertFalse(
            self.graph("GET", f"/me/events/{self.binding(draft).external_id}")["isOnlineMeeting"]
        )

    def test_a_teams_meeting_removed_in_outlook_clears_the_link_in_odoo(self):
        event = self.new_event(online_meeting_provider="teams")
        self.run_jobs()
        external_id = self.binding(event).external_id
        self.microsoft.remove_online_meeting("alice@example.com", external_id)
        self.pull()
        self.run_jobs()
        self.assertEqual(
            (event.online_meeting_provider, event.teams_join_url, event.videocall_location),
            ("none", False, False),
        )
        self.assertFalse(event.ccs_meeting_kept)
        self.assertFalse(self.graph("GET", f"/me/events/{external_id}")["isOnlineMeeting"])

    def test_outlook_changes_reach_odoo_and_are_not_sent_back(self):
        created = self.graph(
            "POST",
            "/me/events",
            json={
                "subject": "From Outlook",
                "start": {"dateTime": (START + timedelta(hours=2)).isoformat(), "timeZone": "UTC"},
                "end": {"dateTime": (START + timedelta(hours=3)).isoformat(), "timeZone": "UTC"},
            },
        )
        self.pull()
        event = self.env["calendar.event"].search([("name", "=", "From Outlook")])
        self.assertEqual(event.sync_origin, "microsoft")
        self.graph("PATCH", f"/me/events/{created['id']}", json={"subject": "Renamed"})
        self.pull()
        self.assertEqual(event.name, "Renamed")
        self.graph("DELETE", f"/me/events/{created['id']}")
        self.pull()
        self.assertFalse(event.exists())
        self.assertEqual(self.emulator.count("microsoft", "batch"), 0)

    def test_the_same_field_changed_on_both_sides_is_a_conflict(self):
        event = self.new_event()
        self.run_jobs()
        self.graph(
            "PATCH", f"/me/events/{self.binding(event).external_id}", json={"subject": "Theirs"}
        )
        event.write({"name": "Ours"})
        self.run_jobs()
        conflict = self.env["calendar.sync.conflict"].search([("event_id", "=", event.id)])
        self.assertEqual(conflict.line_ids.mapped("field_name"), ["title"])
        self.assertEqual(self.outlook_events()[0]["subject"], "Theirs")

    def test_revoked_consent_keeps_changes_for_the_reconnect(self):
        event = self.new_event()
        self.microsoft.revoke_refresh_tokens("alice@example.com")
        self.microsoft.expire_access_tokens()
        self.run_jobs()
        self.assertEqual(self.account.state, "needs_reauth")
        self.assertEqual(self.binding(event).state, "pending")


@tagged("post_install", "-at_install")
class TestAcrossProviders(MicrosoftSyncCase):
    def test_a_google_organizer_and_a_microsoft_attendee_share_one_odoo_event(self):
        grace = new_test_user(
            self.env, "ccs_grace", groups="base.group_user", email="grace@example.com"
        )
        google_account = self.connect(grace, "grace@example.com", "google")
        event = self.new_event(
            user=grace, partner_ids=[(6, 0, (grace | self.alice).partner_id.ids)]
        )
        self.run_jobs()
        google = self.emulator.providers["google"]
        [sent] = google.events_of("grace@example.com")
        # Google mails the invitation; Exchange files it in Alice's calendar, same iCalUID
        self.microsoft.receive_invitation(
            "alice@example.com",
            {"subject": sent["summary"], **self.google_sync_event_times(event)},
            ical_uid=sent["iCalUID"],
            organizer_email="grace@example.com",
        )
        self.pull()
        self.assertEqual(self.env["calendar.event"].search_count([("name", "=", "Planning")]), 1)
        binding = self.binding(event)
        self.assertTrue(binding, "Alice's Outlook copy is bound to the same Odoo event")
        self.assertFalse(binding.is_organizer_copy)
        self.assertTrue(self.binding(event, google_account).is_organizer_copy)

    def test_switching_from_meet_to_teams_moves_the_meeting_and_settles(self):
        google_account = self.connect(self.alice, "alice@example.com", "google")
        google = self.emulator.providers["google"]
        event = self.new_event(online_meeting_provider="google_meet")
        self.run_jobs()
        self.assertTrue(event.google_meet_url)
        event.write({"online_meeting_provider": "teams"})
        self.run_jobs()
        for _round in range(2):
            self.pull(google_account)
            self.pull()
            self.run_jobs()
        [at_google] = google.events_of("alice@example.com")
        self.assertNotIn("conferenceData", at_google, "the Meet went with the choice")
        [at_outlook] = self.outlook_events()
        self.assertTrue(at_outlook["isOnlineMeeting"])
        self.assertEqual(event.online_meeting_provider, "teams")
        self.assertEqual(event.teams_join_url, at_outlook["onlineMeeting"]["joinUrl"])
        self.assertEqual(event.videocall_location, event.teams_join_url)
        self.assertFalse(event.google_meet_url)
        self.assertEqual(event.cloud_sync_state, "synced")

    def test_a_microsoft_organizer_and_a_google_attendee_share_one_odoo_event(self):
        grace = new_test_user(
            self.env, "ccs_grace", groups="base.group_user", email="grace@example.com"
        )
        google_account = self.connect(grace, "grace@example.com", "google")
        event = self.new_event(partner_ids=[(6, 0, (self.alice | grace).partner_id.ids)])
        self.run_jobs()
        [sent] = self.outlook_events()
        # Exchange mails the invitation; Gmail files it in Grace's calendar, same iCalUID
        google = self.emulator.providers["google"]
        invitation = google.receive_invitation(
            "grace@example.com",
            {
                "summary": sent["subject"],
                "attendees": [{"email": "alice@example.com"}, {"email": "grace@example.com"}],
                **self.google_sync_event_times(event),
            },
            ical_uid=sent["iCalUId"],
            organizer_email="alice@example.com",
        )
        self.pull(google_account)
        self.assertEqual(self.env["calendar.event"].search_count([("name", "=", "Planning")]), 1)
        binding = self.binding(event, google_account)
        self.assertTrue(binding, "Grace's Google copy is bound to the same Odoo event")
        self.assertFalse(binding.is_organizer_copy)
        self.assertTrue(self.binding(event).is_organizer_copy)

        attendee = event.attendee_ids.filtered(lambda a: a.partner_id == grace.partner_id)
        attendee.with_user(grace).do_accept()
        self.run_jobs()
        [copy] = google.events_of("grace@example.com")
        answers = {a["email"]: a["responseStatus"] for a in copy["attendees"]}
        self.assertEqual(answers["grace@example.com"], "accepted")
        self.assertEqual(copy["organizer"], {"email": "alice@example.com"})
        self.assertEqual(copy["id"], invitation["id"])
        self.assertEqual(self.emulator.count("google", "events.patch", operations=True), 1)
        self.assertEqual(binding.state, "synced")
        self.assertEqual(len(self.outlook_events()), 1, "Alice's Outlook keeps one meeting")
