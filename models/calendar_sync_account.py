from odoo import _, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools.misc import format_date

from ..lib.secrets import get_cipher

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
    # every notification looks its account up by channel id (Google) or subscription id
    # (Graph, which chooses it: kept as the channel's resource id)
    channel_id = fields.Char("Channel ID", copy=False, index="btree_not_null")
    channel_resource_id = fields.Char("Channel Resource ID", copy=False, index="btree_not_null")
    channel_expiration = fields.Datetime(copy=False)
    token_data = fields.Text(groups=VAULT, copy=False)
    channel_secret = fields.Text(groups=VAULT, copy=False)
    auth_flow_data = fields.Text(groups=VAULT, copy=False)
    binding_ids = fields.One2many("calendar.sync.binding", "account_id", string="Bindings")
    calendar_ids = fields.One2many("calendar.sync.calendar", "account_id", string="Calendars")
    binding_count = fields.Integer(compute="_compute_binding_count")
    status_text = fields.Char("Status", compute="_compute_status_text")
    last_sync_at = fields.Datetime(
        "Last Synced",
        compute="_compute_status_text",
        help="The last time a pull or a push of this calendar finished without error.",
    )

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

    @api.depends(
        "state",
        "provider",
        "remote_email",
        "remote_calendar_name",
        "direction",
        "last_pull_at",
        "last_push_at",
        "last_error",
        "last_error_at",
    )
    def _compute_status_text(self):
        progress = self._import_progress()
        for account in self:
            account.last_sync_at = max(
                filter(None, (account.last_pull_at, account.last_push_at)), default=False
            )
            account.status_text = account._status_text(progress)

    def _import_progress(self):
        """{account id: percent of its events already sent} for accounts whose first import
        runs (no pull finished yet, jobs queued); None where nothing is counted yet."""
        importing = self.filtered(
            lambda a: a.state == "connected" and not a.last_pull_at and isinstance(a.id, int)
        )
        if not importing.ids:
            return {}
        queued = importing._job_ids(("pending", "enqueued", "started"))
        importing = importing.filtered(lambda a: queued.get(a.id))
        if not importing:
            return {}
        counts = {account.id: [0, 0] for account in importing}
        groups = (
            self.env["calendar.sync.binding"]
            .sudo()
            ._read_group(
                [("account_id", "in", importing.ids)], ["account_id", "state"], ["__count"]
            )
        )
        for account, state, count in groups:
            counts[account.id][1] += count
            if state == "synced":
                counts[account.id][0] += count
        return {
            key: (done * 100 // total if total else None) for key, (done, total) in counts.items()
        }

    def _status_text(self, import_progress=None):
        """The account's state as a sentence for its user."""
        self.ensure_one()
        import_progress = import_progress or {}
        provider = dict(PROVIDERS).get(self.provider, "")
        when = (
            format_date(self.env, self.last_error_at, date_format="d MMM")
            if self.last_error_at
            else ""
        )
        if self.state == "draft":
            return _("Not connected yet")
        if self.state == "disconnected":
            return _("Disconnected: nothing is synced with %(provider)s", provider=provider)
        if self.state == "needs_reauth":
            if when:
                return _(
                    "Needs you to reconnect: %(provider)s access was removed on %(date)s",
                    provider=provider,
                    date=when,
                )
            return _("Needs you to reconnect: %(provider)s access was removed", provider=provider)
        if self.state == "paused":
            return _("Paused: nothing is synced with %(provider)s for now", provider=provider)
        if self.state == "error":
            return _(
                "Stopped by an error on %(date)s: %(error)s",
                date=when or "-",
                error=(self.last_error or "").splitlines()[0] if self.last_error else "-",
            )
        if not self.remote_calendar_name:
            return _(
                "Connected to %(provider)s as %(email)s: choose a calendar to sync",
                provider=provider,
                email=self.remote_email or "-",
            )
        if self.id in import_progress:
            import_percent = import_progress[self.id]
            if import_percent is None:
                return _("Importing your calendar from %(email)s…", email=self.remote_email or "-")
            return _(
                "Importing your calendar from %(email)s… %(percent)s%%",
                email=self.remote_email or "-",
                percent=import_percent,
            )
        how = {
            "both": _("syncing both ways with '%(calendar)s'"),
            "odoo_to_remote": _("sending Odoo events to '%(calendar)s'"),
            "remote_to_odoo": _("bringing '%(calendar)s' into Odoo"),
        }[self.direction] % {"calendar": self.remote_calendar_name}
        return _(
            "Connected to %(provider)s as %(email)s — %(how)s",
            provider=provider,
            email=self.remote_email or "-",
            how=how,
        )

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
            account.calendar_ids._enqueue_unwatch()
            account._enqueue_disconnect(account.channel_id, account.channel_resource_id)
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

    def action_reconnect(self):
        """Give consent again: the provider's connect flow, for the account's own user only."""
        self.check_access("read")
        self.ensure_one()
        if self.user_id != self.env.user:
            raise AccessError(
                _("Only %(user)s can reconnect this calendar.", user=self.user_id.name)
            )
        return self.user_id._cloud_sync_connect_action(self.provider)

    def action_open_form(self):
        """The user's Sync settings of this account (Preferences): calendar, direction and
        their defaults; administrators have the account's full form in the Cloud Sync menu."""
        self.check_access("read")
        self.ensure_one()
        return self.env["calendar.sync.account.settings"]._open(self)

    def action_view_bindings(self):
        self.check_access("read")
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "calendar_cloud_sync.calendar_sync_binding_action"
        )
        action["domain"] = [("account_id", "=", self.id)]
        action["context"] = {"default_account_id": self.id}
        return action
