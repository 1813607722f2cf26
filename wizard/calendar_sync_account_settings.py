"""A user's Sync settings for one connection: every calendar of it with a mode (one two-way,
import, busy only, off), which direction, and their meeting and privacy defaults. Technical
fields stay on the administrators' account form."""

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
        """Every calendar of the connection with its mode: listed again from the provider
        when it can be asked, else as last stored (the synced one always among them)."""
        account = self.account_id.sudo()
        token_data = account._get_secret("token_data")
        if account.state != "connected" or not token_data:
            self.calendars_error = _("Connect this account to choose among its calendars.")
        else:
            try:
                account._refresh_calendars()
            except (SyncError, UserError):
                self.calendars_error = _(
                    "%(provider)s did not list your calendars just now: you can keep the "
                    "current one, or try again later.",
                    provider=dict(account._fields["provider"].selection).get(account.provider),
                )
        lines = [
            {
                "calendar_id": c.id,
                "remote_id": c.remote_id,
                "name": c.name,
                "timezone": c.timezone,
                "mode": c.mode,
            }
            for c in account.calendar_ids
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
                    "mode": "two_way",
                },
            )
        self.calendar_ids = [(0, 0, line) for line in lines]

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
        self._save_modes()
        return {"type": "ir.actions.act_window_close"}

    def _save_modes(self):
        """Exactly one two-way calendar: choosing another one as two-way switches to it (the
        previous one goes off unless given another mode); other modes change one calendar
        each, never the others' cursors."""
        account = self.account_id.sudo()
        two_way = self.calendar_ids.filtered(lambda c: c.mode == "two_way")
        if len(two_way) > 1:
            two_way -= two_way.filtered(lambda c: c.remote_id == account.remote_calendar_id)
        if len(two_way) != 1:
            raise UserError(
                _("Choose one calendar to sync both ways: it is where new Odoo events go.")
            )
        if two_way.calendar_id.access not in (False, "owner", "writer"):
            raise UserError(
                _(
                    "%(calendar)s is read-only for you: it can be imported or count as busy "
                    "time, not sync both ways.",
                    calendar=two_way.name,
                )
            )
        if two_way.remote_id != account.remote_calendar_id:
            account._switch_calendar(two_way.remote_id, two_way.name, two_way.timezone)
        for line in self.calendar_ids.filtered("calendar_id") - two_way:
            # the previous two-way calendar, left as it was, goes off
            mode = "off" if line.mode == "two_way" else line.mode
            if line.calendar_id.mode != mode:
                line.calendar_id.with_user(self.env.user).write({"mode": mode})


class CalendarSyncAccountSettingsCalendar(models.TransientModel):
    _name = "calendar.sync.account.settings.calendar"
    _description = "A calendar the provider lists for the user"
    _order = "id"

    settings_id = fields.Many2one(
        "calendar.sync.account.settings", "Sync Settings", required=True, ondelete="cascade"
    )
    calendar_id = fields.Many2one("calendar.sync.calendar", readonly=True)
    remote_id = fields.Char("Calendar ID", required=True)
    name = fields.Char(required=True)
    timezone = fields.Char("Time Zone")
    kind = fields.Selection(related="calendar_id.kind")
    access = fields.Selection(related="calendar_id.access")
    owner_email = fields.Char(related="calendar_id.owner_email")
    mode = fields.Selection(
        lambda self: self.env["calendar.sync.calendar"]._fields["mode"].selection,
        required=True,
        default="off",
    )
