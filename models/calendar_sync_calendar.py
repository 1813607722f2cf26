"""One remote calendar of a connection (calendar.sync.account) and what the user does with it.

A connection lists every calendar its provider shows the user: their own, calendars shared with
or delegated to them, room calendars they can read. Each has a mode:

- ``two_way``: where new Odoo events go; exactly one per connection. Its cursor and its
  channel are the account's own (``sync_cursor``, ``channel_*``): the engine syncs it as it
  always did, and ``remote_id`` equals the account's ``remote_calendar_id``.
- ``import``: its events come into Odoo, read-only there, never pushed anywhere.
- ``busy``: each of its events becomes a private busy block in Odoo (no title, guests or
  description).
- ``off``: not synced. Its busy time still counts for availability (asked live).

Import and busy calendars keep their own cursor and channel here, so adding or removing one
never resyncs the others."""

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from .calendar_sync_account import VAULT

MODES = [
    ("two_way", "Two-way"),
    ("import", "Import"),
    ("busy", "Busy only"),
    ("off", "Off"),
]
# what a user may change on their own calendars; the rest is the engine's
USER_WRITABLE_FIELDS = {"mode"}
# the context key of the account's own switch of its two-way calendar
SWITCHING = "ccs_switching_calendar"


class CalendarSyncCalendar(models.Model):
    _name = "calendar.sync.calendar"
    _description = "Calendar of a Cloud Sync connection"
    _order = "account_id, is_default desc, kind, name, id"

    account_id = fields.Many2one(
        "calendar.sync.account", required=True, ondelete="cascade", index=True, readonly=True
    )
    user_id = fields.Many2one(related="account_id.user_id", store=True)
    provider = fields.Selection(related="account_id.provider", store=True)
    remote_id = fields.Char("Calendar ID", required=True, readonly=True)
    name = fields.Char(required=True, readonly=True)
    timezone = fields.Char("Time Zone", readonly=True)
    kind = fields.Selection(
        [("own", "Own"), ("shared", "Shared with me"), ("room", "Room")],
        default="own",
        required=True,
        readonly=True,
    )
    owner_email = fields.Char("Owner", readonly=True)
    access = fields.Selection(
        [
            ("owner", "Owner"),
            ("writer", "Can edit"),
            ("reader", "Can read"),
            ("free_busy", "Free/busy only"),
        ],
        default="owner",
        required=True,
        readonly=True,
    )
    is_default = fields.Boolean("Default Calendar", readonly=True)
    mode = fields.Selection(MODES, default="off", required=True)
    # import / busy calendars: their own cursor and channel (the two-way one uses the account's)
    cursor = fields.Text(copy=False, readonly=True)
    cursor_window_start = fields.Datetime(copy=False, readonly=True)
    cursor_window_end = fields.Datetime(copy=False, readonly=True)
    last_pull_at = fields.Datetime("Last Pull", copy=False, readonly=True)
    last_error = fields.Text(copy=False, readonly=True)
    channel_id = fields.Char("Channel ID", copy=False, index="btree_not_null", readonly=True)
    channel_resource_id = fields.Char(copy=False, index="btree_not_null", readonly=True)
    channel_expiration = fields.Datetime(copy=False, readonly=True)
    channel_secret = fields.Text(groups=VAULT, copy=False)

    _sql_constraints = [
        (
            "account_remote_uniq",
            "unique(account_id, remote_id)",
            "A remote calendar is listed once per connection.",
        ),
    ]

    @api.constrains("mode", "account_id")
    def _check_one_two_way(self):
        for account in self.account_id:
            two_way = account.calendar_ids.filtered(lambda c: c.mode == "two_way")
            if len(two_way) > 1:
                raise ValidationError(
                    _(
                        "Only one calendar of %(account)s can sync both ways: it is where new "
                        "Odoo events go.",
                        account=account.name,
                    )
                )

    @api.constrains("mode", "access")
    def _check_two_way_writable(self):
        for calendar in self.filtered(lambda c: c.mode == "two_way"):
            calendar._check_writable()

    def _check_writable(self):
        if self.access not in ("owner", "writer"):
            raise ValidationError(
                _(
                    "%(calendar)s is read-only for you: it can be imported or count as busy "
                    "time, not sync both ways.",
                    calendar=self.name,
                )
            )

    def _two_way_switch(self, mode):
        """The calendar a write of ``mode`` makes two-way (the account then switches to it),
        or none; refuses to leave a connection without its two-way calendar: the account
        syncs it, so only choosing another one changes it."""
        switch = self.browse()
        for calendar in self:
            current = calendar.remote_id == calendar.account_id.remote_calendar_id
            if current and mode != "two_way":
                raise UserError(
                    _(
                        "%(calendar)s syncs both ways, and new Odoo events go there: choose "
                        "another calendar to sync both ways instead.",
                        calendar=calendar.name,
                    )
                )
            if mode == "two_way" and not current:
                if switch:
                    raise ValidationError(_("Only one calendar of a connection syncs both ways."))
                # before anything is switched
                calendar._check_writable()
                switch = calendar
        return switch

    def write(self, vals):
        if (
            not self.env.su
            and not self.env.user.has_group("base.group_system")
            and set(vals) - USER_WRITABLE_FIELDS
        ):
            raise AccessError(_("You can only change the mode of your calendars."))
        if "mode" in vals and not self.env.context.get(SWITCHING):
            switch = self._two_way_switch(vals["mode"])
            if switch:
                # the account syncs that calendar now (its _switch_calendar sets the modes)
                switch.account_id.sudo()._switch_calendar(
                    switch.remote_id, switch.name, switch.timezone
                )
                vals = {k: v for k, v in vals.items() if k != "mode"}
                if not vals:
                    return True
        before = {c.id: c.mode for c in self} if "mode" in vals else {}
        result = super().write(vals)
        if before:
            # calendar_sync_calendar_list.py: what the new mode starts or stops
            self.sudo().filtered(lambda c: before[c.id] != c.mode)._mode_changed(before)
        return result
