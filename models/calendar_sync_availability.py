"""Free slots of users over a range (DESIGN.md section 2, "Availability and booking").

Busy time is the union of the Odoo events the user attends and has not declined (shown as
busy) and of what each connected account's calendar says, asked live with Google
``freebusy.query`` / Graph ``getSchedule`` and kept a few seconds. A provider that cannot be
asked makes the answer ``degraded`` and is named ``down`` in ``sources``: never silently.
Working hours come from the user's resource calendar, else the company's.
"""

import logging
import time
from datetime import datetime, timedelta
from datetime import time as day_time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pytz

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..lib.params import get_int_param
from ..services.adapter import BusyCalendar
from ..services.availability import format_utc, free_slots, intersected, merged, parse_utc
from ..services.exceptions import SyncError

_logger = logging.getLogger(__name__)

# what the providers accept in one free/busy question (Google and Graph: 62 days)
MAX_RANGE = timedelta(days=62)
MAX_USERS = 50
# (database, account id, start, end) -> (monotonic expiry, busy intervals)
_BUSY_CACHE = {}


class CalendarSyncAvailability(models.AbstractModel):
    _name = "calendar.sync.availability"
    _description = "Calendar availability and booking"

    @api.model
    def find_slots(
        self,
        user_ids,
        start,
        end,
        duration_minutes,
        step_minutes=15,
        buffer_minutes=0,
        min_notice_minutes=0,
        tz=None,
    ):
        """Free slots common to ``user_ids`` in [start, end): see DESIGN.md section 2."""
        if isinstance(user_ids, int):
            user_ids = [user_ids]
        users = self._asked_users(user_ids)
        start, end = self._range(start, end)
        duration = timedelta(minutes=self._int(duration_minutes, "duration_minutes", 1))
        step = timedelta(minutes=self._int(step_minutes, "step_minutes", 1))
        buffer = timedelta(minutes=self._int(buffer_minutes, "buffer_minutes", 0))
        notice = timedelta(minutes=self._int(min_notice_minutes, "min_notice_minutes", 0))
        zone = self._zone(tz)
        slots, sources = self.sudo()._slots(
            users, start, end, duration, step, buffer, fields.Datetime.now() + notice, zone
        )
        return {
            "slots": [{"start": format_utc(a), "end": format_utc(b)} for a, b in slots],
            "degraded": "down" in sources.values(),
            "sources": sources,
        }

    # -- checks ---------------------------------------------------------------------------
    @api.model
    def _int(self, value, name, minimum):
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise UserError(
                self.env._(
                    "%(name)s must be a whole number of at least %(min)s.", name=name, min=minimum
                )
            )
        return value

    def _check_internal_caller(self):
        if not self.env.su and not self.env.user._is_internal():
            raise AccessError(_("Only internal users may see availability or book."))

    def _asked_users(self, user_ids):
        """The users asked about, readable by the caller; portal callers get nothing."""
        self._check_internal_caller()
        if not isinstance(user_ids, list | tuple) or not user_ids or len(user_ids) > MAX_USERS:
            raise UserError(_("Give between 1 and %s user ids.", MAX_USERS))
        if not all(isinstance(i, int) and not isinstance(i, bool) for i in user_ids):
            raise UserError(_("User ids must be numbers."))
        users = self.env["res.users"].browse(user_ids)
        users.check_access("read")
        found = users.sudo().exists()
        if len(found) != len(set(user_ids)) or found.filtered("share"):
            raise UserError(_("Availability is only known for existing internal users."))
        return found

    @api.model
    def _range(self, start, end):
        try:
            start, end = parse_utc(start), parse_utc(end)
        except ValueError as exc:
            raise UserError(
                _("Start and end must be UTC times written YYYY-MM-DD HH:MM:SS.")
            ) from exc
        if end <= start or end - start > MAX_RANGE:
            raise UserError(_("The end must come after the start, at most 62 days later."))
        return start, end

    @api.model
    def _zone(self, tz):
        if tz in (None, False, ""):
            return None
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
            raise UserError(_("Unknown time zone: %s", tz)) from exc
        return tz

    # -- computing ------------------------------------------------------------------------
    def _slots(self, users, start, end, duration, step, buffer, earliest, zone, fresh_env=None):
        """(slots, sources) for ``users`` (see ``_busy_and_working``)."""
        working, busy, sources = self._busy_and_working(users, start, end, buffer, zone, fresh_env)
        grid_zone = zone or users[:1].tz or "UTC"
        return free_slots(working, busy, duration, step, buffer, earliest, grid_zone), sources

    def _busy_and_working(self, users, start, end, buffer, zone, fresh_env=None):
        """(working windows common to ``users``, busy time, sources). ``fresh_env`` reads
        Odoo's events through another transaction (booking's re-check: what others committed
        meanwhile) and skips the cache of provider answers."""
        working = [(start, end)]
        for user in users:
            working = intersected(working, self._working(user, start, end, zone))
        busy = self.with_env(fresh_env or self.env)._odoo_busy(users, start - buffer, end + buffer)
        remote, sources = self._remote_busy(users, start - buffer, end + buffer, fresh_env is None)
        return working, busy + remote, sources

    def _working(self, user, start, end, zone):
        """The user's working windows in [start, end), naive UTC (leaves taken out)."""
        calendar = user.resource_calendar_id or user.company_id.resource_calendar_id
        if not calendar:
            return [(start, end)]
        tz = pytz.timezone(zone or user.tz or calendar.tz or "UTC")
        intervals = calendar._work_intervals_batch(
            start.replace(tzinfo=ZoneInfo("UTC")), end.replace(tzinfo=ZoneInfo("UTC")), tz=tz
        )[False]
        return merged(
            (
                a.astimezone(ZoneInfo("UTC")).replace(tzinfo=None),
                b.astimezone(ZoneInfo("UTC")).replace(tzinfo=None),
            )
            for a, b, _records in intervals
        )

    def _odoo_busy(self, users, start, end):
        """Odoo events the users attend, have not declined, and show as busy."""
        by_partner = self._odoo_busy_by_partner(users.partner_id, start, end, users[:1].tz)
        return [span for spans in by_partner.values() for span in spans]

    def _odoo_busy_by_partner(self, partners, start, end, tz=None, exclude=None):
        """{partner id: [(start, end)]} of the Odoo events each partner attends, has not
        declined, and shows as busy, other than ``exclude`` (events)."""
        domain = [
            ("partner_id", "in", partners.ids),
            ("state", "!=", "declined"),
            ("event_id.show_as", "=", "busy"),
            ("event_id.start", "<", end + timedelta(days=1)),
            ("event_id.stop", ">", start - timedelta(days=1)),
        ]
        if exclude:
            domain.append(("event_id", "not in", exclude.ids))
        attendees = self.env["calendar.attendee"].sudo().search(domain)
        spans = {}
        for event in attendees.event_id:
            if event.allday:
                zone = ZoneInfo(event.user_id.tz or tz or "UTC")
                a = datetime.combine(event.start_date, day_time(0), zone)
                b = datetime.combine(event.stop_date + timedelta(days=1), day_time(0), zone)
                a, b = (m.astimezone(ZoneInfo("UTC")).replace(tzinfo=None) for m in (a, b))
            else:
                a, b = event.start, event.stop
            if a < end and b > start:
                spans[event.id] = (a, b)
        by_partner = {partner_id: [] for partner_id in partners.ids}
        for attendee in attendees:
            if attendee.event_id.id in spans:
                by_partner[attendee.partner_id.id].append(spans[attendee.event_id.id])
        return by_partner

    def _busy_calendars(self, account):
        """The account's calendars whose busy time counts: every one not set to off, synced
        or not -> a tuple of BusyCalendar (empty: the account's two-way calendar alone, for
        an account whose calendars are not listed yet)."""
        return tuple(
            BusyCalendar(
                calendar.remote_id,
                calendar.owner_email or "",
                calendar.is_default,
                calendar.kind == "room" or calendar.access == "free_busy",
            )
            for calendar in account.calendar_ids
            if calendar.mode != "off"
        )

    def _remote_busy(self, users, start, end, cached=True):
        """Busy time from each connected account of the users -> (intervals, sources)."""
        busy, sources = [], {}
        for account, found in self._remote_busy_by_account(users, start, end, cached).items():
            sources[str(account.id)] = "down" if found is None else "ok"
            busy += found or []
        return busy, sources

    def _remote_busy_by_account(self, users, start, end, cached=True):
        """{account: busy intervals, or None when it could not be asked} for each connected
        account of the users, asked live (kept a few seconds unless ``cached`` is false)."""
        accounts = self.env["calendar.sync.account"].search(
            [
                ("user_id", "in", users.ids),
                ("state", "=", "connected"),
                ("remote_calendar_id", "!=", False),
            ]
        )
        ttl = get_int_param(self.env, "availability_cache_seconds")
        answers = {}
        for account in accounts:
            calendars = self._busy_calendars(account)
            key = (self.env.cr.dbname, account.id, start, end, calendars)
            hit = _BUSY_CACHE.get(key)
            if cached and hit and hit[0] > time.monotonic():
                answers[account] = hit[1]
                continue
            try:
                adapter = account._adapter()
                found = adapter.busy(start, end, calendars)
                account._save_tokens(adapter)
            except SyncError as exc:
                _logger.warning(
                    "availability: account %s could not be asked (%s)",
                    account.id,
                    type(exc).__name__,
                )
                answers[account] = None
                continue
            _BUSY_CACHE[key] = (time.monotonic() + ttl, found)
            answers[account] = found
        if len(_BUSY_CACHE) > 10000:
            _BUSY_CACHE.clear()
        return answers
