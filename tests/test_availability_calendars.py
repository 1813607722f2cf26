"""Availability counts every calendar of a connection not set to off, synced or not, asked live
in one free/busy request per provider where the API allows (issue 13, item 3): a secondary
calendar's meeting makes its hour busy; a calendar set to off does not count."""

import uuid
from datetime import timedelta

from odoo.tests import new_test_user, tagged

from .test_availability import EMAIL, AvailabilityCase, at, slot

OUTLOOK_EMAIL = "ola@example.com"


class CalendarsCase(AvailabilityCase):
    def calendar_row(self, account, remote_id, name, mode, **values):
        """The connection's row for a calendar (made by the listing when there is one)."""
        row = account.calendar_ids.filtered(lambda c: c.remote_id == remote_id)
        values = {"name": name, "mode": mode, **values}
        if row:
            row.sudo().write(values)
            return row
        return (
            self.env["calendar.sync.calendar"]
            .sudo()
            .create({"account_id": account.id, "remote_id": remote_id, **values})
        )

    def find_all_day(self, user):
        return (
            self.env["calendar.sync.availability"]
            .with_user(user)
            .find_slots(
                user_ids=[user.id],
                start=self.utc_text(at(0)),
                end=self.utc_text(at(23)),
                duration_minutes=30,
                step_minutes=30,
            )
        )

    @staticmethod
    def utc_text(moment):
        return moment.strftime("%Y-%m-%d %H:%M:%S")


@tagged("post_install", "-at_install")
class TestAvailabilityEveryCalendarGoogle(CalendarsCase):
    def test_every_calendar_not_off_counts_in_one_request(self):
        family = self.google.add_calendar(EMAIL, "Family")
        holidays = self.google.add_calendar(EMAIL, "Holidays")
        for calendar_id, hour in ((family, 10), (holidays, 11)):
            start = at(hour)
            self.google.put_event(
                EMAIL,
                {
                    "summary": "Elsewhere",
                    "start": {"dateTime": start.isoformat() + "Z"},
                    "end": {"dateTime": (start + timedelta(minutes=30)).isoformat() + "Z"},
                },
                calendar_id=calendar_id,
            )
        self.calendar_row(
            self.account,
            self.account.remote_calendar_id,
            "Ada",
            "two_way",
            is_default=True,
            owner_email=EMAIL,
        )
        # synced or not, a calendar not off counts: busy only here, off for the holidays
        self.calendar_row(self.account, family, "Family", "busy", owner_email=EMAIL)
        self.calendar_row(self.account, holidays, "Holidays", "off", owner_email=EMAIL)
        self.emulator.stats.clear()
        answer = self.find()
        self.assertEqual(
            answer["slots"],
            [slot(9), slot(9, 30), slot(10, 30), slot(11), slot(11, 30)],
        )
        self.assertFalse(answer["degraded"])
        self.assertEqual(self.emulator.count("google"), 1)
        self.assertEqual(self.emulator.count("google", "freebusy.query"), 1)


@tagged("post_install", "-at_install")
class TestAvailabilityEveryCalendarMicrosoft(CalendarsCase):
    def test_the_default_calendar_by_schedule_the_others_by_their_view(self):
        user = new_test_user(self.env, "ccs_ola", groups="base.group_user", tz="UTC")
        # Ada's working hours (Mondays 9:00-12:00 UTC)
        self.env["resource.resource"].create(
            {
                "name": "Ola",
                "user_id": user.id,
                "calendar_id": self.user.resource_ids.calendar_id.id,
            }
        )
        account = self.connect(user, OUTLOOK_EMAIL, provider="microsoft")
        outlook = self.emulator.providers["microsoft"]
        side = outlook.add_calendar(OUTLOOK_EMAIL, "Side projects")
        ignored = outlook.add_calendar(OUTLOOK_EMAIL, "Newsletters")
        client = account._connector("microsoft").client(account._get_secret("token_data"))
        for calendar_id, hour in ((None, 9), (side, 10), (ignored, 11)):
            start = at(hour)
            client.create_event(
                calendar_id,
                {
                    "subject": "Elsewhere",
                    "start": {"dateTime": start.isoformat(), "timeZone": "UTC"},
                    "end": {
                        "dateTime": (start + timedelta(minutes=30)).isoformat(),
                        "timeZone": "UTC",
                    },
                },
                str(uuid.uuid4()),
            )
        client.close()
        self.calendar_row(
            account,
            account.remote_calendar_id,
            "Calendar",
            "two_way",
            is_default=True,
            owner_email=OUTLOOK_EMAIL,
        )
        self.calendar_row(account, side, "Side projects", "import", owner_email=OUTLOOK_EMAIL)
        self.calendar_row(account, ignored, "Newsletters", "off", owner_email=OUTLOOK_EMAIL)
        self.emulator.stats.clear()
        answer = self.find_all_day(user)
        self.assertEqual(
            answer["slots"],
            [slot(9, 30), slot(10, 30), slot(11), slot(11, 30)],
        )
        self.assertEqual(answer["sources"], {str(account.id): "ok"})
        # the default calendar through getSchedule, the side calendar through its view
        self.assertEqual(self.emulator.count("microsoft", "calendar.getSchedule"), 1)
        self.assertEqual(self.emulator.count("microsoft", "calendarView.list"), 1)
        self.assertEqual(self.emulator.count("microsoft"), 2)
