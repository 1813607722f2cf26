"""The Odoo side of the sync mapping of a series: calendar.recurrence <-> RRULE lines.

``_ccs_recurrence_lines`` writes the rule (and EXDATEs) of an Odoo series in the canonical
text of ``services.neutral``; ``_ccs_recurrence_values_from_neutral`` gives the recurrence
fields of a provider's rule, with the series' own week start and Outlook's month end
(``calendar_recurrence.py``) where Odoo's fields alone would give other dates.
"""

import re
import zoneinfo
from datetime import UTC, datetime, time, timedelta

from odoo import api, fields, models

from odoo.addons.calendar.models.calendar_event import get_weekday_occurence
from odoo.addons.calendar.models.calendar_recurrence import MAX_RECURRENT_EVENT

from ..services.microsoft.recurrence import monthly_day_parts
from ..services.rrule import UnsupportedRecurrence, content_line, parse_moment, rule_parts
from ..services.timezones import known_zone
from .calendar_recurrence import WEEK_START_SELECTION

WEEKDAY_FIELDS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
RRULE_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
FREQ_TO_ODOO = {"DAILY": "daily", "WEEKLY": "weekly", "MONTHLY": "monthly", "YEARLY": "yearly"}
ODOO_BYDAY = ("1", "2", "3", "4", "-1")
# The RRULE parts calendar.recurrence can hold, by frequency (WKST: ccs_week_start).
COMMON_RRULE_PARTS = {"FREQ", "INTERVAL", "COUNT", "UNTIL", "WKST"}
RRULE_PARTS = {
    "DAILY": {"BYDAY"},
    "WEEKLY": {"BYDAY"},
    "MONTHLY": {"BYDAY", "BYMONTHDAY", "BYSETPOS"},
    "YEARLY": {"BYMONTH", "BYMONTHDAY"},
}
WKST_TO_WEEK_START = {code: str(index + 1) for index, code in enumerate(RRULE_DAYS)}


def _until_text(until, all_day, tz):
    if all_day:
        return until.strftime("%Y%m%d")
    # Odoo's until is the last local day, inclusive; RFC 5545 wants UTC for timed events
    end_of_day = datetime.combine(until, time(23, 59, 59), tzinfo=zoneinfo.ZoneInfo(tz))
    return end_of_day.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _local_date(moment, tz):
    if isinstance(moment, datetime):
        return moment.astimezone(zoneinfo.ZoneInfo(tz)).date()
    return moment


def _weekday_recurrence_values(parts, local_start):
    """BYDAY of a weekly rule as Odoo's weekday flags (the start's weekday when absent)."""
    days = [day for day in parts.get("BYDAY", "").split(",") if day]
    if any(day not in RRULE_DAYS for day in days):
        raise UnsupportedRecurrence(f"weekly BYDAY={parts['BYDAY']} has positions Odoo lacks")
    days = days or [RRULE_DAYS[local_start.weekday()]]
    return {field: RRULE_DAYS[index] in days for index, field in enumerate(WEEKDAY_FIELDS)}


def _month_end_day(parts):
    """Day D of Outlook's "day D, or the last day of a shorter month" (``BYMONTHDAY=-1`` or
    ``BYMONTHDAY=D,-1;BYSETPOS=1``); None for any other BYMONTHDAY."""
    value = parts.get("BYMONTHDAY", "")
    if value == "-1" and "BYSETPOS" not in parts:
        return 31
    match = re.fullmatch(r"(29|30|31),-1", value)
    if match and parts.get("BYSETPOS") == "1":
        return int(match.group(1))
    return None


def _monthly_recurrence_values(parts, local_start):
    if "BYMONTHDAY" in parts and "BYDAY" in parts:
        raise UnsupportedRecurrence("Odoo repeats monthly by a date or by a weekday, not both")
    month_end = _month_end_day(parts)
    if month_end:
        return {"month_by": "date", "day": month_end, "ccs_month_end": True}
    if "BYMONTHDAY" in parts:
        day = parts["BYMONTHDAY"]
        if not day.isdigit() or not 1 <= int(day) <= 31:
            raise UnsupportedRecurrence(f"monthly BYMONTHDAY={day} is not one day 1..31")
        return {"month_by": "date", "day": int(day)}
    if "BYDAY" not in parts:
        return {"month_by": "date", "day": local_start.day}
    match = re.fullmatch(r"([+-]?\d)?(MO|TU|WE|TH|FR|SA|SU)", parts["BYDAY"])
    position = match and (match.group(1) or parts.get("BYSETPOS", "")).lstrip("+")
    if not match or position not in ODOO_BYDAY:
        raise UnsupportedRecurrence(f"monthly BYDAY={parts['BYDAY']} is not one Odoo position")
    weekday = WEEKDAY_FIELDS[RRULE_DAYS.index(match.group(2))].upper()
    return {"month_by": "day", "byday": position, "weekday": weekday}


class CalendarEvent(models.Model):
    _inherit = "calendar.event"

    # the series' own week start and Outlook's month-end reading (see calendar_recurrence.py)
    ccs_week_start = fields.Selection(
        WEEK_START_SELECTION,
        string="Week Starts On",
        compute="_compute_recurrence",
        readonly=False,
    )
    ccs_month_end = fields.Boolean(
        string="Last Day of Shorter Months", compute="_compute_recurrence", readonly=False
    )

    @api.model
    def _get_recurrent_fields(self):
        return super()._get_recurrent_fields() | {"ccs_week_start", "ccs_month_end"}

    def _ccs_recurrence_lines(self, tz):
        recurrence = self.recurrence_id
        if not recurrence or recurrence.base_event_id != self or not recurrence.rrule_type:
            return ()
        parts = {}
        if recurrence.interval and recurrence.interval != 1:
            parts["INTERVAL"] = str(recurrence.interval)
        clamped = recurrence.ccs_month_end and recurrence.day >= 29
        if recurrence.rrule_type == "weekly":
            days = [RRULE_DAYS[i] for i, field in enumerate(WEEKDAY_FIELDS) if recurrence[field]]
            parts["BYDAY"] = ",".join(days)
            # the week start Odoo expands with (it changes dates with an interval > 1 only)
            week_start = RRULE_DAYS[recurrence._get_lang_week_start().weekday]
            if recurrence.interval > 1 and week_start != "MO":
                parts["WKST"] = week_start
        elif recurrence.rrule_type == "monthly" and recurrence.month_by == "day":
            parts["BYDAY"] = f"{recurrence.byday}{recurrence.weekday[:2]}"
        elif recurrence.rrule_type == "monthly" and clamped:
            first_month = _local_date(self.start, tz).month
            parts.update(monthly_day_parts(recurrence.day, first_month, recurrence.interval))
        elif recurrence.rrule_type == "monthly":
            parts["BYMONTHDAY"] = str(recurrence.day)
        elif recurrence.rrule_type == "yearly" and clamped:
            local_start = self.start_date if self.allday else _local_date(self.start, tz)
            parts.update(BYMONTH=str(local_start.month), BYMONTHDAY="-1")
        # Odoo keeps "forever" as its largest count (it rewrites the rule with it): no end
        if recurrence.end_type == "count" and recurrence.count < MAX_RECURRENT_EVENT:
            parts["COUNT"] = str(recurrence.count)
        elif recurrence.end_type == "end_date" and recurrence.until:
            parts["UNTIL"] = _until_text(recurrence.until, self.allday, tz)
        # FREQ first, then the other parts by name: one text per rule, whatever wrote it
        rule = f"FREQ={recurrence.rrule_type.upper()}"
        rule += "".join(f";{key}={parts[key]}" for key in sorted(parts))
        return (f"RRULE:{rule}", *self._ccs_exdate_lines(recurrence))

    def _ccs_exdate_lines(self, recurrence):
        """Occurrences removed from the series: Odoo archives them and keeps their slot."""
        removed = self.with_context(active_test=False).search(
            [
                ("recurrence_id", "=", recurrence.id),
                ("active", "=", False),
                ("follow_recurrence", "=", True),
            ]
        )
        lines = []
        for event in removed:
            if self.allday:
                lines.append(f"EXDATE;VALUE=DATE:{event.start.date().strftime('%Y%m%d')}")
            else:
                lines.append(f"EXDATE:{event.start.strftime('%Y%m%dT%H%M%SZ')}")
        return lines

    @api.model
    def _ccs_recurrence_exdates(self, neutral):
        """The EXDATEs of ``neutral``: dates (all-day) or aware UTC datetimes, sorted."""
        found = set()
        for line in neutral.recurrence:
            name, options, value = content_line(line)
            if name != "EXDATE":
                continue
            tz = known_zone(options.get("TZID")) or neutral.timezone
            for item in filter(None, value.split(",")):
                moment = parse_moment(item, tz)
                found.add(_local_date(moment, neutral.timezone) if neutral.all_day else moment)
        return sorted(found, key=lambda moment: (isinstance(moment, datetime), moment))

    @api.model
    def _ccs_recurrence_values_from_neutral(self, neutral):
        """Odoo's recurrence fields for the RRULE of ``neutral``; {} when it has none."""
        rules = [line for line in neutral.recurrence if content_line(line)[0] == "RRULE"]
        others = {content_line(line)[0] for line in neutral.recurrence} - {"RRULE", "EXDATE"}
        if others or len(rules) > 1:
            raise UnsupportedRecurrence(
                f"Odoo keeps one RRULE (and EXDATEs) per series, not {neutral.recurrence}"
            )
        if not rules:
            return {}
        parts = rule_parts(content_line(rules[0])[2])
        freq = parts.get("FREQ")
        unknown = set(parts) - COMMON_RRULE_PARTS - RRULE_PARTS.get(freq, set())
        if unknown or freq not in FREQ_TO_ODOO:
            raise UnsupportedRecurrence(f"{rules[0]} uses {sorted(unknown) or freq}")
        tz = neutral.timezone
        local_start = _local_date(neutral.start, tz)
        if freq == "DAILY" and "BYDAY" in parts and parts.get("INTERVAL", "1") == "1":
            freq = "WEEKLY"
        values = {
            "recurrency": True,
            "event_tz": tz,
            "rrule_type": FREQ_TO_ODOO[freq],
            "interval": int(parts.get("INTERVAL") or 1),
            "end_type": "forever",
            "count": 1,
            "until": False,
            **dict.fromkeys(WEEKDAY_FIELDS, False),
            "month_by": "date",
            "day": local_start.day,
            "weekday": WEEKDAY_FIELDS[local_start.weekday()].upper(),
            "byday": str(get_weekday_occurence(local_start)),
            # RFC 5545 and Graph alike: weeks start on Monday unless the rule says otherwise
            "ccs_week_start": WKST_TO_WEEK_START.get(parts.get("WKST", "MO")),
            "ccs_month_end": False,
        }
        if values["ccs_week_start"] is None:
            raise UnsupportedRecurrence(f"{rules[0]}: unknown WKST")
        if "COUNT" in parts:
            values.update(end_type="count", count=int(parts["COUNT"]))
        elif "UNTIL" in parts:
            until = _local_date(parse_moment(parts["UNTIL"], tz), tz)
            values.update(end_type="end_date", until=until)
        if freq == "WEEKLY":
            values.update(_weekday_recurrence_values(parts, local_start))
        elif freq == "MONTHLY":
            values.update(_monthly_recurrence_values(parts, local_start))
        elif freq == "YEARLY":
            month, day = parts.get("BYMONTH"), parts.get("BYMONTHDAY")
            month_end = (
                day == "-1"
                and month == str(local_start.month)
                and (local_start + timedelta(days=1)).month != local_start.month
            )
            if month_end:
                # Outlook's 29 February: the last day of February every year
                values.update(day=31, ccs_month_end=True)
            elif (month and month != str(local_start.month)) or (
                day and day != str(local_start.day)
            ):
                raise UnsupportedRecurrence(f"{rules[0]}: Odoo repeats yearly on the start date")
        elif "BYDAY" in parts:
            raise UnsupportedRecurrence(f"{rules[0]}: Odoo cannot filter days of a daily rule")
        return values
