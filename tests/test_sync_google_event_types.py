"""Google event types and omitted guests through the engine: pulled with their meaning,
never pushed with an edit Google refuses for the type."""

from datetime import timedelta

from odoo.tests import new_test_user, tagged

from .test_sync_google import DAY, GoogleSyncCase
from .test_sync_microsoft import MicrosoftSyncCase

ALICE = "alice@example.com"


def timed(summary, **extra):
    return {
        "summary": summary,
        "start": {"dateTime": f"{DAY}T08:00:00Z", "timeZone": "Europe/Brussels"},
        "end": {"dateTime": f"{DAY}T12:00:00Z", "timeZone": "Europe/Brussels"},
        **extra,
    }


@tagged("post_install", "-at_install")
class TestEventTypesGoogle(GoogleSyncCase):
    def put(self, body):
        return self.google.put_event(ALICE, body)

    def pulled(self, item):
        binding = self.env["calendar.sync.binding"].search([("external_id", "=", item["id"])])
        self.assertEqual(len(binding), 1)
        return binding.event_id

    def failures(self):
        return self.env["calendar.sync.binding"].search([("state", "=", "error")])

    def test_status_events_are_busy_blocks_that_say_what_they_are(self):
        away = self.put(timed("Vacation", eventType="outOfOffice", outOfOfficeProperties={}))
        focus = self.put(
            timed(
                "",
                eventType="focusTime",
                focusTimeProperties={"chatStatus": "doNotDisturb"},
                start={"dateTime": f"{DAY}T13:00:00Z", "timeZone": "Europe/Brussels"},
                end={"dateTime": f"{DAY}T15:00:00Z", "timeZone": "Europe/Brussels"},
            )
        )
        home = self.put(
            {
                "summary": "Home",
                "start": {"date": str(DAY)},
                "end": {"date": str(DAY + timedelta(days=1))},
                "eventType": "workingLocation",
                "transparency": "transparent",
                "visibility": "public",
                "workingLocationProperties": {"type": "homeOffice", "homeOffice": {}},
            }
        )
        self.pull()
        away, focus, home = self.pulled(away), self.pulled(focus), self.pulled(home)
        self.assertEqual((away.cloud_event_type, away.show_as), ("out_of_office", "busy"))
        self.assertEqual(away.name, "Vacation")
        self.assertEqual((focus.cloud_event_type, focus.show_as), ("focus_time", "busy"))
        self.assertEqual(focus.name, "Focus time", "an untitled block says what it is")
        self.assertEqual((home.cloud_event_type, home.show_as), ("working_location", "free"))
        self.assertEqual(home.partner_ids, self.alice.partner_id, "not a meeting")
        self.assertEqual(self.writes(), 0, "nothing pulled goes back")

    def test_birthdays_are_all_day_and_free(self):
        bday = self.put(
            {
                "summary": "Bob's birthday",
                "start": {"date": str(DAY)},
                "end": {"date": str(DAY + timedelta(days=1))},
                "recurrence": ["RRULE:FREQ=YEARLY"],
                "eventType": "birthday",
                "birthdayProperties": {"type": "birthday"},
            }
        )
        self.pull()
        event = self.pulled(bday)
        self.assertEqual(event.cloud_event_type, "birthday")
        self.assertTrue(event.allday)
        self.assertEqual(event.show_as, "free")

    def test_edits_google_refuses_for_the_type_are_not_sent(self):
        away = self.put(timed("Vacation", eventType="outOfOffice"))
        mail = self.put(timed("Flight LH 1234", eventType="fromGmail", transparency="opaque"))
        self.pull()
        bob = new_test_user(self.env, "ccs_bob_t", groups="base.group_user", email="b@example.com")
        away_event, mail_event = self.pulled(away), self.pulled(mail)
        # Odoo lets anyone add a guest or rename: Google keeps status events guest-less and
        # Gmail's events as Gmail wrote them
        away_event.write({"name": "Holidays", "partner_ids": [(4, bob.partner_id.id)]})
        mail_event.write({"name": "My flight", "show_as": "free"})
        self.run_jobs()
        self.assertFalse(self.failures().mapped("last_error"))
        remote = {e["id"]: e for e in self.remote_events()}
        self.assertEqual(remote[away["id"]]["summary"], "Holidays")
        self.assertNotIn("attendees", remote[away["id"]])
        self.assertEqual(remote[mail["id"]]["summary"], "Flight LH 1234")
        self.assertEqual(remote[mail["id"]]["transparency"], "transparent")
        # Odoo shows what Google keeps
        self.assertEqual(mail_event.name, "Flight LH 1234")


@tagged("post_install", "-at_install")
class TestOmittedGuestsGoogle(GoogleSyncCase):
    def test_an_answer_never_drops_the_guests_google_did_not_show(self):
        org = "org@example.com"
        self.google.add_user(org)
        self.google.add_user("c2@example.com")
        meeting = self.google.put_event(
            org,
            timed(
                "Board",
                attendees=[{"email": ALICE}, {"email": "c2@example.com"}, {"email": "x@y.org"}],
                guestsCanSeeOtherGuests=False,
            ),
        )
        self.pull()
        event = self.env["calendar.event"].search([("name", "=", "Board")])
        self.assertEqual(len(event), 1)
        self.assertTrue(event.cloud_attendees_omitted)
        mine = event.attendee_ids.filtered(lambda a: a.partner_id == self.alice.partner_id)
        mine.with_user(self.alice).do_accept()
        self.run_jobs()
        self.assertFalse(self.env["calendar.sync.binding"].search([("state", "=", "error")]))
        [seen] = [e for e in self.google.events_of(org) if e["id"] == meeting["id"]]
        self.assertEqual(
            {a["email"]: a["responseStatus"] for a in seen["attendees"]},
            {ALICE: "accepted", "c2@example.com": "needsAction", "x@y.org": "needsAction"},
        )


@tagged("post_install", "-at_install")
class TestEventTypesToOutlook(MicrosoftSyncCase):
    def test_a_google_out_of_office_block_reaches_outlook_as_oof(self):
        google_account = self.connect(self.alice, ALICE, "google")
        self.emulator.providers["google"].put_event(
            ALICE, timed("Vacation", eventType="outOfOffice", outOfOfficeProperties={})
        )
        self.pull(google_account)
        self.run_jobs()
        [item] = self.outlook_events()
        self.assertEqual(item["subject"], "Vacation")
        self.assertEqual(item["showAs"], "oof", "Outlook's own status, not a busy meeting")
        # Outlook's answer reads back as the same event: nothing more to send
        writes = self.emulator.count("microsoft", "events.update", operations=True)
        self.pull()
        self.run_jobs()
        self.assertEqual(self.emulator.count("microsoft", "events.update", operations=True), writes)
