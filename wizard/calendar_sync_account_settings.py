"""A user's Sync settings for one connection: which of their calendars, which direction, and
their meeting and privacy defaults. Technical fields stay on the administrators' account form."""

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..services.exceptions import SyncError


class CalendarSyncAccountSettings(models.TransientModel):
    _name = "calendar.sync.account.settings"
    _description = "Calendar sync settings"

    account_id = fields.Many2one("calendar.sync.account", required=True, readonly=True)
    provider = fields.Selection(related="account_id.provider")
    remote_email = fields.Char(related="account_id.remote_email")
    calendar_ids = fields.One2many(
        "calendar.sync.account.settings.calendar", "settings_id", string="Calendars"
    )
    calendar_id = fields.Many2one(
        "calendar.sync.account.settings.calendar",
        domain="[('settings_id', '=', id)]",
    )
    calendars_error = fields.Char("Calendars Not Listed", readonly=True)
    direction = fields.Selection(
        lambda self: self.env["calendar.sync.account"]._fields["direction"].selection,
        required=True,
    )
    default_meeting = fields.Selection(
        lambda self: self.env["res.users"]._fields["cloud_sync_default_meeting"].selection,
        string="Online meeting on new events",
        required=True,
    )
    private_events = fields.Selection(
        lambda self: self.env["res.users"]._fields["cloud_sync_private_events"].selection,
        string="Private events",
        required=True,
    )

    @api.model
    def _open(self, account):
        """The settings of ``account`` as they are, with the calendars the provider lists."""
        account.check_access("write")
        user = account.user_id
        settings = self.create(
            {
                "account_id": account.id,
                "direction": account.direction,
                "default_meeting": user.cloud_sync_default_meeting,
                "private_events": user.cloud_sync_private_events,
            }
        )
        settings._load_calendars()
        return {
            "type": "ir.actions.act_window",
            "name": _("Sync settings: %(account)s", account=account.name),
            "res_model": self._name,
            "res_id": settings.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
        }

    def _load_calendars(self):
        """The provider's list of the user's calendars (the one synced now always among them)."""
        account = self.account_id.sudo()
        found = []
        token_data = account._get_secret("token_data")
        if account.state != "connected" or not token_data:
            self.calendars_error = _("Connect this account to choose among its calendars.")
        else:
            try:
                connector = account._connector(account.provider, account.user_id.company_id)
                found, token_data = connector.calendars(token_data)
                account._set_secret("token_data", token_data)
            except (SyncError, UserError):
                self.calendars_error = _(
                    "%(provider)s did not list your calendars just now: you can keep the "
                    "current one, or try again later.",
                    provider=dict(account._fields["provider"].selection).get(account.provider),
                )
        lines = [
            {"remote_id": c.id, "name": c.name, "timezone": c.timezone or False}
            for c in found
            if c.can_edit or c.id == account.remote_calendar_id
        ]
        if account.remote_calendar_id and account.remote_calendar_id not in {
            line["remote_id"] for line in lines
        }:
            lines.insert(
                0,
                {
                    "remote_id": account.remote_calendar_id,
                    "name": account.remote_calendar_name or account.remote_calendar_id,
                    "timezone": account.remote_calendar_tz,
                },
            )
        self.calendar_ids = [(0, 0, line) for line in lines]
        self.calendar_id = self.calendar_ids.filtered(
            lambda c: c.remote_id == account.remote_calendar_id
        )[:1]

    def action_save(self):
        self.ensure_one()
        account = self.account_id
        if account.user_id != self.env.user and not self.env.user.has_group("base.group_system"):
            raise AccessError(_("You can only change the settings of your own calendars."))
        account.check_access("write")
        account.write({"direction": self.direction})
        account.user_id.write(
            {
                "cloud_sync_default_meeting": self.default_meeting,
                "cloud_sync_private_events": self.private_events,
            }
        )
        chosen = self.calendar_id
        if chosen and chosen.remote_id != account.remote_calendar_id:
            account.sudo()._switch_calendar(chosen.remote_id, chosen.name, chosen.timezone)
        return {"type": "ir.actions.act_window_close"}


class CalendarSyncAccountSettingsCalendar(models.TransientModel):
    _name = "calendar.sync.account.settings.calendar"
    _description = "A calendar the provider lists for the user"
    _order = "id"

    settings_id = fields.Many2one(
        "calendar.sync.account.settings", "Sync Settings", required=True, ondelete="cascade"
    )
    remote_id = fields.Char("Calendar ID", required=True)
    name = fields.Char(required=True)
    timezone = fields.Char("Time Zone")
