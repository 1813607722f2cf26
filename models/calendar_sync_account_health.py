"""What the Sync Health dashboard reads: per account, its pending work and failed jobs (the log
lines of retried and failed jobs are written by queue_job.py)."""

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib.params import webhook_warning


class CalendarSyncAccount(models.Model):
    _inherit = "calendar.sync.account"

    ccs_pending_binding_count = fields.Integer("Pending Changes", compute="_compute_ccs_health")
    ccs_pending_job_count = fields.Integer("Queued Jobs", compute="_compute_ccs_health")
    ccs_failed_job_count = fields.Integer("Failed Jobs", compute="_compute_ccs_health")
    ccs_channel_expired = fields.Boolean(
        "Channel Expired",
        compute="_compute_ccs_health",
        help="The provider stopped notifying changes: its channel or subscription expired.",
    )
    ccs_webhook_warning = fields.Char("Push Notifications", compute="_compute_ccs_webhook_warning")
    ccs_needs_attention = fields.Boolean(
        "Needs Attention",
        compute="_compute_ccs_health",
        search="_search_ccs_needs_attention",
        help="Needs re-authorization, in error, with an expired channel, changes waiting to be "
        "sent or failed jobs.",
    )

    def _compute_ccs_webhook_warning(self):
        warning = webhook_warning(self.env)
        for account in self:
            account.ccs_webhook_warning = warning

    def _job_ids(self, states=None):
        """{account id: [queue.job ids]} of the jobs run on these accounts, in one query."""
        jobs = {account_id: [] for account_id in self.ids}
        if not self.ids:
            return jobs
        domain = [("ccs_account_id", "in", self.ids)]
        if states:
            domain.append(("state", "in", list(states)))
        Job = self.env["queue.job"].sudo()
        for job in Job.search_fetch(domain, ["ccs_account_id"], order="id"):
            jobs[job.ccs_account_id.id].append(job.id)
        return jobs

    def _jobs(self, states=None):
        ids = [job_id for job_ids in self._job_ids(states).values() for job_id in job_ids]
        return self.env["queue.job"].sudo().browse(ids)

    # job counts have no ORM dependency: they are read again in each request
    @api.depends("state", "channel_expiration", "binding_ids.state")
    def _compute_ccs_health(self):
        pending = dict(
            self.env["calendar.sync.binding"]._read_group(
                [("account_id", "in", self.ids), ("state", "=", "pending")],
                ["account_id"],
                ["__count"],
            )
        )
        queued = self._job_ids(("pending", "enqueued", "started"))
        failed = self._job_ids(("failed",))
        # an import or busy calendar that failed to pull or to open its channel
        broken = set(
            self.env["calendar.sync.calendar"]
            .sudo()
            .search(
                [
                    ("account_id", "in", self.ids),
                    ("mode", "in", ("import", "busy")),
                    ("last_error", "!=", False),
                ]
            )
            .account_id.ids
        )
        now = fields.Datetime.now()
        for account in self:
            account.ccs_pending_binding_count = pending.get(account, 0)
            account.ccs_pending_job_count = len(queued.get(account.id, []))
            account.ccs_failed_job_count = len(failed.get(account.id, []))
            account.ccs_channel_expired = bool(
                account.state == "connected"
                and account.channel_expiration
                and account.channel_expiration < now
            )
            account.ccs_needs_attention = (
                account.state in ("needs_reauth", "error")
                or account.ccs_channel_expired
                or account.ccs_pending_binding_count > 0
                or account.ccs_failed_job_count > 0
                or account.id in broken
            )

    def _search_ccs_needs_attention(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(_("Unsupported search on Needs Attention."))
        accounts = self.sudo().with_context(active_test=False).search([])
        ids = accounts.filtered("ccs_needs_attention").ids
        return [("id", "in" if (operator == "=") == value else "not in", ids)]

    def _jobs_action(self, jobs, name):
        action = self.env["ir.actions.act_window"]._for_xml_id("queue_job.action_queue_job")
        action.update(
            {
                "name": name,
                "domain": [("id", "in", jobs.ids)],
                "context": {},
                "target": "current",
            }
        )
        return action

    def action_view_failed_jobs(self):
        self.check_access("read")
        self.ensure_one()
        return self._jobs_action(
            self._jobs(("failed",)), _("Failed jobs of %(name)s", name=self.name)
        )

    def action_view_jobs(self):
        self.check_access("read")
        self.ensure_one()
        return self._jobs_action(self._jobs(), _("Jobs of %(name)s", name=self.name))

    def action_view_sync_logs(self):
        self.check_access("read")
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "calendar_cloud_sync.calendar_sync_log_action"
        )
        action["domain"] = [("account_id", "=", self.id)]
        action["context"] = {}
        return action

    def action_retry_failed_jobs(self):
        """Put the failed jobs of these accounts back in the queue, as queue_job's Requeue."""
        self.check_access("write")
        jobs = self._jobs(("failed",))
        jobs.requeue()
        return self._notify(_("Failed jobs queued again: %(count)s.", count=len(jobs)))

    def action_sync_now(self):
        """Pull then push right away, and pull the import and busy calendars (queued jobs; an
        identical pending one is reused)."""
        self.check_access("write")
        accounts = self.sudo()
        if not any(a._can("pull") or a._can("push") for a in accounts):
            raise UserError(_("Only connected accounts with a calendar can be synced."))
        accounts._enqueue_pull()
        accounts._enqueue_push()
        accounts.calendar_ids._enqueue_pull()  # the import and busy calendars too
        return self._notify(_("Sync queued: %(names)s", names=", ".join(self.mapped("name"))))

    def _notify(self, message):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": message,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }
