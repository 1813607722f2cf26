"""The pull of an import-only or busy-only calendar: a queue job per calendar, with the
calendar's own cursor, that turns the provider's events into read-only Odoo events.

Every occurrence of a series comes as its own event (``list_occurrences``: Google
``singleEvents``, Graph's calendarView delta), so each becomes one plain Odoo event: no
recurrence to keep in step with the provider's, and a moved or cancelled occurrence is one
event moved or removed. A 410 relists this calendar alone; the two-way calendar and the
other calendars keep their cursors.
"""

import logging
import time

from odoo import fields, models

from ..lib.job_descriptions import job_description
from ..services.exceptions import AuthRevoked, SyncError, TransientError
from ..services.request_counter import counting
from .calendar_event_imported import QUIET
from .calendar_sync_account_jobs import CHANNEL, MAX_RETRIES

_logger = logging.getLogger(__name__)

IDENTITY_KEY = "calendar_cloud_sync-{kind}-calendar-{calendar_id}"
PULLED_MODES = ("import", "busy")


class CalendarSyncCalendar(models.Model):
    _inherit = "calendar.sync.calendar"

    # -- scheduling ---------------------------------------------------------------------
    def _pulled(self):
        """The calendars that are pulled now: import or busy, their account connected."""
        return self.filtered(lambda c: c.mode in PULLED_MODES and c.account_id._can("pull"))

    def _enqueue(self, kind, eta=None, **kwargs):
        for calendar in self:
            delayed = calendar.with_delay(
                channel=CHANNEL,
                eta=eta,
                identity_key=IDENTITY_KEY.format(kind=kind, calendar_id=calendar.id),
                description=job_description(
                    self.env, kind, account=f"{calendar.account_id.name} / {calendar.name}"
                ),
                max_retries=MAX_RETRIES,
            )
            getattr(delayed, f"_job_{kind}")(**kwargs)

    def _enqueue_pull(self, eta=None):
        self._pulled()._enqueue("pull", eta=eta)

    # -- plumbing -------------------------------------------------------------------------
    def _adapter(self):
        """The provider adapter for this calendar, with its account's tokens."""
        self.ensure_one()
        return self.account_id._adapter(self)

    def _imported_events(self):
        return (
            self.env["calendar.event"]
            .sudo()
            .with_context(active_test=False, **QUIET)
            .search([("cloud_calendar_id", "in", self.ids)])
        )

    def _drop_events(self):
        """Remove this calendar's events from Odoo (the provider keeps its own) and forget
        the cursor: a calendar turned on again starts from a full listing."""
        self._imported_events().unlink()
        self.sudo().write(
            {"cursor": False, "cursor_window_start": False, "cursor_window_end": False}
        )

    # -- the job ----------------------------------------------------------------------------
    def _job_pull(self, full=False):
        self = self.sudo()
        self.ensure_one()
        account = self.account_id
        if not self._pulled():
            return "calendar not pulled"
        account._lock()
        started = time.monotonic()
        window = account._window()
        adapter = self._adapter()
        log = self.env["calendar.sync.log"]
        with counting() as requests_made:
            try:
                cursor = None if full else self.cursor or None
                changes = account._listed(adapter.list_occurrences, cursor, window)
            except AuthRevoked as exc:
                account._needs_reauth(exc, requests_made.total)
                return "needs re-authorization"
            except TransientError as exc:
                account._retry_later(exc)
            except SyncError as exc:
                # refused for good (the calendar was unshared, say): shown on the calendar,
                # tried again by the next pull
                self.write({"last_error": str(exc)})
                log._log(
                    account,
                    "pull",
                    "calendar",
                    "failure",
                    error_type=type(exc).__name__,
                    message=str(exc),
                )
                return "calendar refused"
            applied = self._apply_occurrences(changes, window)
            account._save_tokens(adapter)
            self.write(
                {
                    "cursor": changes.cursor,
                    "cursor_window_start": window[0],
                    "cursor_window_end": window[1],
                    "last_pull_at": fields.Datetime.now(),
                    "last_error": False,
                }
            )
        log._log(
            account,
            "pull",
            "full" if changes.full else "incremental",
            "success",
            events_in=applied,
            api_requests=requests_made.total,
            duration_ms=int((time.monotonic() - started) * 1000),
        )
        return f"{applied} changes applied"

    def _apply_occurrences(self, changes, window):
        """Create, update and remove this calendar's Odoo events from a ChangeSet of
        ``list_occurrences`` -> how many events changed. Queries do not grow with the
        calendar: one read of the events named, one of the two-way duplicates, one create."""
        self.ensure_one()
        Event = self.env["calendar.event"].sudo().with_context(active_test=False, **QUIET)
        ids = [r.external_id for r in changes.events]
        gone = {r.external_id for r in changes.events if r.deleted}
        known = {
            e.cloud_external_id: e
            for e in Event.search(
                [
                    ("cloud_calendar_id", "=", self.id),
                    "|",
                    ("cloud_external_id", "in", ids),
                    ("cloud_series_id", "in", list(gone)),
                ]
            )
        }
        # a meeting the user already has through a two-way calendar is not imported twice
        uids = [r.ical_uid for r in changes.events if r.ical_uid and not r.deleted]
        twice = set(
            self.env["calendar.sync.binding"]
            .sudo()
            .search([("account_id.user_id", "=", self.user_id.id), ("ical_uid", "in", uids)])
            .mapped("ical_uid")
        )
        removed = Event.browse(
            [
                e.id
                for e in known.values()
                if e.cloud_external_id in gone or e.cloud_series_id in gone
            ]
        )
        fresh, applied = [], 0
        for remote in changes.events:
            if remote.deleted:
                continue
            event = known.get(remote.external_id)
            if remote.ical_uid in twice:
                removed |= event or Event
                continue
            values = Event._ccs_imported_values(self, remote)
            if event:
                event.write(values)
                applied += 1
            else:
                fresh.append(values)
        if changes.full:
            seen = set(ids)
            removed |= Event.search(
                [
                    ("cloud_calendar_id", "=", self.id),
                    ("cloud_external_id", "not in", list(seen)),
                    ("stop", ">=", window[0]),
                    ("start", "<=", window[1]),
                ]
            )
        applied += len(removed.exists())
        removed.exists().unlink()
        Event.create(fresh)
        return applied + len(fresh)
