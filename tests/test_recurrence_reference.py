"""Odoo's own occurrences against the references: python-dateutil's expansion of what Google
receives, and Graph's documented semantics (``tests/pure/graph_reference.py``).

The pure suite (``tests/pure/test_reference_recurrence.py``) checks Google against Graph;
this one adds the third side, calendar.recurrence, which expands with its own code.
"""

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

from dateutil import rrule

from odoo.tests import Form, TransactionCase, new_test_user, tagged

from ..services.google import mapper as google_mapper
from ..services.microsoft import mapper as graph_mapper
from ..services.neutral import NeutralEvent, sync_hash
from .pure import graph_reference

UTC = dt.UTC
ZONES = ("Europe/Paris", "America/New_York", "Australia/Adelaide")
WINDOWS = {
    "Europe/Paris": "Romance Standard Time",
    "America/New_York": "Eastern Standard Time",
    "Australia/Adelaide": "Cen. Australia Standard Time",
}
WINDOW_END = dt.date(2030, 1, 1)
CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def dateutil_dates(event):
    """What Google makes of the series it receives (RFC 5545, python-dateutil)."""
    body = google_mapper.to_body(event)
    zone = ZoneInfo(body["start"]["timeZone"])
    [line] = body["recurrence"]
    if event.all_day:
        dtstart = dt.datetime.combine(event.start, dt.time())
    else:
        dtstart = event.start.astimezone(zone)
    found = []
    for moment in rrule.rrulestr(line, dtstart=dtstart):
        if moment.date() >= WINDOW_END:
            break
        found.append(moment.date() if event.all_day else moment.astimezone(UTC))
    return found


def graph_dates(event):
    """What Outlook makes of the pattern it receives (Graph's documented semantics)."""
    recurrence = graph_mapper.to_body(event)["recurrence"]
    zone = ZoneInfo(graph_mapper.iana_zone(recurrence["range"]["recurrenceTimeZone"]))
    local_time = None if event.all_day else event.start.astimezone(zone).time()
    return graph_reference.occurrences(recurrence, local_time, zone, WINDOW_END)


@tagged("post_install", "-at_install")
class TestRecurrenceReference(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, no_mail_to_attendees=True))
        cls.env["res.lang"]._activate_lang("fr_FR")
        # English (US) weeks start on Sunday, French ones on Monday (res.lang.week_start)
        cls.us_user = new_test_user(
            cls.env, "ccs_ref_us", groups="base.group_user", email="us@example.com", lang="en_US"
        )
        cls.fr_user = new_test_user(
            cls.env, "ccs_ref_fr", groups="base.group_user", email="fr@example.com", lang="fr_FR"
        )
        cls.account = cls.env["calendar.sync.account"].create(
            {"user_id": cls.fr_user.id, "provider": "microsoft", "remote_email": "fr@example.com"}
        )

    def odoo_dates(self, event):
        """The starts of the occurrences Odoo made (what Odoo users see), sorted."""
        occurrences = event.recurrence_id.calendar_event_ids.sorted("start")
        if event.allday:
            return [o.start_date for o in occurrences if o.start_date < WINDOW_END]
        return [o.start.replace(tzinfo=UTC) for o in occurrences if o.start.date() < WINDOW_END]

    def from_neutral(self, neutral, user=None):
        Event = self.env["calendar.event"].with_user(user or self.fr_user)
        return Event.create(Event._ccs_values_from_neutral(neutral, self.account))

    def neutral(self, rule, first, local_time, zone):
        if local_time is None:
            start, end = first, first + dt.timedelta(days=1)
        else:
            start = dt.datetime.combine(first, local_time, tzinfo=ZoneInfo(zone))
            end = start + dt.timedelta(hours=1)
        return NeutralEvent(
            title="Series", start=start, end=end, all_day=local_time is None, timezone=zone,
            organizer_email="fr@example.com", recurrence=(rule,),
        )  # fmt: skip

    # -- item 1: week start ------------------------------------------------------------
    def test_an_outlook_series_with_sunday_weeks_has_outlook_dates_in_odoo(self):
        """Every 2 weeks on Sunday and Monday, firstDayOfWeek sunday, seen by a French user."""
        item = {
            "id": "AAMkSeries",
            "type": "seriesMaster",
            "subject": "Fortnightly",
            "start": {"dateTime": "2026-03-01T09:30:00", "timeZone": "Eastern Standard Time"},
            "end": {"dateTime": "2026-03-01T10:30:00", "timeZone": "Eastern Standard Time"},
            "originalStartTimeZone": "Eastern Standard Time",
            "recurrence": {
                "pattern": {
                    "type": "weekly",
                    "interval": 2,
                    "daysOfWeek": ["sunday", "monday"],
                    "firstDayOfWeek": "sunday",
                },
                "range": {
                    "type": "numbered",
                    "numberOfOccurrences": 10,
                    "startDate": "2026-03-01",
                    "recurrenceTimeZone": "Eastern Standard Time",
                },
            },
        }
        neutral = graph_mapper.to_remote(item, "fr@example.com").event
        outlook = graph_reference.occurrences(
            item["recurrence"], dt.time(9, 30), ZoneInfo("America/New_York"), WINDOW_END
        )
        event = self.from_neutral(neutral)
        self.assertEqual(event.recurrence_id.event_tz, "America/New_York")
        self.assertEqual(self.odoo_dates(event), outlook)
        self.assertEqual(dateutil_dates(neutral), outlook)
        # the series keeps its week start whoever looks at it later
        self.assertEqual(event.recurrence_id.ccs_week_start, "7")
        back = event.with_user(self.us_user)._ccs_to_neutral()
        self.assertEqual(sync_hash(back), sync_hash(neutral))

    def test_a_series_made_in_odoo_keeps_its_makers_week_start_on_every_side(self):
        Event = self.env["calendar.event"].with_user(self.us_user)
        start = dt.datetime(2026, 3, 1, 14, 30)  # a Sunday, UTC
        event = Event.create(
            {
                "name": "Fortnightly",
                "start": start,
                "stop": start + dt.timedelta(hours=1),
                "recurrency": True,
                "rrule_type": "weekly",
                "interval": 2,
                "sun": True,
                "mon": True,
                "end_type": "count",
                "count": 8,
                "event_tz": "America/New_York",
            }
        )
        self.assertEqual(event.recurrence_id.ccs_week_start, "7")
        odoo = self.odoo_dates(event)
        self.assertEqual(len(odoo), 8)
        neutral = event._ccs_to_neutral()
        self.assertIn("WKST=SU", neutral.recurrence[0])
        self.assertEqual(dateutil_dates(neutral), odoo)
        self.assertEqual(graph_dates(neutral), odoo)
        # a French user (weeks from Monday) recomputing the series gets the same dates
        recurrence = event.recurrence_id.with_user(self.fr_user)
        again = [d.replace(tzinfo=UTC) for d in recurrence._get_occurrences(event.start)]
        self.assertEqual(sorted(again)[:8], odoo)

    # -- item 2: days 29-31 and 29 February -------------------------------------------
    def test_outlook_day_31_and_29_february_keep_outlook_dates_in_odoo(self):
        cases = [
            ({"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 31}, "2026-01-31"),
            ({"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 30}, "2026-01-30"),
            ({"type": "absoluteMonthly", "interval": 2, "dayOfMonth": 29}, "2026-01-29"),
            ({"type": "absoluteYearly", "interval": 1, "month": 2, "dayOfMonth": 29}, "2028-02-29"),
        ]
        for pattern, start in cases:
            with self.subTest(pattern=pattern):
                item = {
                    "id": "AAMkSeries",
                    "type": "seriesMaster",
                    "subject": "Month end",
                    "start": {"dateTime": f"{start}T09:30:00", "timeZone": "Romance Standard Time"},
                    "end": {"dateTime": f"{start}T10:30:00", "timeZone": "Romance Standard Time"},
                    "originalStartTimeZone": "Romance Standard Time",
                    "recurrence": {
                        "pattern": {"firstDayOfWeek": "sunday", **pattern},
                        "range": {
                            "type": "numbered",
                            "numberOfOccurrences": 6,
                            "startDate": start,
                            "recurrenceTimeZone": "Romance Standard Time",
                        },
                    },
                }
                outlook = graph_reference.occurrences(
                    item["recurrence"], dt.time(9, 30), ZoneInfo("Europe/Paris"), WINDOW_END
                )
                neutral = graph_mapper.to_remote(item, "fr@example.com").event
                event = self.from_neutral(neutral)
                self.assertEqual(self.odoo_dates(event), outlook)
                self.assertEqual(dateutil_dates(neutral), outlook)
                self.assertEqual(sync_hash(event._ccs_to_neutral()), sync_hash(neutral))

    # -- the sweep: Odoo, Google and Graph over the same rules ------------------------
    def test_odoo_google_and_graph_give_the_same_dates(self):
        rules = []
        for days, interval, wkst in itertools.product(("MO,SU", "TU,SA"), (2, 3), CODES):
            rules.append(f"FREQ=WEEKLY;BYDAY={days};INTERVAL={interval};WKST={wkst}")
        rules += [
            "FREQ=DAILY;INTERVAL=3",
            "FREQ=WEEKLY;BYDAY=MO,WE,FR",
            "FREQ=MONTHLY;BYMONTHDAY=15",
            "FREQ=MONTHLY;BYMONTHDAY=-1",
            "FREQ=MONTHLY;BYMONTHDAY=30,-1;BYSETPOS=1",
            "FREQ=MONTHLY;BYMONTHDAY=29,-1;BYSETPOS=1;INTERVAL=2",
            "FREQ=MONTHLY;BYDAY=-1FR",
            "FREQ=MONTHLY;BYDAY=2TU;INTERVAL=2",
            "FREQ=YEARLY",
            "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1",
        ]
        base = dt.date(2026, 2, 20)
        checked = 0
        for n, rule in enumerate(rules):
            zone = ZONES[n % 3]
            local_time = (dt.time(9, 30), dt.time(23, 30), None)[n % 3]
            midnight = dt.datetime.combine(base, dt.time())
            first = rrule.rrulestr(f"RRULE:{rule}", dtstart=midnight)[0].date()
            end = ";COUNT=9" if n % 2 else f";UNTIL={first + dt.timedelta(days=300):%Y%m%d}"
            if end.startswith(";UNTIL") and local_time is not None:
                stop = dt.datetime.combine(
                    first + dt.timedelta(days=300), dt.time(23, 59, 59), tzinfo=ZoneInfo(zone)
                )
                end = f";UNTIL={stop.astimezone(UTC):%Y%m%dT%H%M%SZ}"
            neutral = self.neutral(f"RRULE:{rule}{end}", first, local_time, zone)
            with self.subTest(rule=neutral.recurrence[0], zone=zone, time=local_time):
                event = self.from_neutral(neutral, user=(self.us_user, self.fr_user)[n % 2])
                google = dateutil_dates(neutral)
                self.assertTrue(google)
                self.assertEqual(self.odoo_dates(event), google)
                self.assertEqual(graph_dates(neutral), google)
                self.assertEqual(sync_hash(event._ccs_to_neutral()), sync_hash(neutral))
                checked += 1
        self.assertEqual(checked, len(rules))

    def test_an_evening_series_in_the_americas_counts_from_its_own_week_and_month(self):
        """23:30 in New York is the next day in UTC: Odoo took the start of the week and of
        the month on that UTC date, so every other week / month started from the wrong one."""
        for rule, first in (
            ("RRULE:FREQ=WEEKLY;BYDAY=SU,MO;INTERVAL=2;WKST=SU;COUNT=8", dt.date(2026, 3, 1)),
            ("RRULE:FREQ=WEEKLY;BYDAY=SA;INTERVAL=2;COUNT=6", dt.date(2026, 3, 7)),
            ("RRULE:FREQ=MONTHLY;BYMONTHDAY=1;INTERVAL=2;COUNT=6", dt.date(2026, 3, 1)),
            ("RRULE:FREQ=MONTHLY;BYDAY=1SU;INTERVAL=3;COUNT=5", dt.date(2026, 3, 1)),
        ):
            with self.subTest(rule=rule):
                neutral = self.neutral(rule, first, dt.time(23, 30), "America/New_York")
                event = self.from_neutral(neutral, user=self.us_user)
                google = dateutil_dates(neutral)
                self.assertEqual(google[0], neutral.start)
                self.assertEqual(self.odoo_dates(event), google)
                self.assertEqual(graph_dates(neutral), google)

    def test_the_event_form_offers_outlooks_month_end_for_days_29_to_31(self):
        """Made in Odoo's form: "day 31, or the last day of shorter months" is a series
        Outlook holds with the same dates."""
        form = Form(self.env["calendar.event"].with_user(self.fr_user))
        form.name = "Month end"
        form.start = dt.datetime(2026, 1, 31, 8, 30)
        form.stop = dt.datetime(2026, 1, 31, 9, 30)
        form.recurrency = True
        form.rrule_type_ui = "monthly"
        form.month_by = "date"
        form.day = 31
        form.ccs_month_end = True
        form.end_type = "count"
        form.count = 4
        form.event_tz = "Europe/Paris"
        event = form.save()
        self.assertEqual(
            [d.date() for d in self.odoo_dates(event)],
            [
                dt.date(2026, 1, 31),
                dt.date(2026, 2, 28),
                dt.date(2026, 3, 31),
                dt.date(2026, 4, 30),
            ],
        )
        neutral = event._ccs_to_neutral()
        self.assertEqual(neutral.recurrence, ("RRULE:FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=4",))
        self.assertEqual(graph_dates(neutral), self.odoo_dates(event))
        self.assertEqual(dateutil_dates(neutral), self.odoo_dates(event))
