"""What a series needs to keep the providers' dates: its own week start, and Outlook's
"day 29-31, or the last day of a shorter month".

Odoo's calendar.recurrence expands weekly rules with the week start of the language of
whoever is computing (``_get_lang_week_start``): the same bi-weekly Sunday + Monday series
gives other dates to an English (US) user (Sunday) than to a French one (Monday). A series
here keeps the week start it was made with (the maker's language, or the provider's
WKST / firstDayOfWeek). Monthly and yearly rules on a day that shorter months lack skip
those months in Odoo (RFC 5545); a series from Outlook falls on their last day instead,
and keeps doing so with ``ccs_month_end``. And a series keeps its bindings when Odoo gives
it a new first event.
"""

from datetime import datetime

import pytz
from dateutil import rrule
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models

WEEK_START_SELECTION = [
    ("1", "Monday"),
    ("2", "Tuesday"),
    ("3", "Wednesday"),
    ("4", "Thursday"),
    ("5", "Friday"),
    ("6", "Saturday"),
    ("7", "Sunday"),
]


class CalendarRecurrence(models.Model):
    _inherit = "calendar.recurrence"

    ccs_week_start = fields.Selection(
        WEEK_START_SELECTION,
        string="Week Starts On",
        help="First day of the week for weekly repeats every few weeks; kept with the "
        "series so that every user and every provider sees the same dates.",
    )
    ccs_month_end = fields.Boolean(
        string="Last Day of Shorter Months",
        help="A repeat on day 29, 30 or 31 falls on the last day of the months that lack "
        "that day (as Outlook does), instead of skipping them.",
    )

    @api.model
    def _ccs_lang_week_start(self):
        lang = self.env["res.lang"]._get_data(code=self.env.user.lang or "en_US")
        return str(lang.week_start or "7")

    @api.model_create_multi
    def create(self, vals_list):
        # set on create, not as a field default: series made before this module keep
        # Odoo's reading (the language of whoever expands them) instead of OdooBot's
        for vals in vals_list:
            if not vals.get("ccs_week_start"):
                vals["ccs_week_start"] = self._ccs_lang_week_start()
        return super().create(vals_list)

    def _get_lang_week_start(self):
        week_start = self[:1].ccs_week_start
        if week_start:
            return rrule.weekday(int(week_start) - 1)
        return super()._get_lang_week_start()

    def _get_rrule(self, dtstart=None):
        rule = super()._get_rrule(dtstart=dtstart)
        if not self.ccs_month_end or self.day < 29:
            return rule
        # day D, or the last day of a month that has no day D
        if self.rrule_type == "monthly" and self.month_by == "date":
            return rule.replace(bymonthday=(self.day, -1), bysetpos=1)
        if self.rrule_type == "yearly" and dtstart:
            return rule.replace(bymonth=dtstart.month, bymonthday=(self.day, -1), bysetpos=1)
        return rule

    def _get_start_of_period(self, dt):
        """The start of the week or month holding ``dt`` in the series' own zone. Odoo takes
        it on the UTC date, which is the next day for an evening in the Americas: the
        interval then counts from the wrong week or month, and a series every 2 weeks or
        months lands a period off (RFC 5545 counts from the one holding the local start)."""
        periodic = self.rrule_type in ("weekly", "monthly")
        if not periodic or not isinstance(dt, datetime) or self._is_allday():
            return super()._get_start_of_period(dt)
        tz = self._get_timezone()
        local = pytz.utc.localize(dt).astimezone(tz).replace(tzinfo=None)
        if self.rrule_type == "weekly":
            start = local + relativedelta(weekday=self._get_lang_week_start()(-1))
        else:
            start = local + relativedelta(day=1)
        return tz.localize(start, is_dst=False).astimezone(pytz.utc).replace(tzinfo=None)

    @api.depends("ccs_week_start", "ccs_month_end")
    def _compute_rrule(self):
        return super()._compute_rrule()

    def _select_new_base_event(self):
        """Odoo moves a series to its next event when the first one is archived or deleted:
        the series' bindings (its remote id and last synced version) move with it, so the
        provider's series gets the removed slot as an EXDATE, not a delete and a new series."""
        before = {recurrence.id: recurrence.base_event_id for recurrence in self}
        result = super()._select_new_base_event()
        Binding = self.env["calendar.sync.binding"].sudo()
        for recurrence in self:
            old, new = before[recurrence.id], recurrence.base_event_id
            if not old or not new or old == new:
                continue
            series = Binding.search([("event_id", "=", old.id), ("original_start", "=", False)])
            # an exception binding of the new first event gives way to the series' own
            Binding.search(
                [("event_id", "=", new.id), ("account_id", "in", series.account_id.ids)]
            ).unlink()
            series.write({"event_id": new.id})
            new._ccs_mark_dirty()
        return result
