"""Notifications under a storm: a pull per notification would call the provider as often as
it notifies. A notification on a quiet account is pulled at once; while a pull is queued the
identity key merges notifications into it; while one runs, or just after one ended, they make
at most one more pull, which starts no sooner than a short delay after it."""

from datetime import timedelta

from odoo import fields, models

from .params import get_int_param

# the identity key ``_ccs_enqueue`` gives an account's pull job
PULL_IDENTITY_KEY = "calendar_cloud_sync-pull-{}"


class CalendarSyncAccount(models.Model):
    _inherit = "calendar.sync.account"

    def _ccs_notified_pull_eta(self):
        """When the pull a notification asks for may start: None (now) on a quiet account,
        else the delay after the running pull, or after the last one ended."""
        self.ensure_one()
        delay = timedelta(seconds=get_int_param(self.env, "notification_delay_seconds"))
        now = fields.Datetime.now()
        # few jobs are started at any time: the state index finds them at once
        self.env["queue.job"].flush_model(["state", "identity_key"])
        self.env.cr.execute(
            "SELECT 1 FROM queue_job WHERE state = 'started' AND identity_key = %s LIMIT 1",
            [PULL_IDENTITY_KEY.format(self.id)],
        )
        if self.env.cr.fetchone():
            return now + delay
        if self.last_pull_at and self.last_pull_at > now - delay:
            return self.last_pull_at + delay
        return None
