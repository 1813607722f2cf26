from odoo import _, api, fields, models
from odoo.exceptions import AccessError

from .crypto import get_cipher

PROVIDERS = [("google", "Google"), ("microsoft", "Microsoft")]
VAULT = "calendar_cloud_sync.group_token_vault"

# What a user may change on their own account; everything else is written by the engine.
USER_WRITABLE_FIELDS = {"direction", "remote_calendar_id", "remote_calendar_name"}
SECRET_FIELDS = ("token_data", "channel_secret", "auth_flow_data")


class CalendarSyncAccount(models.Model):
    _name = "calendar.sync.account"
    _description = "Calendar Cloud Sync Account"
    _inherit = ["mail.thread"]
    _order = "user_id, provider"

    name = fields.Char(compute="_compute_name", store=True)
    user_id = fields.Many2one(
        "res.users",
        required=True,
        default=lambda self: self.env.user,
        index=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(related="user_id.company_id", store=True)
    provider = fields.Selection(PROVIDERS, required=True)
    state = fields.Selection(
        [
            ("draft", "Not connected"),
            ("connected", "Connected"),
            ("needs_reauth", "Needs re-authorization"),
            ("paused", "Paused"),
            ("error", "Error"),
            ("disconnected", "Disconnected"),
        ],
        default="draft",
        required=True,
        tracking=True,
    )
    remote_email = fields.Char("Provider Account", readonly=True)
    remote_calendar_id = fields.Char("Remote Calendar ID")
    remote_calendar_name = fields.Char("Remote Calendar")
    # the calendar's own zone, for events that carry none (Google all-day events)
    remote_calendar_tz = fields.Char("Remote Calendar Time Zone", readonly=True)
    direction = fields.Selection(
        [
            ("both", "Both ways"),
            ("odoo_to_remote", "Odoo to provider"),
            ("remote_to_odoo", "Provider to Odoo"),
        ],
        default="both",
        required=True,
    )
    sync_cursor = fields.Text(
        help="Google syncToken or Microsoft Graph deltaLink of the last pull.", copy=False
    )
    cursor_window_start = fields.Datetime(copy=False)
    cursor_window_end = fields.Datetime(copy=False)
    last_pull_at = fields.Datetime("Last Pull", readonly=True, copy=False)
    last_push_at = fields.Datetime("Last Push", readonly=True, copy=False)
    last_notification_at = fields.Datetime(readonly=True, copy=False)
    last_error = fields.Text(readonly=True, copy=False)
    last_error_at = fields.Datetime(readonly=True, copy=False)
    channel_id = fields.Char("Channel ID", copy=False)
    channel_resource_id = fields.Char("Channel Resource ID", copy=False)
    channel_expiration = fields.Datetime(copy=False)
    token_data = fields.Text(groups=VAULT, copy=False)
    channel_secret = fields.Text(groups=VAULT, copy=False)
    auth_flow_data = fields.Text(groups=VAULT, copy=False)
    binding_ids = fields.One2many("calendar.sync.binding", "account_id", string="Bindings")
    binding_count = fields.Integer(compute="_compute_binding_count")

    _sql_constraints = [
        (
            "user_provider_uniq",
            "unique(user_id, provider)",
            "A user can connect only one account per provider.",
        ),
    ]

    @api.depends("provider", "remote_email", "user_id.name")
    def _compute_name(self):
        labels = dict(self._fields["provider"]._description_selection(self.env))
        for account in self:
            who = account.remote_email or account.user_id.name or ""
            account.name = f"{labels.get(account.provider, '')} \N{EN DASH} {who}"

    def _compute_binding_count(self):
        counts = dict(
            self.env["calendar.sync.binding"]._read_group(
                [("account_id", "in", self.ids)], ["account_id"], ["__count"]
            )
        )
        for account in self:
            account.binding_count = counts.get(account, 0)

    def write(self, vals):
        if (
            not self.env.su
            and not self.env.user.has_group("base.group_system")
            and set(vals) - USER_WRITABLE_FIELDS
        ):
            raise AccessError(
                _("You can only change the direction and the calendar of your sync accounts.")
            )
        return super().write(vals)

    def _get_secret(self, field):
        """The decrypted value of a secret field (dict, list or str as it was stored)."""
        self.ensure_one()
        if field not in SECRET_FIELDS:
            raise ValueError(f"{field} is not a secret field")
        return get_cipher().decrypt_json(self.sudo()[field] or None)

    def _set_secret(self, field, value):
        """Encrypt ``value`` (str, dict or list; None/False clears) into a secret field."""
        if field not in SECRET_FIELDS:
            raise ValueError(f"{field} is not a secret field")
        stored = get_cipher().encrypt_json(value) if value not in (None, False) else False
        self.sudo().write({field: stored})

    def action_disconnect(self):
        """Stop syncing at once: forget cursor and channel. A job stops the channel and
        revokes the token, then forgets it. Bindings and events stay for a reconnect."""
        self.check_access("write")
        for account in self.sudo():
            # no API call here: the job gets the channel's ids and the token stays until then
            account._ccs_enqueue_disconnect(account.channel_id, account.channel_resource_id)
            account.write(
                {
                    "state": "disconnected",
                    "sync_cursor": False,
                    "cursor_window_start": False,
                    "cursor_window_end": False,
                    "channel_id": False,
                    "channel_resource_id": False,
                    "channel_expiration": False,
                    **{name: False for name in SECRET_FIELDS if name != "token_data"},
                }
            )
            self.env["calendar.sync.log"]._log(account, "auth", "disconnect", "success")
        # Closing reloads the list the button was in, or the Preferences dialog shows it later.
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": _("Disconnected: %(names)s", names=", ".join(self.mapped("name"))),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def action_open_form(self):
        """Open the account on its own, e.g. from the Preferences list, to change the direction."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [
                (self.env.ref("calendar_cloud_sync.calendar_sync_account_view_form").id, "form")
            ],
            "target": "new",
        }

    def action_view_bindings(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "calendar_cloud_sync.calendar_sync_binding_action"
        )
        action["domain"] = [("account_id", "=", self.id)]
        action["context"] = {"default_account_id": self.id}
        return action
