"""The addon's side of queue_job's jobs: each job of an account (or of one of its import or
busy calendars) links to it (Sync Health reads
an account's jobs through that link), and one log line is written per sync job that
queue_job retries or fails (the job's own writes are rolled back then, so the line is written
when queue_job stores the job's outcome)."""

import re

from odoo import api, fields, models

ACCOUNT_MODEL = "calendar.sync.account"
# an import or busy calendar's jobs count as its account's
CALENDAR_MODEL = "calendar.sync.calendar"
JOB_DIRECTIONS = {"_job_push": "push", "_job_pull": "pull"}
# _retry_later's message starts with the exception's class name
_RETRY_TYPE = re.compile(r"^([A-Za-z_]\w*): ")


class QueueJob(models.Model):
    _inherit = "queue.job"

    ccs_account_id = fields.Many2one(
        "calendar.sync.account",
        string="Calendar Sync Account",
        index="btree_not_null",
        ondelete="set null",
        readonly=True,
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            # queue_job stores the job's recordset as it is given here
            records = vals.get("records")
            if len(getattr(records, "ids", ())) != 1:
                continue
            if vals.get("model_name") == ACCOUNT_MODEL:
                vals["ccs_account_id"] = records.ids[0]
            elif vals.get("model_name") == CALENDAR_MODEL:
                vals["ccs_account_id"] = records.sudo().account_id.id
        return super().create(vals_list)

    def write(self, vals):
        outcomes = self._ccs_outcomes(vals)
        result = super().write(vals)
        for job, status in outcomes:
            job._ccs_log_outcome(status)
        return result

    def _ccs_outcomes(self, vals):
        """(job, "failure" | "retry") for the sync jobs this write fails or postpones after a
        retryable error (a busy account's postponement does not count a try: not logged)."""
        outcomes = []
        for job in self.filtered(lambda j: j.model_name in (ACCOUNT_MODEL, CALENDAR_MODEL)):
            if vals.get("state") == "failed" and job.state != "failed":
                outcomes.append((job, "failure"))
            elif vals.get("state") == "pending" and vals.get("retry", 0) > job.retry:
                outcomes.append((job, "retry"))
        return outcomes

    def _ccs_log_outcome(self, status):
        accounts = self.records.exists()
        if self.model_name == CALENDAR_MODEL:
            accounts = accounts.sudo().account_id
        if status == "failure":
            error_type = (self.exc_name or "").rsplit(".", 1)[-1] or False
            message = self.exc_message
        else:
            match = _RETRY_TYPE.match(self.result or "")
            error_type = match.group(1) if match else False
            message = self.result
        for account in accounts:
            self.env["calendar.sync.log"]._log(
                account,
                JOB_DIRECTIONS.get(self.method_name, "system"),
                self.method_name.removeprefix("_job_"),
                status,
                error_type=error_type,
                message=message,
            )
