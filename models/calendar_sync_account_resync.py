"""Resync and repair of one account over a date range: the jobs behind the resync wizard and
the reconciliation report's repairs. They reuse the engine (list, apply, push) and never touch
the stored incremental cursor: a range resync is an extra listing, not a new starting point."""

import logging
import time
from datetime import timedelta

from odoo import _, fields, models

from ..lib.job_descriptions import job_description
from ..services.adapter import ChangeSet
from ..services.exceptions import AuthRevoked, NotFoundError, TransientError
from ..services.request_counter import counting
from ..services.resync_plan import resync_steps
from .calendar_sync_account_jobs import CHANNEL, MAX_RETRIES

_logger = logging.getLogger(__name__)

RESYNC_STATES = [
    ("none", "Not resynced"),
    ("queued", "Queued"),
    ("running", "Running"),
    ("done", "Done"),
    ("failed", "Failed"),
]


class CalendarSyncAccount(models.Model):
    _inherit = "calendar.sync.account"

    resync_progress = fields.Integer(readonly=True, copy=False)
    resync_state = fields.Selection(
        RESYNC_STATES, default="none", required=True, readonly=True, copy=False
    )
    resync_message = fields.Char(readonly=True, copy=False)
    # each resync request is a run; the jobs of an older run stop when they see a newer one
    resync_run = fields.Integer(readonly=True, copy=False)
    resync_pulled = fields.Integer("Changes Pulled by the Resync", readonly=True, copy=False)
    resync_pushed = fields.Integer("Events Pushed by the Resync", readonly=True, copy=False)

    # -- scheduling -----------------------------------------------------------------------
    def _enqueue_resync(self, date_from, date_to, direction):
        """A new resync run per account: its first step is queued, and each step queues the
        next one when it is done (services/resync_plan.py). A run still going for the same
        account is superseded: its next job sees the newer run and stops."""
        for account in self.sudo():
            account.write(
                {
                    "resync_state": "queued",
                    "resync_progress": 0,
                    "resync_message": False,
                    "resync_run": account.resync_run + 1,
                    "resync_pulled": 0,
                    "resync_pushed": 0,
                }
            )
            account._enqueue_resync_step(
                fields.Date.to_string(date_from), fields.Date.to_string(date_to), direction, 0
            )

    def _enqueue_resync_step(self, date_from, date_to, direction, step):
        self.ensure_one()
        self.with_delay(
            channel=CHANNEL,
            identity_key=f"calendar_cloud_sync-resync-{self.id}-{self.resync_run}-{step}",
            description=job_description(
                self.env, "resync", account=self.name, date_from=date_from, date_to=date_to
            ),
            max_retries=MAX_RETRIES,
        )._job_resync(date_from, date_to, direction, step=step, run=self.resync_run)

    def _range_events(self, window):
        """The user's events an organizer's account carries in ``window``."""
        self.ensure_one()
        return (
            self.env["calendar.event"]
            .sudo()
            .search(
                [
                    ("user_id", "=", self.user_id.id),
                    ("start", "<", window[1]),
                    ("stop", ">", window[0]),
                ]
            )
            ._ccs_syncable()
        )

    def _mark_range_pending(self, window):
        """Push for a range: every binding of the range goes through the push again (the push
        skips unchanged ones without a call), and events without one get one."""
        self.ensure_one()
        events = self._range_events(window)
        Binding = self.env["calendar.sync.binding"].sudo()
        bindings = Binding.search([("account_id", "=", self.id), ("event_id", "in", events.ids)])
        bindings.filtered(lambda b: b.state in ("synced", "error")).write({"state": "pending"})
        missing = events - bindings.event_id
        self._bind_quietly(missing)
        return len(bindings) + len(missing)

    # -- jobs -----------------------------------------------------------------------------
    def _job_resync(self, date_from, date_to, direction, step=0, run=0):
        """One step of a range resync (a month's pull or push), then the next step queued:
        ``resync_progress`` moves as each step's job commits."""
        self = self.sudo()
        self.ensure_one()
        if run and run != self.resync_run:
            return "superseded by a newer resync"
        steps = resync_steps(
            fields.Date.to_date(date_from), fields.Date.to_date(date_to), direction
        )
        if step >= len(steps):
            return self._resync_done(direction)
        kind, window = steps[step]
        self.write({"resync_state": "running"})
        if not self._can(kind):
            pass  # this direction is off for the account (or its native sync is on)
        elif kind == "pull":
            pulled = self._pull_range(window)
            if pulled is None:
                return self._resync_failed(_("needs re-authorization"))
            self.resync_pulled += pulled
        else:
            count = self._mark_range_pending(window)
            # the same lock is re-entered: the push runs in this job, counted in its progress
            self._job_push()
            if self.state == "needs_reauth":
                return self._resync_failed(_("needs re-authorization"))
            self.resync_pushed += count
        done = step + 1
        if done == len(steps):
            return self._resync_done(direction)
        self.write(
            {
                "resync_progress": int(100 * done / len(steps)),
                "resync_message": _(
                    "Steps done: %(done)s of %(total)s, up to %(day)s.",
                    done=done,
                    total=len(steps),
                    # the window's end is exclusive: its last day is the one before
                    day=fields.Date.to_string(window[1].date() - timedelta(days=1)),
                ),
            }
        )
        self._enqueue_resync_step(date_from, date_to, direction, done)
        return f"step {done} of {len(steps)} done"

    def _resync_done(self, direction):
        message = _(
            "Done. Changes pulled: %(pulled)s, events pushed or checked: %(pushed)s.",
            pulled=self.resync_pulled,
            pushed=self.resync_pushed,
        )
        # a direction the account does not sync (its settings, or Odoo's own sync still on)
        names = {"pull": _("pulling from the provider"), "push": _("pushing from Odoo")}
        skipped = [
            names[kind]
            for kind in ("pull", "push")
            if direction in (kind, "both") and not self._can(kind)
        ]
        if skipped:
            message += " " + _(
                "Skipped, as this account does not sync that way: %(what)s.",
                what=", ".join(skipped),
            )
        self.write({"resync_state": "done", "resync_progress": 100, "resync_message": message})
        return message

    def _resync_failed(self, message):
        self.write({"resync_state": "failed", "resync_message": message})
        return message

    def _pull_range(self, window):
        """A full listing of ``window`` applied like a full pull; None when the grant is gone."""
        self.ensure_one()
        self._lock()
        started = time.monotonic()
        adapter = self._adapter()
        with counting() as requests_made:
            try:
                changes = adapter.list_changes(None, *window)
            except AuthRevoked as exc:
                self._needs_reauth(exc, requests_made.total)
                return None
            except TransientError as exc:
                self._retry_later(exc)
            self._match_adopted(changes, window)
            applied = self.env["calendar.sync.binding"]._apply_changes(self, changes, window)
            self._save_tokens(adapter)
        self.env["calendar.sync.log"]._log(
            self,
            "pull",
            "resync",
            "success",
            events_in=applied,
            api_requests=requests_made.total,
            duration_ms=int((time.monotonic() - started) * 1000),
        )
        return applied

    def _job_repair_import(self, external_ids):
        """Reconciliation repair: the provider's version of these events, applied as a pull
        applies it (new ones are created in Odoo, bound ones take the provider's fields)."""
        self = self.sudo()
        self.ensure_one()
        if not self._can("pull"):
            return "account not pulling"
        self._lock()
        adapter = self._adapter()
        remotes = []
        with counting() as requests_made:
            for external_id in external_ids:
                try:
                    remotes.append(adapter.get(external_id))
                except NotFoundError:
                    continue  # gone since the report: nothing left to import
                except AuthRevoked as exc:
                    self._needs_reauth(exc, requests_made.total)
                    return "needs re-authorization"
                except TransientError as exc:
                    self._retry_later(exc)
            self._save_tokens(adapter)
        applied = self.env["calendar.sync.binding"]._apply_changes(
            self, ChangeSet(events=remotes), self._window()
        )
        self.env["calendar.sync.log"]._log(
            self,
            "pull",
            "repair",
            "success",
            events_in=applied,
            api_requests=requests_made.total,
        )
        return f"{applied} events repaired"

    def _enqueue_repair_import(self, external_ids):
        self.ensure_one()
        self.with_delay(
            channel=CHANNEL,
            description=job_description(self.env, "repair", account=self.name),
            max_retries=MAX_RETRIES,
        )._job_repair_import(list(external_ids))

    def _list_range(self, window):
        """The provider's listing of ``window`` (read only: no event changes on either side).
        Raises ``SyncError`` subclasses for the caller to word."""
        self.ensure_one()
        adapter = self._adapter()
        changes = adapter.list_changes(None, *window)
        self._save_tokens(adapter)
        return changes
