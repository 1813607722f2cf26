"""Taking over from Odoo's own google_calendar / microsoft_calendar: refuse while they sync,
adopt their links, and sync on without a duplicate or a needless write on either side.

The native modules are not dependencies: these tests run in a database where they are
installed (``tools/test.sh`` makes one) and are skipped elsewhere."""

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import requests

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged

from ..lib.native_sync import installed_native
from .common import EmulatorMixin, JobRunnerMixin, ScreenshotMixin, SyncCaseMixin
from .test_sync_google import START

EMAIL = "alice@example.com"


def natives_installed(env):
    return bool(installed_native(env, "google") and installed_native(env, "microsoft"))


class TakeoverCase(SyncCaseMixin, EmulatorMixin, JobRunnerMixin, TransactionCase):
    provider = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.natives = natives_installed(cls.env)
        cls.alice = new_test_user(
            cls.env,
            "ccs_takeover_alice",
            name="Alice",
            groups="base.group_user",
            email=EMAIL,
            tz="Europe/Brussels",
        )

    def setUp(self):
        super().setUp()
        if not self.natives:
            self.skipTest("google_calendar and microsoft_calendar are not installed")
        self.Account = self.env["calendar.sync.account"]

    # -- the native module's state, as its own sync leaves it ----------------------------------
    def native_event(self, name, start, **values):
        """An event as the native sync keeps it: its own id set, nothing left to send."""
        return (
            self.env["calendar.event"]
            .with_context(dont_notify=True, no_mail_to_attendees=True)
            .create(
                {
                    "name": name,
                    "start": start,
                    "stop": start + timedelta(hours=1),
                    "user_id": self.alice.id,
                    "partner_ids": [(6, 0, self.alice.partner_id.ids)],
                    **values,
                }
            )
        )

    def odoo_events(self):
        return self.env["calendar.event"].with_context(active_test=False).search_count([])

    def adopted(self):
        return self.env["calendar.sync.binding"].search([("adoption_state", "!=", False)])

    def take_over(self, users=None):
        wizard = self.env["calendar.sync.takeover"].create(
            {
                "provider": self.provider,
                "scope": "users",
                "user_ids": [(6, 0, (users or self.alice).ids)],
            }
        )
        wizard.action_take_over()
        return wizard.result

    def connect_through_oauth(self):
        """Alice connects in Preferences: the real begin/finish of the OAuth flow, whose
        callback starts the first sync."""
        Account = self.env["calendar.sync.account"].with_user(self.alice)
        consent = Account._begin_connect(self.provider)
        answer = requests.get(consent, allow_redirects=False, timeout=10)
        self.assertIn(answer.status_code, (302, 303), answer.text[:300])
        query = parse_qs(urlparse(answer.headers["Location"]).query)
        account = Account._finish_connect(self.provider, {k: v[0] for k, v in query.items()})
        self.assertEqual(account.state, "connected", account.last_error)
        return account.sudo()

    def assert_refused(self, account):
        """Connecting says why; jobs of a connected account do nothing but log it, once."""
        with self.assertRaisesRegex(UserError, "own .* sync is still on for you"):
            self.env["calendar.sync.account"].with_user(self.alice)._begin_connect(self.provider)
        self.assertIn("still on for you", self.alice.cloud_sync_native_warning)
        settings = self.env["res.config.settings"].create({})
        self.assertIn("1 users still sync with it", settings.ccs_native_warning)
        account._start_sync()
        account._enqueue_pull()
        self.run_jobs()
        self.native_event("Made meanwhile", START + timedelta(days=5)).write({"name": "Edited"})
        self.run_jobs()
        self.assertIn("Take over", account.last_error or "")
        logs = self.env["calendar.sync.log"].search(
            [("account_id", "=", account.id), ("operation", "=", "native_sync_active")]
        )
        self.assertEqual(len(logs), 1)
        # a provider's notification only reads: the webhook request writes no account row
        # (a job may hold it) and enqueues nothing for a refused account
        account.write({"last_error": False})
        jobs = self.env["queue.job"].search_count([])
        self.env.flush_all()
        account._enqueue_notified("pull")
        self.env.flush_all()
        self.assertFalse(account.last_error)
        self.assertEqual(self.env["queue.job"].search_count([]), jobs)
        refusals = [("account_id", "=", account.id), ("operation", "=", "native_sync_active")]
        self.assertEqual(self.env["calendar.sync.log"].search_count(refusals), 1)


@tagged("post_install", "-at_install", "ccs_takeover")
class TestTakeoverGoogle(TakeoverCase):
    provider = "google"

    def setUp(self):
        super().setUp()
        self.google = self.emulator.providers["google"]
        self.google.auto_approve = True
        settings = self.env["res.users.settings"]._find_or_create_for_user(self.alice)
        settings.write(
            {
                "google_calendar_rtoken": "native-refresh-token",
                "google_calendar_token": "native-access-token",
                "google_calendar_token_validity": fields.Datetime.now() + timedelta(days=1),
                "google_synchronization_stopped": False,
            }
        )
        self.settings = settings
        self.standup = self.native_linked("nativestandup1", "Standup", START)
        self.recap = self.native_linked("nativerecap1", "Recap", START + timedelta(days=1))
        # edited in Google after the native module's last sync: Google's version is newer
        self.google.change_event(EMAIL, "nativerecap1", {"summary": "Recap (room 2)"})
        first = START + timedelta(days=2)
        weekly = self.native_event(
            "Weekly",
            first,
            recurrency=True,
            rrule_type="weekly",
            end_type="count",
            count=3,
            **{("mon", "tue", "wed", "thu", "fri", "sat", "sun")[first.weekday()]: True},
        )
        self.series = weekly.recurrence_id
        self.series.write({"google_id": "nativeseries1", "need_sync": False})
        base = self.series.base_event_id
        self.put_remote("nativeseries1", base, recurrence=list(base._ccs_to_neutral().recurrence))
        self.emulator.stats.clear()
        self.emulator.operations.clear()

    def put_remote(self, google_id, event, **extra):
        """The copy the native module inserted in Google for ``event``."""
        self.google.put_event(
            EMAIL,
            {
                "id": google_id,
                "summary": event.name,
                "start": {"dateTime": f"{event.start.isoformat()}Z", "timeZone": "Europe/Brussels"},
                "end": {"dateTime": f"{event.stop.isoformat()}Z", "timeZone": "Europe/Brussels"},
                **extra,
            },
        )

    def native_linked(self, google_id, name, start):
        event = self.native_event(name, start)
        event.write({"google_id": google_id, "need_sync": False})
        self.put_remote(google_id, event)
        return event

    def remote_events(self):
        return self.google.events_of(EMAIL)

    def writes(self):
        return sum(
            self.emulator.count("google", name, operations=True)
            for name in ("events.insert", "events.patch", "events.update", "events.delete")
        )

    def test_native_sync_on_refuses_to_connect_and_to_sync(self):
        account = self.connect(self.alice, EMAIL)
        self.assert_refused(account)
        self.assertEqual(self.emulator.count("google", "events.list"), 0)
        self.assertEqual(self.writes(), 0)
        self.assertEqual(len(self.remote_events()), 3)

    def test_take_over_then_connect_duplicates_nothing_and_resends_nothing(self):
        events_before = self.odoo_events()
        result = self.take_over()
        self.assertIn("Alice: 3 links adopted, Odoo's own sync switched off", result)
        self.assertFalse(self.settings.google_calendar_rtoken)
        self.assertTrue(self.settings.google_synchronization_stopped)
        self.assertNotIn("still on for you", self.alice.cloud_sync_native_warning)
        series = self.adopted().filtered(lambda b: b.event_id == self.series.base_event_id)
        self.assertEqual(series.external_id, "nativeseries1")
        self.assertEqual(set(self.adopted().mapped("state")), {"synced"})

        account = self.connect_through_oauth()
        self.run_jobs()
        self.assertEqual(len(self.remote_events()), 3)
        self.assertEqual(self.odoo_events(), events_before)
        self.assertEqual(self.writes(), 0)
        self.assertEqual(set(self.adopted().mapped("adoption_state")), {"matched"})
        self.assertTrue(all(self.adopted().mapped("etag")))
        self.assertEqual(self.recap.name, "Recap (room 2)", "Google's newer version is taken")
        self.assertEqual(account.binding_count, 3)

        self.standup.write({"name": "Standup (new time)"})
        self.run_jobs()
        self.assertEqual(self.writes(), 1)
        self.assertEqual(self.emulator.count("google", "events.patch", operations=True), 1)
        remote = self.google.event_of(EMAIL, "nativestandup1")
        self.assertEqual(remote["summary"], "Standup (new time)")
        self.assertEqual(len(self.remote_events()), 3)

    def test_a_change_the_native_sync_had_not_sent_goes_out_once(self):
        self.standup.write({"name": "Standup moved", "need_sync": True})
        self.take_over()
        self.connect_through_oauth()
        self.run_jobs()
        self.assertEqual(self.writes(), 1)
        remote = self.google.event_of(EMAIL, "nativestandup1")
        self.assertEqual(remote["summary"], "Standup moved")
        self.assertEqual(len(self.remote_events()), 3)

    def test_an_edit_before_the_first_pull_is_merged_with_google_first(self):
        account = self.connect(self.alice, EMAIL)  # connected while the native sync was on
        self.google.change_event(EMAIL, "nativestandup1", {"location": "Room 5"})
        result = self.take_over()
        self.assertIn("connected: the first sync has started", result)
        self.standup.write({"name": "Standup (new time)"})
        self.emulator.operations.clear()
        self.run_jobs()
        self.assertEqual(self.writes(), 1)
        remote = self.google.event_of(EMAIL, "nativestandup1")
        self.assertEqual((remote["summary"], remote["location"]), ("Standup (new time)", "Room 5"))
        self.assertEqual(self.standup.location, "Room 5")
        self.assertEqual(len(self.remote_events()), 3)
        self.assertEqual(account.binding_count, 3)

    def test_a_link_the_calendar_does_not_have_is_dropped_not_deleted(self):
        stale = self.native_event("Stale link", START + timedelta(days=3))
        stale.write({"google_id": "nativegone1", "need_sync": False})
        self.take_over()
        self.connect_through_oauth()
        self.run_jobs()
        self.assertTrue(stale.exists() and stale.active, "neither deleted nor archived")
        self.assertFalse(self.env["calendar.sync.binding"].search([("event_id", "=", stale.id)]))
        self.assertEqual(self.writes(), 0)
        self.assertEqual(len(self.remote_events()), 3)


@tagged("post_install", "-at_install", "ccs_takeover")
class TestTakeoverMicrosoft(TakeoverCase):
    provider = "microsoft"

    def setUp(self):
        super().setUp()
        self.microsoft = self.emulator.providers["microsoft"]
        self.microsoft.auto_approve = True
        self.alice.sudo().write(
            {
                "microsoft_calendar_rtoken": "native-refresh-token",
                "microsoft_calendar_token": "native-access-token",
                "microsoft_calendar_token_validity": fields.Datetime.now() + timedelta(days=1),
            }
        )
        self.standup = self.native_linked("Standup", START)
        self.recap = self.native_linked("Recap", START + timedelta(days=1))
        # a link the native sync stored with another mailbox's id: its iCalUID still matches
        self.recap.write({"microsoft_id": "AAMkAnotherMailboxId"})
        self.emulator.stats.clear()
        self.emulator.operations.clear()

    def graph(self, method, path, **kwargs):
        token = self.microsoft.add_user(EMAIL)
        response = requests.request(
            method,
            f"{self.emulator.tls_base_url}/microsoft/graph/v1.0{path}",
            headers={"Authorization": f"Bearer {token}"},
            verify=self.emulator.ca_file,
            timeout=10,
            **kwargs,
        )
        response.raise_for_status()
        return response.json() if response.content else None

    def native_linked(self, name, start):
        """An event the native module created in Outlook, with the ids it keeps."""
        event = self.native_event(name, start)
        item = self.graph(
            "POST",
            "/me/events",
            json={
                "subject": name,
                "start": {"dateTime": event.start.isoformat(), "timeZone": "UTC"},
                "end": {"dateTime": event.stop.isoformat(), "timeZone": "UTC"},
            },
        )
        event.write(
            {
                "microsoft_id": item["id"],
                "ms_universal_event_id": item["iCalUId"],
                "need_sync_m": False,
            }
        )
        return event

    def outlook_events(self):
        return self.graph("GET", "/me/events?$top=100")["value"]

    def writes(self):
        return sum(
            self.emulator.count("microsoft", name, operations=True)
            for name in ("events.create", "events.update", "events.delete")
        )

    def test_native_sync_on_refuses_to_connect_and_to_sync(self):
        account = self.connect(self.alice, EMAIL, "microsoft")
        self.assert_refused(account)
        self.assertEqual(self.emulator.count("microsoft", "calendarView.delta"), 0)
        self.assertEqual(self.writes(), 0)

    def test_take_over_then_connect_duplicates_nothing_and_resends_nothing(self):
        events_before = self.odoo_events()
        result = self.take_over()
        self.assertIn("Alice: 2 links adopted, Odoo's own sync switched off", result)
        self.assertFalse(self.alice.sudo().microsoft_calendar_rtoken)
        self.assertTrue(self.alice.sudo().microsoft_synchronization_stopped)

        self.connect_through_oauth()
        self.run_jobs()
        items = {item["iCalUId"]: item for item in self.outlook_events()}
        self.assertEqual(len(items), 2)
        self.assertEqual(self.odoo_events(), events_before)
        self.assertEqual(self.writes(), 0)
        recap = self.adopted().filtered(lambda b: b.event_id == self.recap)
        self.assertEqual(recap.external_id, items[self.recap.ms_universal_event_id]["id"])
        self.assertEqual(set(self.adopted().mapped("adoption_state")), {"matched"})

        self.standup.write({"name": "Standup (new time)"})
        self.run_jobs()
        self.assertEqual(self.writes(), 1)
        self.assertEqual(self.emulator.count("microsoft", "events.update", operations=True), 1)
        item = self.graph("GET", f"/me/events/{self.standup.microsoft_id}")
        self.assertEqual(item["subject"], "Standup (new time)")
        self.assertEqual(len(self.outlook_events()), 2)


@tagged("post_install", "-at_install", "ccs_takeover")
class TestTakeoverUi(ScreenshotMixin, SyncCaseMixin, EmulatorMixin, JobRunnerMixin, HttpCase):
    def test_admin_takes_over_a_user_from_the_settings(self):
        if not natives_installed(self.env):
            self.skipTest("google_calendar and microsoft_calendar are not installed")
        user = new_test_user(self.env, "ccs_tour_taker", name="Tour Taker", email="tt@example.com")
        google = self.emulator.providers["google"]
        google.auto_approve = True
        settings = self.env["res.users.settings"]._find_or_create_for_user(user)
        settings.write(
            {"google_calendar_rtoken": "native-rt", "google_synchronization_stopped": False}
        )
        event = (
            self.env["calendar.event"]
            .with_context(dont_notify=True)
            .create(
                {
                    "name": "Linked",
                    "start": START,
                    "stop": START + timedelta(hours=1),
                    "user_id": user.id,
                    "google_id": "nativetour1",
                    "need_sync": False,
                }
            )
        )
        # the copy Odoo's own sync made in Google
        google.add_user("tt@example.com")
        google.put_event(
            "tt@example.com",
            {
                "id": "nativetour1",
                "summary": "Linked",
                "start": {"dateTime": f"{event.start.isoformat()}Z", "timeZone": "UTC"},
                "end": {"dateTime": f"{event.stop.isoformat()}Z", "timeZone": "UTC"},
            },
        )
        self.start_tour(
            "/odoo/action-calendar.calendar_settings_action",
            "calendar_cloud_sync_takeover",
            login="admin",
        )
        binding = self.env["calendar.sync.binding"].search([("event_id", "=", event.id)])
        self.assertEqual((binding.external_id, binding.adoption_state), ("nativetour1", "to_match"))
        self.assertTrue(settings.google_synchronization_stopped)

        # the user connects in Preferences and the first sync runs: the link is matched, and
        # nothing is created or written on either side
        events_before = self.env["calendar.event"].search_count([])
        self.emulator.stats.clear()
        self.emulator.operations.clear()
        Account = self.env["calendar.sync.account"].with_user(user)
        consent = requests.get(Account._begin_connect("google"), allow_redirects=False, timeout=10)
        query = parse_qs(urlparse(consent.headers["Location"]).query)
        account = Account._finish_connect("google", {k: v[0] for k, v in query.items()})
        self.assertEqual(binding.account_id, account)
        self.run_jobs()
        self.assertEqual(binding.adoption_state, "matched")
        self.assertEqual(self.env["calendar.event"].search_count([]), events_before)
        self.assertEqual([e["summary"] for e in google.events_of("tt@example.com")], ["Linked"])
        writes = ("events.insert", "events.patch", "events.update", "events.delete")
        self.assertEqual(sum(self.emulator.count("google", w, operations=True) for w in writes), 0)
