"""Concurrent bookings of one slot, each in its own thread and its own database transaction
(real connections, committed as in production): exactly one wins, in Odoo and at the provider
(Google and Outlook).

The test's own transaction cannot be seen by other connections, so the user, the account
and the emulator settings are committed by the test and removed after it."""

import threading
import uuid
from datetime import datetime
from urllib.parse import parse_qs, urlparse

import requests

from odoo import SUPERUSER_ID, Command, api
from odoo.api import Transaction
from odoo.tests import TransactionCase, new_test_user, tagged

from ..tools import emulator_settings
from .common import CLOSED_URL, CONNECT_REDIRECT, get_emulator, odoo_base_url

EMAIL = "racer@example.com"
START = datetime(2030, 1, 7, 9, 0)
# the figure: 20 requests for one slot at once (Odoo's pool holds 64 connections)
BOOKINGS = 20


@tagged("post_install", "-at_install")
class TestConcurrentBookings(TransactionCase):
    provider = "google"

    def committed(self):
        """A transaction of its own, committed at the end (what another request does)."""
        cursor = self.registry.cursor()
        return cursor, api.Environment(cursor, SUPERUSER_ID, {})

    def setUp(self):
        super().setUp()
        self.emulator = get_emulator()
        self.emulator.reset()
        cr, env = self.committed()
        with cr:
            params = env["ir.config_parameter"].sudo()
            saved = {
                p.key: p.value
                for p in params.search(
                    ["|", ("key", "=like", "calendar_cloud_sync.%"), ("key", "=", "web.base.url")]
                )
            }
            emulator_settings.configure(
                env,
                self.emulator.base_url,
                self.emulator.tls_base_url,
                self.emulator.ca_file,
                odoo_base_url(),
            )
            params.set_param("calendar_cloud_sync.webhook_base_url", CLOSED_URL)
            login = f"ccs_racer_{uuid.uuid4().hex[:8]}"
            user = new_test_user(env, login, groups="base.group_user", tz="UTC")
            hours = env["resource.calendar"].create(
                {
                    "name": "Racer",
                    "tz": "UTC",
                    "attendance_ids": [
                        Command.clear(),
                        Command.create(
                            {"name": "Mon", "dayofweek": "0", "hour_from": 9, "hour_to": 12}
                        ),
                    ],
                }
            )
            env["resource.resource"].create(
                {"name": login, "user_id": user.id, "calendar_id": hours.id}
            )
            account = env["calendar.sync.account"].create(
                {"user_id": user.id, "provider": self.provider}
            )
            connector = account._connector(self.provider)
            calendars, token_data = connector.calendars(self.consent(connector))
            [default] = [c for c in calendars if c.is_default]
            account._set_secret("token_data", token_data)
            account.write(
                {
                    "state": "connected",
                    "remote_email": EMAIL,
                    "remote_calendar_id": default.id,
                    "remote_calendar_name": default.name,
                }
            )
            self.user_id, self.account_id, self.calendar_id = user.id, account.id, hours.id
        self.addCleanup(self.remove, saved)

    def consent(self, connector):
        """Tokens as the provider's consent gives them to the connect flow."""
        if self.provider == "google":
            grant = self.emulator.providers["google"].grant(EMAIL)
            return {"refresh_token": grant["refresh_token"]}
        self.emulator.providers["microsoft"].auto_approve = True
        url, flow = connector.begin(CONNECT_REDIRECT, "state", login_hint=EMAIL)
        location = requests.get(url, allow_redirects=False, timeout=10).headers["Location"]
        query = {k: v[0] for k, v in parse_qs(urlparse(location).query).items()}
        return connector.finish(flow, query).token_data

    def titles_at_provider(self):
        """The titles of the booked events in the user's calendar at the provider."""
        emulator = self.emulator.providers[self.provider]
        if self.provider == "google":
            return [e["summary"] for e in emulator.events_of(EMAIL)]
        return [e["subject"] for e in emulator.mailbox(EMAIL).events.values()]

    def remove(self, saved):
        cr, env = self.committed()
        with cr:
            account = env["calendar.sync.account"].browse(self.account_id)
            env["queue.job"].search([("ccs_account_id", "=", account.id)]).unlink()
            account.unlink()
            env["calendar.event"].search([("user_id", "=", self.user_id)]).unlink()
            env["queue.job"].search([("ccs_account_id", "=", self.account_id)]).unlink()
            user = env["res.users"].browse(self.user_id)
            user.resource_ids.unlink()
            env["resource.calendar"].browse(self.calendar_id).unlink()
            user.write({"active": False})
            params = env["ir.config_parameter"].sudo()
            for param in params.search([("key", "=like", "calendar_cloud_sync.%")]):
                if param.key not in saved:
                    param.unlink()
            for key, value in saved.items():
                params.set_param(key, value)

    def test_concurrent_bookings_of_one_slot_make_one_event_here_and_at_the_provider(self):
        answers = [None] * BOOKINGS
        go = threading.Barrier(BOOKINGS)

        def book(index):
            cr = self.registry.cursor()
            # the loading registry's lock is held by the test's thread: hand it over
            cr.transaction = Transaction(self.registry)
            with cr:
                env = api.Environment(cr, self.user_id, {})
                go.wait()
                answers[index] = env["calendar.sync.availability"].book(
                    self.user_id,
                    "2030-01-07 09:00:00",
                    "2030-01-07 09:30:00",
                    f"Race {index}",
                )
                # the invitation mails' post-commit sender looks the registry up by name,
                # under the lock the loading test holds: not sent here
                cr.postcommit.clear()

        threads = [threading.Thread(target=book, args=(i,)) for i in range(BOOKINGS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        statuses = sorted(a["status"] for a in answers if a)
        self.assertEqual(statuses, ["booked"] + ["taken"] * (BOOKINGS - 1))
        taken = next(a for a in answers if a["status"] == "taken")
        self.assertEqual(taken["next_slots"][0]["start"], "2030-01-07 09:30:00")
        cr, env = self.committed()
        with cr:
            events = env["calendar.event"].search(
                [("user_id", "=", self.user_id), ("start", "=", START)]
            )
            self.assertEqual(len(events), 1)
            name = events.name
        at_provider = [t for t in self.titles_at_provider() if t.startswith("Race")]
        self.assertEqual(at_provider, [name])


@tagged("post_install", "-at_install")
class TestConcurrentBookingsMicrosoft(TestConcurrentBookings):
    provider = "microsoft"
    # Odoo's loader takes a class's own test methods only, unless told
    allow_inherited_tests_method = True
