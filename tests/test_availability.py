"""Availability and booking (DESIGN.md section 2) through the emulator: free slots around Odoo
events, working hours and the provider's busy time; a provider down says so; a booking is
pushed at once, a second booking of the slot is taken, a repeated key books once."""

import json
from datetime import datetime, timedelta

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import EmulatorMixin, JobRunnerMixin, SyncCaseMixin

EMAIL = "ada@example.com"
# a Monday, in the future for a long time
MONDAY = datetime(2030, 1, 7)


def at(hour, minute=0):
    return MONDAY.replace(hour=hour, minute=minute)


def utc(moment):
    return fields.Datetime.to_string(moment)


def slot(hour, minute=0, minutes=30):
    return {
        "start": utc(at(hour, minute)),
        "end": utc(at(hour, minute) + timedelta(minutes=minutes)),
    }


class AvailabilityCase(EmulatorMixin, JobRunnerMixin, SyncCaseMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = new_test_user(cls.env, "ccs_ada", groups="base.group_user", tz="UTC")
        # Mondays 9:00-12:00 UTC
        hours = cls.env["resource.calendar"].create(
            {
                "name": "Ada's mornings",
                "tz": "UTC",
                "attendance_ids": [
                    Command.clear(),
                    Command.create(
                        {"name": "Monday", "dayofweek": "0", "hour_from": 9, "hour_to": 12}
                    ),
                ],
            }
        )
        cls.env["resource.resource"].create(
            {"name": "Ada", "user_id": cls.user.id, "calendar_id": hours.id}
        )

    def setUp(self):
        super().setUp()
        self.account = self.connect(self.user, EMAIL)
        self.google = self.emulator.providers["google"]

    def find(self, **kwargs):
        values = {
            "user_ids": [self.user.id],
            "start": utc(at(0)),
            "end": utc(at(23)),
            "duration_minutes": 30,
            "step_minutes": 30,
        }
        values.update(kwargs)
        return self.env["calendar.sync.availability"].with_user(self.user).find_slots(**values)

    def google_busy(self, hour, minute=0, minutes=30):
        start = at(hour, minute)
        self.google.put_event(
            EMAIL,
            {
                "summary": "At Google",
                "start": {"dateTime": start.isoformat() + "Z"},
                "end": {"dateTime": (start + timedelta(minutes=minutes)).isoformat() + "Z"},
            },
        )


@tagged("post_install", "-at_install")
class TestFindSlots(AvailabilityCase):
    def test_free_slots_around_odoo_events_and_the_providers_busy_time(self):
        self.new_event(self.user, at(9, 30), stop=at(10))
        declined = self.new_event(self.user, at(11), stop=at(11, 30))
        declined.attendee_ids.filtered(lambda a: a.partner_id == self.user.partner_id).write(
            {"state": "declined"}
        )
        self.google_busy(10, 30)
        answer = self.find()
        self.assertEqual(
            answer,
            {
                "slots": [slot(9), slot(10), slot(11), slot(11, 30)],
                "degraded": False,
                "sources": {str(self.account.id): "ok"},
            },
        )
        self.assertEqual(self.emulator.count("google", "freebusy.query"), 1)
        # buffers keep a quarter of an hour around busy time; asked again within seconds,
        # the provider's answer comes from the cache
        answer = self.find(step_minutes=15, buffer_minutes=15)
        self.assertEqual([s["start"][11:16] for s in answer["slots"]], ["11:15", "11:30"])
        self.assertEqual(self.emulator.count("google", "freebusy.query"), 2)
        self.find()
        self.assertEqual(self.emulator.count("google", "freebusy.query"), 2)

    def test_a_provider_down_is_said_and_odoo_still_answers(self):
        self.google_busy(10, 30)
        self.emulator.add_fault("google", "freebusy.query", status=500)
        answer = self.find()
        self.assertTrue(answer["degraded"])
        self.assertEqual(answer["sources"], {str(self.account.id): "down"})
        self.assertEqual(len(answer["slots"]), 6)

    def test_bad_input_is_a_clear_error(self):
        for bad in (
            {"start": "2030-01-07T00:00:00Z"},
            {"end": utc(at(0))},
            {"end": utc(MONDAY + timedelta(days=70))},
            {"duration_minutes": 0},
            {"duration_minutes": "30"},
            {"tz": "Mars/Olympus"},
            {"user_ids": [0]},
        ):
            with self.subTest(bad=bad), self.assertRaises(UserError):
                self.find(**bad)


@tagged("post_install", "-at_install")
class TestBooking(AvailabilityCase):
    def setUp(self):
        super().setUp()
        self.key = (
            self.env["res.users.apikeys"]
            .with_user(self.user)
            ._generate(None, "booking bot", fields.Datetime.now() + timedelta(days=1))
        )

    def post(self, route, key=None, **kwargs):
        response = self.url_open(
            f"/calendar_cloud_sync/{route}",
            data=json.dumps(kwargs),
            headers={
                "Authorization": f"Bearer {key or self.key}",
                "Content-Type": "application/json",
            },
        )
        is_json = response.headers.get("Content-Type", "").startswith("application/json")
        return response.status_code, response.json() if is_json else None

    def book(self, hour, minute=0, **kwargs):
        values = {
            "user_id": self.user.id,
            "start": utc(at(hour, minute)),
            "end": utc(at(hour, minute) + timedelta(minutes=30)),
            "name": "Call with a customer",
        }
        values.update(kwargs)
        return self.post("book", **values)

    def bookings(self):
        return self.env["calendar.event"].search(
            [("user_id", "=", self.user.id), ("name", "=", "Call with a customer")]
        )

    def test_a_booking_is_pushed_at_once_and_the_slot_is_then_taken(self):
        self.google_busy(9, 30)
        status, answer = self.book(9)
        self.assertEqual(status, 200)
        event = self.bookings()
        self.assertEqual(answer, {"status": "booked", "event_id": event.id, "join_url": None})
        # at Google before any job ran
        at_google = [e for e in self.google.events_of(EMAIL) if e["summary"] == event.name]
        self.assertEqual(len(at_google), 1)
        self.assertEqual(self.binding(event).state, "synced")

        status, answer = self.book(9, idempotency_key="other")
        self.assertEqual(status, 200)
        self.assertEqual(answer["status"], "taken")
        self.assertEqual(answer["next_slots"][:2], [slot(10), slot(10, 15)])
        self.assertEqual(len(self.bookings()), 1)

    def test_the_same_idempotency_key_books_once(self):
        first = self.book(10, idempotency_key="call-42")
        again = self.book(10, idempotency_key="call-42")
        self.assertEqual(first, again)
        self.assertEqual(first[1]["status"], "booked")
        self.assertEqual(len(self.bookings()), 1)
        self.assertEqual(
            len(
                [e for e in self.google.events_of(EMAIL) if e["summary"] == "Call with a customer"]
            ),
            1,
        )

    def test_availability_route_answers_the_methods_dict(self):
        status, answer = self.post(
            "availability",
            user_ids=[self.user.id],
            start=utc(at(0)),
            end=utc(at(23)),
            duration_minutes=60,
            step_minutes=60,
        )
        self.assertEqual(status, 200)
        self.assertEqual(
            answer["slots"], [slot(9, minutes=60), slot(10, minutes=60), slot(11, minutes=60)]
        )
        self.assertEqual(self.post("availability", user_ids=[self.user.id])[0], 400)
        self.assertEqual(self.post("availability", colour="red")[0], 400)

    def test_who_may_book_and_ask(self):
        other = new_test_user(self.env, "ccs_bob", groups="base.group_user")
        portal = new_test_user(self.env, "ccs_portal_bot", groups="base.group_portal")
        bob_key = (
            self.env["res.users.apikeys"]
            .with_user(other)
            ._generate(None, "bob", fields.Datetime.now() + timedelta(days=1))
        )
        portal_key = (
            self.env["res.users.apikeys"]
            .with_user(portal)
            ._generate(None, "portal", fields.Datetime.now() + timedelta(days=1))
        )
        # an internal user sees another internal user's free time, and cannot book it
        self.assertEqual(
            self.post(
                "availability",
                bob_key,
                user_ids=[self.user.id],
                start=utc(at(0)),
                end=utc(at(23)),
                duration_minutes=30,
            )[0],
            200,
        )
        self.assertEqual(self.book(9, key=bob_key)[0], 403)
        # a portal user gets nothing
        self.assertEqual(
            self.post(
                "availability",
                portal_key,
                user_ids=[self.user.id],
                start=utc(at(0)),
                end=utc(at(23)),
                duration_minutes=30,
            )[0],
            403,
        )
        self.assertEqual(
            self.post(
                "availability",
                portal_key,
                user_ids=[portal.id],
                start=utc(at(0)),
                end=utc(at(23)),
                duration_minutes=30,
            )[0],
            403,
        )
        self.assertEqual(self.book(9, key=portal_key, user_id=portal.id)[0], 403)
        # the "book for others" group may
        other.groups_id += self.env.ref("calendar_cloud_sync.group_booking_agent")
        self.assertEqual(self.book(9, key=bob_key)[1]["status"], "booked")
        self.assertEqual(self.post("book", "wrong-key", user_id=self.user.id)[0], 401)
