"""Recurring events both ways: one series on each side, occurrences moved or cancelled on
either side stay exceptions of it, and wall-clock time survives a DST change."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from odoo.tests import tagged

from .test_sync_google import START, GoogleSyncCase

BRUSSELS = ZoneInfo("Europe/Brussels")


@tagged("post_install", "-at_install")
class TestRecurrenceGoogle(GoogleSyncCase):
    def new_series(self, count=5, **values):
        return self.new_event(
            recurrency=True,
            rrule_type="daily",
            interval=1,
            end_type="count",
            count=count,
            **values,
        )

    def master(self):
        [master] = [e for e in self.remote_events() if e.get("recurrence")]
        return master

    def occurrences(self, base):
        return self.env["calendar.event"].search(
            [("recurrence_id", "=", base.recurrence_id.id)], order="start"
        )

    def test_an_odoo_series_is_one_google_series(self):
        base = self.new_series()
        self.run_jobs()
        self.assertEqual(len(self.remote_events()), 1)
        self.assertEqual(self.master()["recurrence"], ["RRULE:FREQ=DAILY;COUNT=5"])
        instances = self.google.events_of("alice@example.com")
        self.assertEqual(len(instances), 1, "occurrences are not separate Google events")
        self.assertEqual(self.binding(base).external_id, self.master()["id"])

    def test_an_occurrence_moved_in_odoo_is_an_exception_in_google(self):
        base = self.new_series()
        self.run_jobs()
        third = self.occurrences(base)[2]
        original = third.start
        before = self.writes()
        third.write({"start": original + timedelta(hours=2), "stop": original + timedelta(hours=3)})
        self.run_jobs()
        self.assertEqual(self.writes() - before, 1, "one write: the exception, not the series")
        exception_id = f"{self.master()['id']}_{original:%Y%m%dT%H%M%SZ}"
        moved = self.google.event_of("alice@example.com", exception_id)
        self.assertEqual(moved["recurringEventId"], self.master()["id"])
        self.assertTrue(
            moved["start"]["dateTime"].startswith(
                (original + timedelta(hours=2))
                .replace(tzinfo=ZoneInfo("UTC"))
                .astimezone(BRUSSELS)
                .strftime("%Y-%m-%dT%H:%M")
            )
        )
        self.assertEqual(self.master()["recurrence"], ["RRULE:FREQ=DAILY;COUNT=5"])

    def test_an_occurrence_deleted_in_odoo_is_excluded_from_the_google_series(self):
        base = self.new_series()
        self.run_jobs()
        second = self.occurrences(base)[1]
        slot = second.start
        second.action_archive()
        self.run_jobs()
        self.assertIn(f"EXDATE:{slot:%Y%m%dT%H%M%SZ}", self.master()["recurrence"])

    def test_a_google_series_with_a_moved_and_a_cancelled_occurrence(self):
        start = START.replace(tzinfo=ZoneInfo("UTC"))
        master = self.google.put_event(
            "alice@example.com",
            {
                "summary": "Standup",
                "start": {"dateTime": start.isoformat(), "timeZone": "Europe/Brussels"},
                "end": {
                    "dateTime": (start + timedelta(minutes=15)).isoformat(),
                    "timeZone": "Europe/Brussels",
                },
                "recurrence": ["RRULE:FREQ=DAILY;COUNT=5"],
            },
        )
        self.pull()
        base = self.env["calendar.event"].search([("name", "=", "Standup")], limit=1)
        self.assertTrue(base.recurrency)
        self.assertEqual(len(self.occurrences(base)), 5)
        day2, day4 = start + timedelta(days=1), start + timedelta(days=3)
        self.google.change_event(
            "alice@example.com",
            f"{master['id']}_{day2:%Y%m%dT%H%M%SZ}",
            {
                "start": {"dateTime": (day2 + timedelta(hours=1)).isoformat(), "timeZone": "UTC"},
                "end": {
                    "dateTime": (day2 + timedelta(hours=1, minutes=15)).isoformat(),
                    "timeZone": "UTC",
                },
            },
        )
        self.google.remove_event("alice@example.com", f"{master['id']}_{day4:%Y%m%dT%H%M%SZ}")
        before = self.writes()
        self.pull()
        events = self.occurrences(base)
        self.assertEqual(len(events), 4, "the cancelled occurrence left the series")
        moved = events.filtered(
            lambda e: e.start == (day2 + timedelta(hours=1)).replace(tzinfo=None)
        )
        self.assertEqual(len(moved), 1)
        self.assertFalse(moved.follow_recurrence)
        self.run_jobs()
        self.assertEqual(self.writes(), before, "nothing pulled is pushed back")
        # the moved occurrence stays bound to its Google instance: an Odoo edit goes there
        instance_id = f"{master['id']}_{day2:%Y%m%dT%H%M%SZ}"
        self.assertEqual(self.binding(moved).external_id, instance_id)
        moved.write({"name": "Standup (moved)"})
        self.run_jobs()
        self.assertEqual(self.writes(), before + 1)
        self.assertEqual(
            self.google.event_of("alice@example.com", instance_id)["summary"], "Standup (moved)"
        )

    def test_renaming_a_google_series_renames_odoo_without_recreating(self):
        start = START.replace(tzinfo=ZoneInfo("UTC"))
        master = self.google.put_event(
            "alice@example.com",
            {
                "summary": "Review",
                "start": {"dateTime": start.isoformat(), "timeZone": "Europe/Brussels"},
                "end": {
                    "dateTime": (start + timedelta(hours=1)).isoformat(),
                    "timeZone": "Europe/Brussels",
                },
                "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=3"],
            },
        )
        self.pull()
        self.google.change_event("alice@example.com", master["id"], {"summary": "Review v2"})
        self.pull()
        self.assertEqual(
            set(self.env["calendar.event"].search([("name", "like", "Review")]).mapped("name")),
            {"Review v2"},
        )
        self.assertEqual(self.emulator.count("google", "events.delete", operations=True), 0)

    def test_a_weekly_series_keeps_its_wall_clock_time_across_dst(self):
        # 09:00 in Brussels every Monday from early March to April: the UTC hour changes
        year = datetime.now().year + 1
        first = datetime(year, 3, 1, 9, 0, tzinfo=BRUSSELS)
        while first.weekday() != 0:
            first += timedelta(days=1)
        utc = first.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)
        self.env["ir.config_parameter"].sudo().set_param(
            "calendar_cloud_sync.sync_window_future_days", "900"
        )
        base = self.new_event(
            start=utc,
            stop=utc + timedelta(hours=1),
            recurrency=True,
            rrule_type="weekly",
            interval=1,
            end_type="count",
            count=6,
            mon=True,
        )
        self.run_jobs()
        self.assertEqual(self.master()["start"]["timeZone"], "Europe/Brussels")
        local_hours = {
            e.start.replace(tzinfo=ZoneInfo("UTC")).astimezone(BRUSSELS).hour
            for e in self.occurrences(base)
        }
        self.assertEqual(local_hours, {9})
        instances = self.account._adapter().client.instances(
            "alice@example.com", self.master()["id"]
        )
        self.assertEqual({i["start"]["dateTime"][11:16] for i in instances}, {"09:00"})
