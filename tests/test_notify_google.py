"""Google push notifications: the emulator's channels POST to Odoo's test server for real, and
what they enqueue runs as queue jobs against the emulator."""

import logging
import statistics
import time
import uuid
from datetime import datetime, timedelta

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

from .common import EmulatorMixin, JobRunnerMixin, SyncCaseMixin

_logger = logging.getLogger(__name__)

NOTIFY = "/calendar_cloud_sync/google/notify"
START = (datetime.now() + timedelta(days=30)).replace(hour=9, minute=0, second=0, microsecond=0)


@tagged("post_install", "-at_install")
class TestNotifyGoogle(SyncCaseMixin, EmulatorMixin, JobRunnerMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alice = new_test_user(
            cls.env, "ccs_notify_alice", groups="base.group_user", email="alice@example.com"
        )

    def setUp(self):
        super().setUp()
        self.google = self.emulator.providers["google"]
        self.account = self.connect(self.alice, "alice@example.com")
        self.account._start_sync()
        self.run_jobs()  # the first pull and the watch; the channel's `sync` message arrives

    # -- helpers --------------------------------------------------------------------------
    def channel(self, email="alice@example.com"):
        [channel] = self.google.channels_of(email)
        return channel

    def headers(self, state="exists", **overrides):
        """The headers Google sends on the account's current channel."""
        channel = self.channel()
        headers = {
            "X-Goog-Channel-ID": channel.id,
            "X-Goog-Channel-Token": channel.token,
            "X-Goog-Resource-ID": channel.resource_id,
            "X-Goog-Resource-URI": channel.resource_uri,
            "X-Goog-Resource-State": state,
            "X-Goog-Message-Number": "7",
        }
        headers.update(overrides)
        return headers

    def post(self, headers, data=b""):
        return self.opener.post(self.base_url() + NOTIFY, headers=headers, data=data, timeout=10)

    def in_google(self, change):
        """``change`` made in Google's own UI; the notifications it causes are delivered."""
        self.env.flush_all()
        result = change()
        self.emulator.notifier.flush()
        self.env.invalidate_all()
        return result

    def pending(self, method="_job_pull"):
        return self.env["queue.job"].search(
            [("method_name", "=", method), ("state", "=", "pending")]
        )

    def deliveries(self, state):
        return [
            d for d in self.emulator.notifier.sent if d.headers["X-Goog-Resource-State"] == state
        ]

    def new_event(self, **values):
        return (
            self.env["calendar.event"]
            .with_user(self.alice)
            .create(
                {
                    "name": "Planning",
                    "start": START,
                    "stop": START + timedelta(hours=1),
                    "user_id": self.alice.id,
                    "partner_ids": [(6, 0, self.alice.partner_id.ids)],
                    **values,
                }
            )
        )

    # -- the channel ----------------------------------------------------------------------
    def test_sync_start_opens_a_channel_with_an_encrypted_secret(self):
        channel = self.channel()
        self.assertEqual(self.account.channel_id, channel.id)
        self.assertEqual(self.account.channel_resource_id, channel.resource_id)
        self.assertEqual(channel.address, self.base_url() + NOTIFY)
        # a week, less up to a day so that channels opened together do not end together
        end, now = self.account.channel_expiration, fields.Datetime.now()
        self.assertLessEqual(end, now + timedelta(days=7, minutes=1))
        self.assertGreaterEqual(end, now + timedelta(days=6, minutes=-1))
        self.assertEqual(self.account._get_secret("channel_secret"), channel.token)
        self.env.cr.execute(
            "SELECT channel_secret FROM calendar_sync_account WHERE id = %s", [self.account.id]
        )
        [stored] = self.env.cr.fetchone()
        self.assertTrue(stored)
        self.assertNotIn(channel.token, stored, "the channel token is encrypted at rest")

    def test_the_first_sync_message_is_accepted_and_enqueues_nothing(self):
        [sync] = self.deliveries("sync")
        self.assertEqual(sync.status, 200)
        self.assertFalse(self.env["queue.job"].search([("state", "=", "pending")]))
        self.assertEqual(self.post(self.headers("sync")).status_code, 200)
        self.assertFalse(self.env["queue.job"].search([("state", "=", "pending")]))

    # -- notifications --------------------------------------------------------------------
    def test_a_change_in_google_is_pulled_through_its_notification(self):
        event = self.new_event()
        self.run_jobs()  # pushed; Google notifies our own write, and that pull changes nothing
        external_id = self.env["calendar.sync.binding"].search([("event_id", "=", event.id)])
        self.in_google(
            lambda: self.google.change_event(
                "alice@example.com", external_id.external_id, {"location": "Room 7"}
            )
        )
        [delivery] = self.deliveries("exists")[-1:]
        self.assertEqual(delivery.status, 200)
        [job] = self.pending()
        self.assertTrue(job.kwargs.get("notified_at"))
        self.assertEqual(event.location, False, "only the job applies the change")
        self.run_jobs()
        self.assertEqual(event.location, "Room 7")
        self.assertTrue(self.account.last_notification_at)

    def test_unknown_channel_or_bad_token_is_refused_and_enqueues_nothing(self):
        before = self.env["queue.job"].search_count([])
        unknown = self.post(self.headers(**{"X-Goog-Channel-ID": str(uuid.uuid4())}))
        self.assertEqual(unknown.status_code, 404)
        self.assertEqual(self.post(self.headers(**{"X-Goog-Channel-ID": ""})).status_code, 404)
        bad_token = self.post(self.headers(**{"X-Goog-Channel-Token": "guessed"}))
        self.assertEqual(bad_token.status_code, 403)
        no_token = self.headers()
        del no_token["X-Goog-Channel-Token"]
        self.assertEqual(self.post(no_token).status_code, 403)
        wrong_resource = self.post(self.headers(**{"X-Goog-Resource-ID": "someone-elses"}))
        self.assertEqual(wrong_resource.status_code, 403)
        self.assertEqual(self.env["queue.job"].search_count([]), before)

    def test_a_deleted_resource_is_pulled_and_an_unknown_state_refused(self):
        self.assertEqual(self.post(self.headers("teapot")).status_code, 400)
        self.assertFalse(self.pending())
        self.assertEqual(self.post(self.headers("not_exists")).status_code, 200)
        self.assertEqual(len(self.pending()), 1)

    def test_duplicated_notifications_make_one_pending_pull(self):
        answers = [self.post(self.headers()).status_code for _i in range(5)]
        self.assertEqual(answers, [200] * 5)
        self.assertEqual(len(self.pending()), 1)

    def test_the_endpoint_answers_in_milliseconds(self):
        durations = []
        for _i in range(20):
            started = time.monotonic()
            response = self.post(self.headers())
            durations.append(time.monotonic() - started)
            self.assertEqual(response.status_code, 200)
        self.assertLess(max(durations), 0.5)
        _logger.info(
            "notify endpoint: median %.1f ms, max %.1f ms over %d posts",
            statistics.median(durations) * 1000,
            max(durations) * 1000,
            len(durations),
        )

    def test_a_body_over_the_cap_is_refused(self):
        body = b"x" * (17 * 1024)
        self.assertEqual(self.post(self.headers(), data=body).status_code, 413)
        form = {"payload": "x" * (17 * 1024)}
        self.assertEqual(self.post(self.headers(), data=form).status_code, 413)
        self.assertFalse(self.pending())
        self.assertEqual(self.post(self.headers(), data=b"x" * 100).status_code, 200)

    # -- crons ----------------------------------------------------------------------------
    def test_renewal_cron_replaces_a_channel_that_ends_soon(self):
        old = self.channel()
        self.account.sudo().channel_expiration = fields.Datetime.now() + timedelta(days=2)
        self.account._cron_renew_channels()
        self.assertFalse(self.pending("_job_watch"), "two days left: not yet")
        self.account.sudo().channel_expiration = fields.Datetime.now() + timedelta(hours=3)
        watches = self.emulator.count("google", "events.watch")
        self.account._cron_renew_channels()
        self.assertEqual(len(self.pending("_job_watch")), 1)
        self.assertEqual(self.emulator.count("google", "events.watch"), watches, "cron: no API")
        self.run_jobs()
        new = self.channel()
        self.assertNotEqual(new.id, old.id)
        self.assertEqual(self.account.channel_id, new.id)
        self.assertEqual(self.account._get_secret("channel_secret"), new.token)
        self.assertEqual(self.emulator.count("google", "channels.stop"), 1)
        # the old channel's id is no longer ours
        stale = self.headers(**{"X-Goog-Channel-ID": old.id, "X-Goog-Channel-Token": old.token})
        self.assertEqual(self.post(stale).status_code, 404)

    def test_renewal_goes_on_when_the_old_channel_cannot_be_stopped(self):
        old = self.channel()
        self.account.sudo().channel_expiration = fields.Datetime.now() + timedelta(hours=1)
        self.emulator.add_fault("google", "channels.stop", status=503, times=1)
        self.account._cron_renew_channels()
        self.run_jobs()
        self.assertNotEqual(self.account.channel_id, old.id)
        self.assertEqual(len(self.google.channels_of("alice@example.com")), 2)
        log = self.env["calendar.sync.log"].search(
            [("account_id", "=", self.account.id), ("operation", "=", "stop")]
        )
        self.assertEqual(log.status, "failure")

    def test_a_missing_channel_is_recreated_by_the_cron(self):
        self.account.sudo().write({"channel_id": False, "channel_resource_id": False})
        self.account._cron_renew_channels()
        self.run_jobs()
        self.assertTrue(self.account.channel_id)
        self.assertIn(
            self.account.channel_id, [c.id for c in self.google.channels_of("alice@example.com")]
        )

    def test_fallback_cron_pulls_only_quiet_accounts(self):
        bob = new_test_user(self.env, "ccs_notify_bob", email="bob@example.com")
        carol = new_test_user(self.env, "ccs_notify_carol", email="carol@example.com")
        dave = new_test_user(self.env, "ccs_notify_dave", email="dave@example.com")
        bob_account = self.connect(bob, "bob@example.com")
        carol_account = self.connect(carol, "carol@example.com")
        dave_account = self.connect(dave, "dave@example.com")
        now = fields.Datetime.now()
        self.account.sudo().last_notification_at = now - timedelta(minutes=2)
        bob_account.sudo().last_notification_at = now - timedelta(hours=1)
        dave_account.sudo().write({"state": "needs_reauth"})
        calls = sum(self.emulator.stats.values())
        self.account._cron_pull_quiet_accounts()
        self.assertEqual(sum(self.emulator.stats.values()), calls, "the cron calls no API")
        pulled = {job.records.id for job in self.pending()}
        self.assertEqual(pulled, {bob_account.id, carol_account.id})

    # -- disconnect -----------------------------------------------------------------------
    def test_disconnect_stops_the_channel_and_revokes_the_token_in_a_job(self):
        event = self.new_event()
        self.run_jobs()
        refresh_token = self.account._get_secret("token_data")["refresh_token"]
        calls = sum(self.emulator.stats.values())
        self.account.with_user(self.alice).action_disconnect()
        self.assertEqual(self.account.state, "disconnected")
        self.assertEqual(sum(self.emulator.stats.values()), calls, "the button calls no API")
        self.assertTrue(self.account._get_secret("token_data"), "kept until the job revoked it")
        self.assertEqual(len(self.pending("_job_disconnect")), 1)
        # a change in Google meanwhile: its channel is no longer known, nothing is pulled
        self.in_google(
            lambda: self.google.change_event(
                "alice@example.com",
                self.env["calendar.sync.binding"].search([("event_id", "=", event.id)]).external_id,
                {"location": "Room 9"},
            )
        )
        self.assertEqual(self.deliveries("exists")[-1].status, 404)
        self.run_jobs()
        self.assertFalse(self.google.channels_of("alice@example.com"))
        self.assertTrue(self.google.refresh_tokens[refresh_token]["revoked"])
        self.assertEqual(self.emulator.count("google", "channels.stop"), 1)
        self.assertIsNone(self.account._get_secret("token_data"))
        self.assertIsNone(self.account._get_secret("channel_secret"))
        self.assertTrue(event.exists(), "the Odoo events stay")
        self.assertFalse(self.pending("_job_pull"))

    def test_disconnect_forgets_the_token_after_its_last_try(self):
        refresh_token = self.account._get_secret("token_data")["refresh_token"]
        self.emulator.add_fault("google", "oauth.revoke", status=503, times=100)
        self.account.with_user(self.alice).action_disconnect()
        self.run_jobs()
        self.assertEqual(self.emulator.count("google", "oauth.revoke"), 5, "five tries, no more")
        self.assertFalse(self.google.refresh_tokens[refresh_token]["revoked"])
        self.assertIsNone(self.account._get_secret("token_data"))
        self.assertFalse(self.google.channels_of("alice@example.com"), "the channel was stopped")
        failures = self.env["calendar.sync.log"].search(
            [("account_id", "=", self.account.id), ("operation", "=", "revoke")]
        )
        self.assertEqual(failures.mapped("status"), ["failure"])

    def test_a_reconnect_before_the_disconnect_job_keeps_the_new_grant(self):
        old = self.channel()
        self.account.with_user(self.alice).action_disconnect()
        grant = self.google.grant("alice@example.com")
        self.account._set_secret("token_data", {"refresh_token": grant["refresh_token"]})
        self.account.sudo().state = "connected"
        self.account._start_sync()
        self.run_jobs()
        self.assertNotEqual(self.account.channel_id, old.id)
        self.assertEqual(self.channel().id, self.account.channel_id, "only the old one stopped")
        self.assertFalse(self.google.refresh_tokens[grant["refresh_token"]]["revoked"])
        self.assertEqual(
            self.account._get_secret("token_data")["refresh_token"], grant["refresh_token"]
        )
