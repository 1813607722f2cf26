import re
from datetime import timedelta

from odoo import api, fields, models

from ..lib.params import get_int_param

# Log messages are read by admins: scrub what must never be stored (DESIGN.md rule 9).
_SCRUBBERS = [
    (re.compile(r"(?i)\bbearer\s+[\w.~+/=-]+"), "Bearer [redacted]"),
    (
        re.compile(
            r"(?i)\b(access_token|refresh_token|id_token|client_secret|code_verifier)"
            r"([\"']?\s*[:=]\s*[\"']?)[^\s\"'&,}]+"
        ),
        r"\1\2[redacted]",
    ),
    (re.compile(r"(?i)([?&]code=)[^&\s]+"), r"\1[redacted]"),
    (re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"), "[email]"),
]
MAX_MESSAGE = 2000


def scrub(text):
    """``text`` without tokens and email addresses, cut to a readable length."""
    if not text:
        return text
    text = str(text)
    for pattern, replacement in _SCRUBBERS:
        text = pattern.sub(replacement, text)
    return text[:MAX_MESSAGE]


class CalendarSyncLog(models.Model):
    _name = "calendar.sync.log"
    _description = "Calendar Cloud Sync Log"
    _order = "create_date desc, id desc"
    _rec_name = "operation"

    create_date = fields.Datetime(index=True)
    account_id = fields.Many2one("calendar.sync.account", ondelete="cascade", index=True)
    user_id = fields.Many2one("res.users", index=True, ondelete="cascade")
    provider = fields.Selection([("google", "Google"), ("microsoft", "Microsoft")])
    direction = fields.Selection(
        [
            ("pull", "Pull"),
            ("push", "Push"),
            ("notification", "Notification"),
            ("auth", "Authorization"),
            ("channel", "Channel"),
            ("system", "System"),
        ],
        required=True,
    )
    operation = fields.Char(required=True)
    status = fields.Selection(
        [("success", "Success"), ("failure", "Failure"), ("retry", "Retry")], required=True
    )
    error_type = fields.Char()
    message = fields.Text()
    api_requests = fields.Integer("API Requests")
    events_in = fields.Integer()
    events_out = fields.Integer()
    # the pivot and graph views show the mean latency, not a sum of durations
    duration_ms = fields.Integer("Duration (ms)", aggregator="avg")

    @api.model
    def _log(self, account, direction, operation, status, **vals):
        """Record one sync step; ``account`` may be empty for system-wide steps."""
        values = {
            "account_id": account.id if account else False,
            "user_id": account.user_id.id if account else vals.pop("user_id", False),
            "provider": account.provider if account else vals.pop("provider", False),
            "direction": direction,
            "operation": operation,
            "status": status,
            **vals,
        }
        if values.get("message"):
            values["message"] = scrub(values["message"])
        return self.sudo().create(values)

    @api.autovacuum
    def _gc_old_logs(self):
        days = get_int_param(self.env, "log_retention_days")
        limit = fields.Datetime.now() - timedelta(days=days)
        self.sudo().search([("create_date", "<", limit)]).unlink()
