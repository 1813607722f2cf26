"""Notifications under a storm: a pull per notification would call the provider as often as
it notifies. A notification on a quiet account is pulled at once; while a pull is queued the
notification merges into it; while one runs, or just after one ended, notifications make at
most one more pull, which starts no sooner than a short delay after it. One query on the job
table decides, so a notification that merges costs that query and the account's lookup."""

from datetime import timedelta

from odoo import fields, models

from .params import get_int_param

# the identity key ``_ccs_enqueue`` gives an account's pull job
PULL_IDENTITY_KEY = "calendar_cloud_sync-pull-{}"
# queue_job merges a job with the same identity key into one in these states
MERGING_STATES = ("wait_dependencies", "pending", "enqueued")


class CalendarSyncAccount(models.Model):
    _inherit = "calendar.sync.account"

    def _ccs_enqueue_notified_pull(self, notified_at):
        """The pull a notification asks for, unless one is already waiting to run."""
        self.ensure_one()
        self.env["queue.job"].flush_model(["state", "identity_key"])
        self.env.cr.execute(
            "SELECT DISTINCT state FROM queue_job WHERE identity_key = %s AND state = ANY(%s)",
            [PULL_IDENTITY_KEY.format(self.id), [*MERGING_STATES, "started"]],
        )
        states = {state for (state,) in self.env.cr.fetchall()}
        if states & set(MERGING_STATES):
            return  # the waiting pull will see this change too
        eta = self._ccs_notified_pull_eta(running="started" in states)
        self._ccs_enqueue("pull", eta=eta, notified_at=notified_at)

    def _ccs_notified_pull_eta(self, running):
        """When the pull a notification asks for may start: None (now) on a quiet account,
        else the delay after the running pull, or after the last one ended."""
        delay = timedelta(seconds=get_int_param(self.env, "notification_delay_seconds"))
        now = fields.Datetime.now()
        if running:
            return now + delay
        if self.last_pull_at and self.last_pull_at > now - delay:
            return self.last_pull_at + delay
        return None
