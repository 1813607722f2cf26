"""One invitation per guest per create, move and cancel: from the organizer's provider or
from Odoo, never both, never none. Odoo's mails are counted in the database, the
provider's in the emulator (what Outlook or Google would have mailed)."""

from datetime import timedelta

from odoo.tests import new_test_user, tagged

from .test_sync_google import GoogleSyncCase
from .test_sync_microsoft import MicrosoftSyncCase

GUEST = "guest@outside.example"


class InvitationCountMixin:
    def setUp(self):
        super().setUp()
        self.guest = self.env["res.partner"].create({"name": "Guest", "email": GUEST})

    def odoo_mails(self, event):
        return self.env["mail.message"].search_count(
            [
                ("model", "=", "calendar.event"),
                ("res_id", "=", event.id),
                ("message_type", "=", "user_notification"),
                ("partner_ids", "in", self.guest.ids),
            ]
        )

    def meeting(self):
        return self.new_event(partner_ids=[(6, 0, (self.alice.partner_id | self.guest).ids)])


@tagged("post_install", "-at_install")
class TestInvitationsMicrosoft(InvitationCountMixin, MicrosoftSyncCase):
    def outlook_mails(self, action):
        return sum(
            1
            for mail in self.microsoft.sent_mails
            if mail["action"] == action and GUEST in mail["attendees"]
        )

    def test_outlook_mails_the_guest_and_odoo_does_not(self):
        event = self.meeting()
        self.run_jobs()
        self.assertEqual((self.odoo_mails(event), self.outlook_mails("invite")), (0, 1))

        event.write(
            {"start": event.start + timedelta(days=1), "stop": event.stop + timedelta(days=1)}
        )
        self.run_jobs()
        self.assertEqual((self.odoo_mails(event), self.outlook_mails("update")), (0, 1))

        event.unlink()
        self.run_jobs()
        self.assertEqual(self.outlook_mails("cancel"), 1)

    def bob_with_a_meeting(self, existing_meetings):
        bob = new_test_user(
            self.env, "ccs_inv_ms_bob", groups="base.group_user", email="bob@example.com"
        )
        bob.cloud_sync_outlook_existing_meetings = existing_meetings
        event = self.new_event(user=bob, partner_ids=[(6, 0, (bob.partner_id | self.guest).ids)])
        self.assertEqual(self.odoo_mails(event), 1, "Odoo invited before Bob connected")
        account = self.connect(bob, "bob@example.com", "microsoft")
        account._start_sync()
        self.run_jobs()
        [copy] = self.outlook_events("bob@example.com")
        return event, copy

    def test_connecting_outlook_mails_nobody_by_default(self):
        event, copy = self.bob_with_a_meeting("busy")
        self.assertEqual(self.microsoft.sent_mails, [])
        self.assertEqual(copy["attendees"], [])
        self.assertEqual((copy["subject"], copy["showAs"]), ("Planning", "busy"))
        self.assertEqual(self.odoo_mails(event), 1)
        # Bob's own change later is a real one: Outlook sends the meeting to the guest, once
        event.write(
            {"start": event.start + timedelta(days=1), "stop": event.stop + timedelta(days=1)}
        )
        self.run_jobs()
        self.assertEqual((self.odoo_mails(event), self.outlook_mails("invite")), (1, 1))

    def test_connecting_outlook_can_send_existing_meetings_knowingly(self):
        _event, copy = self.bob_with_a_meeting("send")
        self.assertEqual([a["emailAddress"]["address"] for a in copy["attendees"]], [GUEST])
        self.assertEqual(self.outlook_mails("invite"), 1)

    def test_a_resync_mails_nobody_either(self):
        event = self.new_event(
            partner_ids=[(6, 0, (self.alice.partner_id | self.guest).ids)]
        ).with_context(ccs_no_sync=True)
        self.env["calendar.sync.binding"].search([("event_id", "=", event.id)]).unlink()
        self.account._mark_range_pending((event.start - timedelta(days=1), event.stop))
        self.account._enqueue_push()
        self.run_jobs()
        [copy] = self.outlook_events()
        self.assertEqual((copy["subject"], copy["attendees"]), ("Planning", []))
        self.assertEqual(self.microsoft.sent_mails, [])

    def test_odoo_mails_when_the_event_does_not_reach_outlook(self):
        self.alice.cloud_sync_private_events = "skip"
        event = self.new_event(
            privacy="private",
            partner_ids=[(6, 0, (self.alice.partner_id | self.guest).ids)],
        )
        self.run_jobs()
        self.assertEqual((self.odoo_mails(event), self.outlook_mails("invite")), (1, 0))


@tagged("post_install", "-at_install")
class TestInvitationsGoogle(InvitationCountMixin, GoogleSyncCase):
    def google_mails(self, action):
        return sum(
            1
            for mail in self.google.sent_updates
            if mail["action"] == action and GUEST in mail["attendees"]
        )

    def move(self, event):
        event.write(
            {"start": event.start + timedelta(days=1), "stop": event.stop + timedelta(days=1)}
        )
        self.run_jobs()

    def test_odoo_mails_by_default_and_google_the_cancellation_odoo_cannot_send(self):
        event = self.meeting()
        self.run_jobs()
        self.assertEqual((self.odoo_mails(event), self.google_mails("insert")), (1, 0))
        self.move(event)
        self.assertEqual((self.odoo_mails(event), self.google_mails("update")), (2, 0))
        event.unlink()
        self.run_jobs()
        self.assertEqual(self.google_mails("delete"), 1)

    def test_google_mails_when_the_company_says_so(self):
        self.alice.company_id.ccs_google_invitations = "google"
        event = self.meeting()
        self.run_jobs()
        self.assertEqual((self.odoo_mails(event), self.google_mails("insert")), (0, 1))
        self.move(event)
        self.assertEqual((self.odoo_mails(event), self.google_mails("update")), (0, 1))
        event.unlink()
        self.run_jobs()
        self.assertEqual(self.google_mails("delete"), 1)

    def test_connecting_and_resyncing_mail_nobody(self):
        self.env.company.ccs_google_invitations = "google"
        bob = new_test_user(
            self.env, "ccs_inv_bob", groups="base.group_user", email="bob@example.com"
        )
        event = self.new_event(user=bob, partner_ids=[(6, 0, (bob.partner_id | self.guest).ids)])
        self.assertEqual(self.odoo_mails(event), 1, "Odoo invited before Bob connected")
        account = self.connect(bob, "bob@example.com")
        account._start_sync()  # the first sync sends Bob's existing events
        self.run_jobs()
        self.assertEqual(len(self.remote_events("bob@example.com")), 1)
        self.env["calendar.sync.binding"].search([("account_id", "=", account.id)]).write(
            {"state": "pending"}
        )
        account._enqueue_push()
        self.run_jobs()
        self.assertEqual(self.google.sent_updates, [])
        self.assertEqual(self.odoo_mails(event), 1)

    def test_an_occurrence_moved_in_odoo_is_mailed_once_by_google(self):
        self.env.company.ccs_google_invitations = "google"
        base = self.new_event(
            partner_ids=[(6, 0, (self.alice.partner_id | self.guest).ids)],
            recurrency=True,
            rrule_type="daily",
            interval=1,
            end_type="count",
            count=3,
        )
        self.run_jobs()
        self.assertEqual(self.google_mails("insert"), 1, "one invitation for the series")
        third = self.env["calendar.event"].search(
            [("recurrence_id", "=", base.recurrence_id.id)], order="start"
        )[2]
        self.move(third)
        self.assertEqual((self.odoo_mails(third), self.google_mails("update")), (0, 1))

    def daily_meeting(self):
        base = self.new_event(
            partner_ids=[(6, 0, (self.alice.partner_id | self.guest).ids)],
            recurrency=True,
            rrule_type="daily",
            interval=1,
            end_type="count",
            count=3,
        )
        self.run_jobs()
        return self.env["calendar.event"].search(
            [("recurrence_id", "=", base.recurrence_id.id)], order="start"
        )

    def mails_to_guest(self, events):
        return sum(self.odoo_mails(e) for e in events) + sum(
            1 for mail in self.google.sent_updates if GUEST in mail["attendees"]
        )

    def test_cancelling_one_occurrence_while_odoo_mails_is_mailed_once(self):
        occurrences = self.daily_meeting()
        before = self.mails_to_guest(occurrences)
        occurrences[1].unlink()
        self.run_jobs()
        [master] = self.remote_events()
        self.assertTrue(any(line.startswith("EXDATE") for line in master["recurrence"]))
        self.assertEqual(
            self.mails_to_guest(occurrences.exists()) - before,
            1,
            "Odoo has no mail for a cancelled occurrence: Google sends it",
        )

    def test_cancelling_one_occurrence_while_google_mails_is_mailed_once(self):
        self.env.company.ccs_google_invitations = "google"
        occurrences = self.daily_meeting()
        before = self.mails_to_guest(occurrences)
        occurrences[1].unlink()
        self.run_jobs()
        self.assertEqual(self.mails_to_guest(occurrences.exists()) - before, 1)
