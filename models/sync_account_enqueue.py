"""One job per account for many accounts at once (the crons over every connected account):
one query finds the accounts whose job is already pending under its identity key, one create
stores the others, where queue_job's ``with_delay`` looks up and inserts per account."""

from odoo import models

from odoo.addons.queue_job.utils import must_run_without_delay

from .sync_account_jobs import CHANNEL

# the states in which queue_job merges a new job into an existing one with the same identity
MERGING_STATES = ["wait_dependencies", "pending", "enqueued"]


class CalendarSyncAccount(models.Model):
    _inherit = "calendar.sync.account"

    def _ccs_enqueue_batch(self, kind, **kwargs):
        """``_ccs_enqueue(kind, **kwargs)`` for every account, in a bounded number of queries."""
        if len(self) < 2 or must_run_without_delay(self.env):
            return self._ccs_enqueue(kind, **kwargs)
        # the identity key of _ccs_enqueue, so either way de-duplicates against the other
        keys = {account: f"calendar_cloud_sync-{kind}-{account.id}" for account in self}
        Job = self.env["queue.job"].sudo()
        Job.flush_model(["identity_key", "state"])
        self.env.cr.execute(
            "SELECT identity_key FROM queue_job WHERE identity_key = ANY(%s) AND state = ANY(%s)",
            [list(keys.values()), MERGING_STATES],
        )
        pending = {key for (key,) in self.env.cr.fetchall()}
        vals_list = []
        for account, key in keys.items():
            if key in pending:
                continue
            delayable = account.delayable(
                channel=CHANNEL,
                identity_key=key,
                description=f"Calendar sync: {kind} {account.name}",
            )
            getattr(delayable, f"_ccs_job_{kind}")(**kwargs)
            vals_list.append(delayable._build_job()._store_values(create=True))
        Job.with_context(_job_edit_sentinel=Job.EDIT_SENTINEL).create(vals_list)
