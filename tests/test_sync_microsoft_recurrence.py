"""Recurring events between Odoo and Outlook: every Graph pattern type, made on either side, is
one series on the other with the same occurrences; occurrences moved or cancelled on either
side stay exceptions of it, and nothing pulled is pushed back."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from odoo import fields
from odoo.tests import tagged

from ..services.microsoft.recurrence import to_rrule
from .test_sync_google import START
from .test_sync_microsoft import MicrosoftSyncCase

BRUSSELS = ZoneInfo("Europe/Brussels")
WRITES = ("events.create", "events.update", "events.delete")
WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
GRAPH_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# Odoo's rule type of each Graph pattern type it can make
ODOO_TYPES = {
    "daily": "daily",
    "weekly": "weekly",
    "absoluteMonthly": "monthly",
    "relativeMonthly": "monthly",
    "absoluteYearly": "yearly",
}
# where both sides' occurrences are compared (series without an end run past it)
HORIZON = timedelta(days=400)


def at(day, hour):
    """``day`` at ``hour`` UTC (naive, as Odoo stores it)."""
    return datetime.combine(day, START.time()).replace(hour=hour)


def next_weekday(day, weekday):
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def last_of_month(day):
    """The first day from ``day`` on that is the last of its weekday in its month."""
    while (day + timedelta(days=7)).month == day.month:
        day += timedelta(days=1)
    return day


def second_of_month(day):
    """The first day from ``day`` on that is the second of its weekday in its month."""
    while (day.day - 1) // 7 != 1:
        day += timedelta(days=1)
    return day


@tagged("post_install", "-at_install")
class TestRecurrenceMicrosoft(MicrosoftSyncCase):
    def writes(self):
        """Writes Graph carried out, $batch parts included."""
        return sum(self.emulator.count("microsoft", n, operations=True) for n in WRITES)

    def outlook_instances(self, master_id, start=None, end=None):
        start = start or START - timedelta(days=1)
        end = end or START + HORIZON
        params = {
            "startDateTime": f"{start:%Y-%m-%dT%H:%M:%SZ}",
            "endDateTime": f"{end:%Y-%m-%dT%H:%M:%SZ}",
        }
        page = self.graph("GET", f"/me/events/{master_id}/instances", params=params)
        items = page["value"]
        while page.get("@odata.nextLink"):
            page = self.graph("GET", page["@odata.nextLink"].split("/v1.0", 1)[1])
            items += page["value"]
        return items

    @staticmethod
    def utc(when):
        """A Graph dateTime read with Prefer outlook.timezone UTC, as Odoo stores it."""
        return fields.Datetime.to_datetime(when["dateTime"][:19].replace("T", " "))

    def outlook_series(self, subject, start, pattern, end_range, minutes=30):
        """A series made in Outlook: ``start`` is UTC (naive), shown at Brussels wall time."""
        local = start.replace(tzinfo=UTC).astimezone(BRUSSELS).replace(tzinfo=None)
        return self.graph(
            "POST",
            "/me/events",
            json={
                "subject": subject,
                "start": {"dateTime": local.isoformat(), "timeZone": "Romance Standard Time"},
                "end": {
                    "dateTime": (local + timedelta(minutes=minutes)).isoformat(),
                    "timeZone": "Romance Standard Time",
                },
                "recurrence": {
                    "pattern": pattern,
                    "range": {"startDate": local.date().isoformat(), **end_range},
                },
            },
        )

    def move_instance(self, instance, hours):
        start, end = self.utc(instance["start"]), self.utc(instance["end"])
        shift = timedelta(hours=hours)
        return self.graph(
            "PATCH",
            f"/me/events/{instance['id']}",
            json={
                "start": {"dateTime": (start + shift).isoformat(), "timeZone": "UTC"},
                "end": {"dateTime": (end + shift).isoformat(), "timeZone": "UTC"},
            },
        )

    def occurrences(self, base):
        """The series' events that take place (archived ones are its cancelled slots)."""
        return self.env["calendar.event"].search(
            [("recurrence_id", "=", base.recurrence_id.id)], order="start"
        )

    def odoo_series(self, name, start, **recurrence):
        return self.new_event(
            name=name,
            start=start,
            stop=start + timedelta(minutes=30),
            recurrency=True,
            interval=recurrence.pop("interval", 1),
            **recurrence,
        )

    def pulled_series(self, subject):
        base = self.env["calendar.event"].search(
            [("name", "=", subject), ("recurrency", "=", True)], order="start", limit=1
        )
        self.assertTrue(base, f"{subject} reached Odoo")
        return base.recurrence_id.base_event_id

    def assert_same_occurrences(self, base, master_id):
        """Odoo's occurrences are Outlook's instances: same UTC starts, same titles."""
        odoo = [(e.start, e.name) for e in self.occurrences(base) if e.start < START + HORIZON]
        outlook = [(self.utc(i["start"]), i["subject"]) for i in self.outlook_instances(master_id)]
        self.assertTrue(odoo)
        self.assertEqual(odoo, sorted(outlook))

    def test_every_pattern_made_in_odoo_is_one_outlook_series(self):
        day = START.date()
        monday = next_weekday(day, 0)
        last = last_of_month(day + timedelta(days=3))
        monthly = day + timedelta(days=1)
        weekly = dict(mon=True, wed=True, fri=True, until=monday + timedelta(days=25))
        last_weekday = dict(month_by="day", byday="-1", weekday=WEEKDAYS[last.weekday()])
        cases = [
            ("Daily", at(day, 7), "daily", "numbered", dict(end_type="count", count=5)),
            (
                "Mon Wed Fri",
                at(monday, 8),
                "weekly",
                "endDate",
                dict(end_type="end_date", **weekly),
            ),
            (
                "Monthly on the day",
                at(monthly, 9),
                "absoluteMonthly",
                "noEnd",
                dict(month_by="date", day=monthly.day, end_type="forever"),
            ),
            (
                "Last weekday, every other month",
                at(last, 10),
                "relativeMonthly",
                "numbered",
                dict(interval=2, end_type="count", count=4, **last_weekday),
            ),
            (
                "Yearly",
                at(day + timedelta(days=2), 11),
                "absoluteYearly",
                "numbered",
                dict(end_type="count", count=3),
            ),
        ]
        bases = [
            self.odoo_series(name, start, rrule_type=ODOO_TYPES[pattern], **values)
            for name, start, pattern, _range, values in cases
        ]
        self.run_jobs()
        self.assertEqual(len(self.outlook_events()), len(cases), "one Outlook event per series")
        for base, (name, _start, pattern, end, _values) in zip(bases, cases, strict=True):
            with self.subTest(name):
                binding = self.binding(base)
                self.assertEqual(binding.state, "synced")
                master = self.graph("GET", f"/me/events/{binding.external_id}")
                self.assertEqual(master["type"], "seriesMaster")
                self.assertEqual(master["subject"], name)
                recurrence = master["recurrence"]
                self.assertEqual(
                    (recurrence["pattern"]["type"], recurrence["range"]["type"]), (pattern, end)
                )
                self.assert_same_occurrences(base, binding.external_id)
        before = self.writes()
        self.pull()
        self.pull()
        self.assertEqual(self.writes(), before, "nothing comes back, nothing goes out again")
        self.assertEqual(
            len(self.env["calendar.event"].search([("recurrency", "=", True)]).recurrence_id),
            len(cases),
        )

    def test_every_pattern_made_in_outlook_is_one_odoo_series(self):
        day = START.date()
        tuesday = next_weekday(day, 1)
        second = second_of_month(day)
        yearly = day + timedelta(days=3)
        monthly = day + timedelta(days=4)
        if monthly.day > 28:
            monthly += timedelta(days=5)
        cases = [
            (
                "Every other day",
                at(day, 7),
                {"type": "daily", "interval": 2},
                {"type": "noEnd"},
                dict(rrule_type="daily", interval=2),
            ),
            (
                "Tue Thu",
                at(tuesday, 8),
                {
                    "type": "weekly",
                    "interval": 1,
                    "daysOfWeek": ["tuesday", "thursday"],
                    "firstDayOfWeek": "monday",
                },
                {"type": "endDate", "endDate": (tuesday + timedelta(days=20)).isoformat()},
                dict(
                    rrule_type="weekly",
                    tue=True,
                    thu=True,
                    mon=False,
                    end_type="end_date",
                    until=tuesday + timedelta(days=20),
                ),
            ),
            (
                "Monthly on the day",
                at(monthly, 9),
                {"type": "absoluteMonthly", "interval": 1, "dayOfMonth": monthly.day},
                {"type": "numbered", "numberOfOccurrences": 4},
                dict(
                    rrule_type="monthly",
                    month_by="date",
                    day=monthly.day,
                    end_type="count",
                    count=4,
                ),
            ),
            (
                "Second weekday",
                at(second, 10),
                {
                    "type": "relativeMonthly",
                    "interval": 1,
                    "daysOfWeek": [GRAPH_DAYS[second.weekday()]],
                    "index": "second",
                },
                {"type": "numbered", "numberOfOccurrences": 3},
                dict(
                    rrule_type="monthly",
                    month_by="day",
                    byday="2",
                    weekday=WEEKDAYS[second.weekday()],
                    count=3,
                ),
            ),
            (
                "Yearly",
                at(yearly, 11),
                {
                    "type": "absoluteYearly",
                    "interval": 1,
                    "month": yearly.month,
                    "dayOfMonth": yearly.day,
                },
                {"type": "numbered", "numberOfOccurrences": 3},
                dict(rrule_type="yearly", end_type="count", count=3),
            ),
        ]
        masters = [
            self.outlook_series(name, start, pattern, rng)
            for name, start, pattern, rng, _v in cases
        ]
        self.pull()
        for master, (name, _start, _pattern, _range, values) in zip(masters, cases, strict=True):
            with self.subTest(name):
                base = self.pulled_series(name)
                self.assertEqual(self.binding(base).external_id, master["id"])
                recurrence = base.recurrence_id
                self.assertEqual({k: recurrence[k] for k in values}, values)
                # the series' own zone, read from Outlook's Windows id through CLDR
                self.assertEqual(recurrence.event_tz, "Europe/Paris")
                # the rule Odoo would send back is Outlook's own
                self.assertEqual(
                    base._ccs_to_neutral().recurrence,
                    to_rrule(master["recurrence"], "Europe/Paris"),
                )
                self.assert_same_occurrences(base, master["id"])
        self.run_jobs()
        self.assertEqual(self.writes(), len(cases), "only Outlook's own creates")
        self.pull()
        self.assertEqual(self.writes(), len(cases), "nothing pulled is pushed back")

    def test_a_pattern_odoo_cannot_hold_is_reported_and_left_alone(self):
        # the second Tuesday of March: Odoo repeats yearly on the start date only
        year = START.year + 1
        march = second_of_month(datetime(year, 3, 1).date())
        master = self.outlook_series(
            "Fiscal kick-off",
            datetime.combine(march, START.time()),
            {
                "type": "relativeYearly",
                "interval": 1,
                "daysOfWeek": ["tuesday"],
                "index": "second",
                "month": 3,
            },
            {"type": "numbered", "numberOfOccurrences": 3},
        )
        plain = self.graph(
            "POST",
            "/me/events",
            json={
                "subject": "Plain",
                "start": {"dateTime": START.isoformat(), "timeZone": "UTC"},
                "end": {"dateTime": (START + timedelta(hours=1)).isoformat(), "timeZone": "UTC"},
            },
        )
        self.pull()
        self.assertFalse(self.env["calendar.event"].search([("name", "=", "Fiscal kick-off")]))
        self.assertTrue(self.env["calendar.event"].search([("name", "=", "Plain")]), plain)
        failure = self.env["calendar.sync.log"].search(
            [
                ("account_id", "=", self.account.id),
                ("status", "=", "failure"),
                ("direction", "=", "pull"),
            ]
        )
        self.assertEqual(len(failure), 1)
        self.assertIn("Fiscal kick-off", failure.message)
        self.assertIn("BYDAY", failure.message)
        self.assertIn("Fiscal kick-off", self.account.last_error, "the user is told")
        self.assertFalse(self.env["queue.job"].search([("state", "=", "failed")]))
        # and Outlook keeps it as it was
        self.pull()
        self.assertEqual(self.writes(), 2, "Outlook's own creates only")
        self.assertEqual(
            len(self.outlook_instances(master["id"], START, START + timedelta(days=1200))), 3
        )
        # a series Odoo holds, changed in Outlook to such a rule: Odoo's stays, and says why
        weekly = self.outlook_series(
            "Weekly",
            at(START.date(), 12),
            {"type": "weekly", "interval": 1, "daysOfWeek": [GRAPH_DAYS[START.weekday()]]},
            {"type": "numbered", "numberOfOccurrences": 3},
        )
        self.pull()
        base = self.pulled_series("Weekly")
        events = self.occurrences(base)
        yearly = dict(master["recurrence"], range=weekly["recurrence"]["range"])
        self.graph("PATCH", f"/me/events/{weekly['id']}", json={"recurrence": yearly})
        self.pull()
        self.assertEqual(self.binding(base).state, "error")
        self.assertIn("BYDAY", self.binding(base).last_error)
        self.assertEqual(self.occurrences(base), events)
        self.assertEqual(self.writes(), 4, "Outlook's own writes only")

    def test_odoo_moved_and_cancelled_occurrences_stay_exceptions_in_outlook(self):
        monday = next_weekday(START.date() + timedelta(days=1), 0)
        base = self.odoo_series(
            "Weekly review",
            datetime.combine(monday, START.time()),
            rrule_type="weekly",
            mon=True,
            end_type="count",
            count=5,
        )
        self.run_jobs()
        master_id = self.binding(base).external_id
        events = self.occurrences(base)
        moved, cancelled = events[1], events[3]
        moved_to = moved.start + timedelta(hours=2)
        before = self.writes()
        moved.write({"start": moved_to, "stop": moved_to + timedelta(minutes=30)})
        cancelled.action_archive()
        self.run_jobs()
        # the exception is patched and the slot deleted; the series' only change is that
        # EXDATE, which the deletion is: no PATCH of the series
        self.assertEqual(self.emulator.count("microsoft", "events.update", operations=True), 1)
        self.assertEqual(self.emulator.count("microsoft", "events.delete", operations=True), 1)
        self.assertEqual(self.writes() - before, 2)
        instances = self.outlook_instances(master_id)
        self.assertEqual(len(instances), 4)
        [exception] = [i for i in instances if i["type"] == "exception"]
        self.assertEqual(self.utc(exception["start"]), moved_to)
        self.assertEqual(self.binding(moved).external_id, exception["id"])
        self.assert_same_occurrences(base, master_id)
        written = self.writes()
        self.pull()
        self.pull()
        self.assertEqual(self.writes(), written, "what came back is not sent again")
        self.assertEqual(moved.start, moved_to)
        self.assertFalse(moved.follow_recurrence)
        self.assertFalse(cancelled.active)

        # Outlook cancels another one and renames the series: Odoo keeps its own exceptions
        [third] = [i for i in instances if self.utc(i["start"]) == events[2].start]
        self.graph("DELETE", f"/me/events/{third['id']}")
        self.pull()
        self.graph("PATCH", f"/me/events/{master_id}", json={"subject": "Weekly review v2"})
        self.pull()
        self.pull()
        self.assertEqual(self.writes(), written + 2, "Outlook's own delete and rename only")
        self.assertEqual(
            self.occurrences(base), events - cancelled - events[2], "no event recreated"
        )
        self.assertEqual(base.name, "Weekly review v2")
        self.assertEqual(moved.start, moved_to)
        self.assert_same_occurrences(base, master_id)
        self.assertFalse(self.env["calendar.sync.conflict"].search([]))

    def test_outlook_moved_and_cancelled_occurrences_stay_exceptions_in_odoo(self):
        start = datetime.combine(START.date() + timedelta(days=2), START.time())
        master = self.outlook_series(
            "Standup",
            start,
            {"type": "daily", "interval": 1},
            {"type": "numbered", "numberOfOccurrences": 6},
        )
        self.pull()
        base = self.pulled_series("Standup")
        events = self.occurrences(base)
        self.assertEqual(len(events), 6)
        instances = self.outlook_instances(master["id"])
        self.move_instance(instances[1], hours=3)
        self.move_instance(instances[2], hours=1)
        self.graph("DELETE", f"/me/events/{instances[3]['id']}")
        self.pull()
        self.assert_same_occurrences(base, master["id"])
        moved = events[1]
        self.assertEqual(moved.start, events[0].start + timedelta(days=1, hours=3))
        self.assertFalse(moved.follow_recurrence)
        self.assertFalse(events[3].active, "the cancelled occurrence left the series")

        # Odoo edits the moved one again and cancels another: Outlook follows, Odoo keeps them
        moved.write({"name": "Standup (late)"})
        events[4].action_archive()
        self.run_jobs()
        self.pull()
        self.assertEqual(len(self.outlook_instances(master["id"])), 4)
        self.assert_same_occurrences(base, master["id"])

        # a rename of the series in Outlook: names follow, exceptions and cancellations stay
        written = self.writes()
        self.graph("PATCH", f"/me/events/{master['id']}", json={"subject": "Daily standup"})
        self.pull()
        self.pull()
        self.assertEqual(self.writes(), written + 1, "Outlook's own rename only")
        self.assertEqual(
            self.occurrences(base), events - events[3] - events[4], "no event recreated"
        )
        self.assertEqual(moved.name, "Standup (late)", "its own title is its own")
        self.assertEqual(events[2].name, "Daily standup", "moved only: the series' title")
        self.assertEqual(set((self.occurrences(base) - moved).mapped("name")), {"Daily standup"})
        self.assert_same_occurrences(base, master["id"])
        self.assertFalse(self.env["calendar.sync.conflict"].search([]))
