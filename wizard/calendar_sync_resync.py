"""Resync one account or every account of a company over a date range, as one job each."""

from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError

MAX_RANGE_DAYS = 3 * 366


class CalendarSyncResync(models.TransientModel):
    _name = "calendar.sync.resync.wizard"
    _description = "Calendar sync resync"

    scope = fields.Selection(
        [("account", "One account"), ("company", "Every account of a company")],
        default="account",
        required=True,
    )
    account_id = fields.Many2one(
        "calendar.sync.account",
        domain=[("state", "=", "connected")],
        default=lambda self: self._default_account(),
    )
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company)
    date_from = fields.Date(required=True, default=lambda self: fields.Date.today() - timedelta(30))
    date_to = fields.Date(required=True, default=lambda self: fields.Date.today() + timedelta(90))
    direction = fields.Selection(
        [("pull", "Pull from the provider"), ("push", "Push from Odoo"), ("both", "Both")],
        default="both",
        required=True,
    )
    state = fields.Selection([("draft", "Draft"), ("started", "Started")], default="draft")
    resync_account_ids = fields.Many2many("calendar.sync.account", string="Accounts")
    progress = fields.Integer(compute="_compute_progress")
    done = fields.Boolean(compute="_compute_progress")

    @api.model
    def _default_account(self):
        context = self.env.context
        if context.get("active_model") == "calendar.sync.account":
            return context.get("active_id")
        return False

    @api.depends("resync_account_ids.resync_progress", "resync_account_ids.resync_state")
    def _compute_progress(self):
        for wizard in self:
            accounts = wizard.resync_account_ids
            total = sum(accounts.mapped("resync_progress"))
            wizard.progress = total // len(accounts) if accounts else 0
            wizard.done = bool(accounts) and all(
                state in ("done", "failed") for state in accounts.mapped("resync_state")
            )

    @api.constrains("date_from", "date_to")
    def _check_range(self):
        for wizard in self:
            if wizard.date_to < wizard.date_from:
                raise UserError(_("The range ends before it starts."))
            if (wizard.date_to - wizard.date_from).days > MAX_RANGE_DAYS:
                raise UserError(_("Resync at most %(days)s days at a time.", days=MAX_RANGE_DAYS))

    def _accounts(self):
        self.ensure_one()
        Account = self.env["calendar.sync.account"].sudo()
        if self.scope == "account":
            if not self.account_id:
                raise UserError(_("Choose the account to resync."))
            return self.account_id.sudo()
        if not self.company_id:
            raise UserError(_("Choose the company whose accounts to resync."))
        return Account.search(
            [("company_id", "=", self.company_id.id), ("state", "=", "connected")]
        )

    def action_start(self):
        self.check_access("write")
        self.ensure_one()
        accounts = self._accounts().filtered(lambda a: a.state == "connected")
        if not accounts:
            raise UserError(_("No connected account to resync."))
        accounts._enqueue_resync(self.date_from, self.date_to, self.direction)
        self.write({"state": "started", "resync_account_ids": [(6, 0, accounts.ids)]})
        return self.action_refresh()

    def action_refresh(self):
        self.check_access("read")
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": _("Resync"),
        }
