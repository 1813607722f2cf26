"""The take-over from Odoo's own calendar sync: adopt its links, then switch it off."""

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib.native_sync import NATIVE, installed_native
from ..models.calendar_sync_account import PROVIDERS


class CalendarSyncTakeover(models.TransientModel):
    _name = "calendar.sync.takeover"
    _description = "Take over from Odoo's own calendar sync"

    provider = fields.Selection(
        PROVIDERS, required=True, default=lambda self: self._default_provider()
    )
    scope = fields.Selection(
        [("all", "Every user concerned"), ("users", "Chosen users")],
        default="all",
        required=True,
    )
    user_ids = fields.Many2many("res.users", string="Users", domain=[("share", "=", False)])
    native_installed = fields.Boolean(compute="_compute_overview")
    candidate_ids = fields.Many2many("res.users", compute="_compute_overview", string="Concerned")
    state = fields.Selection([("draft", "Draft"), ("done", "Done")], default="draft")
    result = fields.Text(readonly=True)

    @api.model
    def _default_provider(self):
        return next((p for p in NATIVE if installed_native(self.env, p)), "google")

    @api.model
    def default_get(self, fields_list):
        # public over RPC, and it reads accounts: for those who may use the wizard only
        self.check_access("create")
        values = super().default_get(fields_list)
        if self.env.context.get("active_model") == "calendar.sync.account":
            # opened from selected accounts: their users, and their provider when it is one
            accounts = self.env["calendar.sync.account"].browse(self.env.context.get("active_ids"))
            if accounts:
                values.update(scope="users", user_ids=[(6, 0, accounts.user_id.ids)])
                if len(set(accounts.mapped("provider"))) == 1:
                    values["provider"] = accounts[0].provider
        return values

    @api.depends("provider")
    def _compute_overview(self):
        for wizard in self:
            native = installed_native(self.env, wizard.provider)
            wizard.native_installed = bool(native)
            wizard.candidate_ids = self._candidates(native) if native else False

    @api.model
    def _candidates(self, native):
        """Internal users with the native sync on, or organizing events it linked."""
        groups = (
            self.env["calendar.event"]
            .sudo()
            ._read_group([(native.id_field, "!=", False), ("user_id", "!=", False)], ["user_id"])
        )
        organizers = self.env["res.users"].union(*(user for (user,) in groups))
        return (native.active_users(self.env) | organizers).filtered(lambda u: not u.share)

    @api.model
    def _take_over(self, provider, users):
        """Per user: our account (created if needed), the native links adopted as bindings,
        the native sync switched off; a connected account starts its first sync."""
        native = installed_native(self.env, provider)
        if not native:
            raise UserError(
                _("Odoo's own %(label)s sync is not installed.", label=NATIVE[provider].label)
            )
        Account = self.env["calendar.sync.account"].sudo()
        was_on = native.active_users(self.env, users)
        lines = []
        for user in users:
            account = Account.search([("user_id", "=", user.id), ("provider", "=", provider)])
            account = account or Account.create({"user_id": user.id, "provider": provider})
            adopted = account._adopt_native_links()
            native.switch_off(self.env, user)
            if account.last_error == account._native_refusal_message():
                account.write({"last_error": False, "last_error_at": False})
            self.env["calendar.sync.log"]._log(
                account, "system", "takeover", "success", events_in=len(adopted)
            )
            if account.state == "connected":
                # a full listing matches the adopted links, then the first sync goes on
                account.write({"sync_cursor": False})
                account._start_sync()
                next_step = _("connected: the first sync has started.")
            else:
                next_step = _("waiting for the user to connect in Preferences > Calendar sync.")
            lines.append(
                _(
                    "%(user)s: %(count)s links adopted, Odoo's own sync %(off)s; %(next)s",
                    user=user.name,
                    count=len(adopted),
                    off=_("switched off") if user in was_on else _("was already off"),
                    next=next_step,
                )
            )
        return lines

    def action_take_over(self):
        self.check_access("write")
        self.ensure_one()
        native = installed_native(self.env, self.provider)
        if not native:
            raise UserError(
                _("Odoo's own %(label)s sync is not installed.", label=NATIVE[self.provider].label)
            )
        users = self.user_ids if self.scope == "users" else self._candidates(native)
        if not users:
            raise UserError(_("Nobody to take over: no user has links of Odoo's own sync."))
        lines = self._take_over(self.provider, users)
        lines.append(
            _(
                "When every user is done, the %(module)s module can be uninstalled.",
                module=native.module,
            )
        )
        self.write({"state": "done", "result": "\n".join(lines)})
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "name": _("Take over from Odoo's own sync"),
        }
