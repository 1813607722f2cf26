"""Graph change notifications: the emulator's subscriptions POST to Odoo's test server for real
(the validation handshake synchronously, while the job creating the subscription waits), and
what they enqueue runs as queue jobs against the emulator."""

import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from unittest.mock import patch

import requests

from odoo import fields, http
from odoo.tests import HttpCase, new_test_user, tagged

from .common import ODOO_SERVE_DB, EmulatorMixin, JobRunnerMixin, SyncCaseMixin

NOTIFY = "/calendar_cloud_sync/microsoft/notify"
LIFECYCLE = "/calendar_cloud_sync/microsoft/lifecycle"
START = (datetime.now() + timedelta(days=30)).replace(hour=9, minute=0, second=0, microsecond=0)
ALICE = "alice@example.com"
LIFETIME = timedelta(minutes=4200)


@tagged("post_install", "-at_install")
class TestNotifyMicrosoft(SyncCaseMixin, EmulatorMixin, JobRunnerMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alice = new_test_user(
            cls.env, "ccs_msnotify_alice", groups="base.group_user", email=ALICE
        )

    def setUp(self):
        super().setUp()
        self.microsoft = self.emulator.providers["microsoft"]
        # a handshake that cannot be answered fails the subscription in 3 s, not 10
        self.microsoft.handshake_timeout = 3
        self.account = self.connect(self.alice, ALICE, "microsoft")
        self.account._start_sync()
        self.run_jobs()  # the first pull and the subscription, handshakes included
        self.emulator.stats.clear()

    # -- helpers --------------------------------------------------------------------------
    def subscriptions(self, email=ALICE):
        """The live subscriptions on the user's mailbox, as Graph holds them."""
        now = datetime.now().astimezone()
        with self.emulator.lock:
            return [
                dict(s)
                for s in self.microsoft.subscriptions.values()
                if s["_email"] == email and s["_expires"] > now
            ]

    def subscription(self):
        [subscription] = self.subscriptions()
        return subscription

    def item(self, **overrides):
        """A change notification on the account's subscription, as Graph sends it."""
        subscription = self.subscription()
        item = {
            "subscriptionId": subscription["id"],
            "clientState": subscription["clientState"],
            "changeType": "updated",
            "resource": f"Users/{uuid.uuid4()}/Events/AAMk{uuid.uuid4().hex}",
            "tenantId": str(uuid.uuid4()),
        }
        item.update(overrides)
        return item

    def post(self, data, path=NOTIFY, **kwargs):
        body = data if isinstance(data, bytes | str) else json.dumps(data)
        headers = {"Content-Type": "application/json"}
        return self.opener.post(
            self.base_url() + path, data=body, headers=headers, timeout=10, **kwargs
        )

    def outlook(self, method, path, **kwargs):
        """Outlook itself (another client of the mailbox); the notifications it causes are
        delivered before the test goes on."""
        self.env.flush_all()
        token = self.microsoft.add_user(ALICE)
        response = requests.request(
            method,
            f"{self.emulator.tls_base_url}/microsoft/graph/v1.0{path}",
            headers={"Authorization": f"Bearer {token}"},
            verify=self.emulator.ca_file,
            timeout=10,
            **kwargs,
        )
        response.raise_for_status()
        self.emulator.notifier.flush()
        self.env.invalidate_all()

    def lifecycle(self, event):
        self.env.flush_all()
        delivery = self.microsoft.send_lifecycle_event(self.subscription()["id"], event)
        self.emulator.notifier.flush()
        self.env.invalidate_all()
        return delivery

    def pending(self, method="_job_pull"):
        return self.env["queue.job"].search(
            [("method_name", "=", method), ("state", "=", "pending")]
        )

    def synced_event(self, **values):
        event = self.new_event(self.alice, START, **values)
        self.run_jobs()  # pushed; Graph notifies our own write, and that pull changes nothing
        return event, self.binding(event).external_id

    def assertAbout(self, moment, expected, message=None):
        self.assertLess(abs(moment - expected), timedelta(minutes=1), message)

    def assertFullLifetime(self, moment):
        """A subscription's end as asked for: the lifetime, less up to a seventh (spread)."""
        now = fields.Datetime.now()
        self.assertLessEqual(moment, now + LIFETIME + timedelta(minutes=1))
        self.assertGreaterEqual(moment, now + LIFETIME * 6 / 7 - timedelta(minutes=1))

    # -- the subscription -----------------------------------------------------------------
    def test_sync_start_subscribes_with_an_encrypted_client_state(self):
        subscription = self.subscription()
        self.assertEqual(
            subscription["resource"], f"me/calendars/{self.account.remote_calendar_id}/events"
        )
        self.assertEqual(subscription["changeType"], "created,updated,deleted")
        self.assertEqual(subscription["notificationUrl"], self.base_url() + NOTIFY)
        self.assertEqual(subscription["lifecycleNotificationUrl"], self.base_url() + LIFECYCLE)
        self.assertEqual(self.account.channel_resource_id, subscription["id"])
        self.assertFullLifetime(self.account.channel_expiration)
        self.assertEqual(self.account._get_secret("channel_secret"), subscription["clientState"])
        self.env.cr.execute(
            "SELECT channel_secret FROM calendar_sync_account WHERE id = %s", [self.account.id]
        )
        [stored] = self.env.cr.fetchone()
        self.assertTrue(stored)
        self.assertNotIn(subscription["clientState"], stored, "clientState encrypted at rest")

    def test_the_route_echoes_the_handshake_without_enqueuing(self):
        token = "Validation: Testing client application reachability Request-Id: a+b%c é"
        jobs = self.env["queue.job"].search_count([])
        # Odoo's own request handling, without the harness's shortcut: the route answers
        with patch.object(http.Request, "_serve_db", ODOO_SERVE_DB):
            for path in (NOTIFY, LIFECYCLE):
                response = requests.post(
                    self.base_url() + path,
                    params={"validationToken": token},
                    headers={"Content-Type": "text/plain"},
                    timeout=5,
                )
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response.headers["Content-Type"], "text/plain; charset=utf-8")
                self.assertEqual(response.headers["X-Content-Type-Options"], "nosniff")
                self.assertEqual(response.text, token)
        self.assertEqual(self.env["queue.job"].search_count([]), jobs, "nothing enqueued")

    def test_a_job_subscribes_while_jobs_hold_the_test_lock(self):
        self.account.sudo().write({"channel_id": False, "channel_resource_id": False})
        self.microsoft.expire_subscriptions(ALICE)
        self.account._cron_renew_channels()
        started = time.monotonic()
        self.run_jobs()
        self.assertLess(time.monotonic() - started, 3, "no handshake waited for its timeout")
        subscription = self.subscription()
        self.assertEqual(self.account.channel_resource_id, subscription["id"])
        self.assertEqual(self.emulator.count("microsoft", "subscriptions.create"), 1)

    # -- notifications --------------------------------------------------------------------
    def test_a_change_in_outlook_is_pulled_through_its_notification(self):
        event, external_id = self.synced_event()
        self.outlook("PATCH", f"/me/events/{external_id}", json={"location": {"displayName": "R7"}})
        [delivery] = [d for d in self.emulator.notifier.sent if d.tag == "microsoft:updated"]
        self.assertEqual(delivery.status, 202)
        [job] = self.pending()
        self.assertTrue(job.kwargs.get("notified_at"))
        self.assertFalse(event.location, "only the job applies the change")
        self.run_jobs()
        self.assertEqual(event.location, "R7")
        self.assertTrue(self.account.last_notification_at)

    def test_bad_client_state_or_unknown_subscription_enqueues_nothing(self):
        jobs = self.env["queue.job"].search_count([])
        self.assertEqual(self.post({"value": [self.item(clientState="guessed")]}).status_code, 403)
        self.assertEqual(self.post({"value": [self.item(clientState=None)]}).status_code, 403)
        unknown = self.item(subscriptionId=str(uuid.uuid4()))
        self.assertEqual(self.post({"value": [unknown]}).status_code, 404)
        lifecycle = self.item(clientState="guessed", lifecycleEvent="subscriptionRemoved")
        self.assertEqual(self.post({"value": [lifecycle]}, LIFECYCLE).status_code, 403)
        for body in ({"value": []}, {"value": "x"}, [], b"{not json", b"[" * 100000):
            self.assertEqual(self.post(body).status_code, 400, repr(body)[:30])
        self.assertEqual(self.env["queue.job"].search_count([]), jobs)
        # in a batch, only the valid items count
        mixed = {"value": [unknown, self.item(clientState="guessed"), self.item()]}
        self.assertEqual(self.post(mixed).status_code, 202)
        self.assertEqual(len(self.pending()), 1)

    def test_duplicated_notifications_make_one_pending_pull_in_milliseconds(self):
        durations = []
        for _i in range(5):
            started = time.monotonic()
            response = self.post({"value": [self.item(), self.item(changeType="created")]})
            durations.append(time.monotonic() - started)
            self.assertEqual(response.status_code, 202)
        self.assertLess(max(durations), 0.5)
        self.assertEqual(len(self.pending()), 1)

    def test_a_body_over_the_cap_is_refused(self):
        padding = "x" * (300 * 1024)
        self.assertEqual(self.post({"value": [self.item(padding=padding)]}).status_code, 413)
        form = {"payload": padding}
        response = self.opener.post(self.base_url() + NOTIFY, data=form, timeout=10)
        self.assertEqual(response.status_code, 413)
        self.assertFalse(self.pending())

    # -- lifecycle notifications ----------------------------------------------------------
    def test_reauthorization_required_renews_the_subscription(self):
        subscription = self.subscription()
        self.account.sudo().channel_expiration = fields.Datetime.now() + timedelta(hours=30)
        delivery = self.lifecycle("reauthorizationRequired")
        self.assertEqual(delivery.status, 202)
        self.assertEqual(len(self.pending("_job_watch")), 1)
        self.run_jobs()
        self.assertEqual(self.emulator.count("microsoft", "subscriptions.update"), 1)
        self.assertEqual(self.emulator.count("microsoft", "subscriptions.create"), 0)
        self.assertEqual(self.subscription()["id"], subscription["id"])
        self.assertFullLifetime(self.account.channel_expiration)

    def test_subscription_removed_is_recreated_and_pulled(self):
        old = self.subscription()
        event, external_id = self.synced_event()
        self.emulator.notifier.mode.drop = 1
        self.outlook("PATCH", f"/me/events/{external_id}", json={"location": {"displayName": "R8"}})
        delivery = self.lifecycle("subscriptionRemoved")
        self.assertFalse(self.subscriptions(), "Graph removed it")
        self.assertEqual(delivery.status, 202)
        [job] = self.pending("_job_watch")
        self.assertTrue(job.kwargs["removed"])
        self.run_jobs()
        new = self.subscription()
        self.assertNotEqual(new["id"], old["id"])
        self.assertEqual(self.account.channel_resource_id, new["id"])
        self.assertEqual(self.account._get_secret("channel_secret"), new["clientState"])
        self.assertEqual(self.emulator.count("microsoft", "subscriptions.update"), 0)
        self.assertEqual(self.emulator.count("microsoft", "subscriptions.delete"), 0)
        self.assertEqual(event.location, "R8", "what the lost notification announced is pulled")
        stale = self.item(subscriptionId=old["id"], clientState=old["clientState"])
        self.assertEqual(self.post({"value": [stale]}).status_code, 404)

    def test_missed_notifications_are_pulled(self):
        event, external_id = self.synced_event()
        self.emulator.notifier.mode.drop = 1
        self.outlook("PATCH", f"/me/events/{external_id}", json={"location": {"displayName": "R9"}})
        self.assertFalse(self.pending(), "the notification was lost")
        self.assertEqual(self.lifecycle("missed").status, 202)
        self.assertEqual(len(self.pending()), 1)
        self.assertFalse(self.pending("_job_watch"))
        self.run_jobs()
        self.assertEqual(event.location, "R9")

    # -- crons ----------------------------------------------------------------------------
    def test_renewal_cron_extends_the_subscription(self):
        subscription = self.subscription()
        self.account.sudo().channel_expiration = fields.Datetime.now() + timedelta(days=2)
        self.account._cron_renew_channels()
        self.assertFalse(self.pending("_job_watch"), "two days left: not yet")
        soon = fields.Datetime.now() + timedelta(hours=3)
        self.account.sudo().channel_expiration = soon
        self.account._cron_renew_channels()
        self.assertEqual(len(self.pending("_job_watch")), 1)
        self.assertFalse(self.emulator.count("microsoft", "subscriptions.update"), "cron: no API")
        self.run_jobs()
        renewed = self.subscription()
        self.assertEqual(renewed["id"], subscription["id"])
        self.assertEqual(renewed["clientState"], subscription["clientState"])
        self.assertFullLifetime(self.account.channel_expiration)
        graph_end = renewed["_expires"].astimezone(UTC).replace(tzinfo=None)
        self.assertAbout(graph_end, self.account.channel_expiration)
        self.assertEqual(self.emulator.count("microsoft", "subscriptions.create"), 0)
        log = self.env["calendar.sync.log"].search(
            [("account_id", "=", self.account.id), ("operation", "=", "renew")]
        )
        self.assertEqual(log.status, "success")

    def test_renewal_cron_recreates_a_subscription_that_cannot_be_renewed(self):
        old = self.subscription()
        self.microsoft.expire_subscriptions(ALICE)
        self.account.sudo().channel_expiration = fields.Datetime.now() + timedelta(hours=1)
        self.account._cron_renew_channels()
        self.run_jobs()
        new = self.subscription()
        self.assertNotEqual(new["id"], old["id"])
        self.assertEqual(self.account.channel_resource_id, new["id"])
        self.assertFullLifetime(self.account.channel_expiration)
        self.assertEqual(self.emulator.count("microsoft", "subscriptions.update"), 1)
        self.assertEqual(self.emulator.count("microsoft", "subscriptions.create"), 1)
        self.assertEqual(self.emulator.count("microsoft", "subscriptions.delete"), 1)
        logs = self.env["calendar.sync.log"].search(
            [("account_id", "=", self.account.id), ("direction", "=", "channel")], order="id"
        )
        self.assertEqual(
            [(log.operation, log.status) for log in logs][-2:],
            [("renew", "failure"), ("watch", "success")],
        )

    def test_fallback_cron_pulls_quiet_microsoft_accounts(self):
        bob = new_test_user(self.env, "ccs_msnotify_bob", email="bob@example.com")
        carol = new_test_user(self.env, "ccs_msnotify_carol", email="carol@example.com")
        bob_account = self.connect(bob, "bob@example.com", "microsoft")
        carol_account = self.connect(carol, "carol@example.com", "microsoft")
        now = fields.Datetime.now()
        self.account.sudo().last_notification_at = now - timedelta(minutes=2)
        bob_account.sudo().last_notification_at = now - timedelta(hours=1)
        self.account._cron_pull_quiet_accounts()
        self.assertEqual(sum(self.emulator.stats.values()), 0, "the cron calls no API")
        pulled = {job.records.id for job in self.pending()}
        self.assertEqual(pulled, {bob_account.id, carol_account.id})

    # -- disconnect -----------------------------------------------------------------------
    def test_disconnect_deletes_the_subscription_in_a_job(self):
        event, external_id = self.synced_event()
        self.emulator.stats.clear()
        self.account.with_user(self.alice).action_disconnect()
        self.assertEqual(sum(self.emulator.stats.values()), 0, "the button calls no API")
        self.assertEqual(len(self.pending("_job_disconnect")), 1)
        # a change in Outlook meanwhile: its subscription is no longer ours, nothing is pulled
        self.outlook("PATCH", f"/me/events/{external_id}", json={"location": {"displayName": "R5"}})
        self.assertEqual(self.emulator.notifier.sent[-1].status, 404)
        self.run_jobs()
        self.assertFalse(self.subscriptions())
        self.assertEqual(self.emulator.count("microsoft", "subscriptions.delete"), 1)
        self.assertIsNone(self.account._get_secret("token_data"))
        self.assertIsNone(self.account._get_secret("channel_secret"))
        self.assertFalse(self.pending())
        self.assertFalse(event.location)
