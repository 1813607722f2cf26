from odoo import fields, models


class CalendarSyncConflict(models.Model):
    """An event changed on both sides since the last sync, on fields the merge cannot decide."""

    _name = "calendar.sync.conflict"
    _description = "Calendar Cloud Sync Conflict"
    _order = "detected_at desc, id desc"
    _rec_name = "event_id"

    event_id = fields.Many2one("calendar.event", ondelete="cascade", index=True)
    account_id = fields.Many2one(
        "calendar.sync.account", required=True, ondelete="cascade", index=True
    )
    user_id = fields.Many2one(related="account_id.user_id", store=True)
    binding_id = fields.Many2one("calendar.sync.binding", ondelete="set null")
    state = fields.Selection(
        [("open", "Open"), ("resolved", "Resolved")], default="open", required=True, index=True
    )
    line_ids = fields.One2many("calendar.sync.conflict.line", "conflict_id", string="Fields")
    detected_at = fields.Datetime(default=fields.Datetime.now, required=True)
    resolved_by = fields.Many2one("res.users", readonly=True)
    resolved_at = fields.Datetime(readonly=True)


class CalendarSyncConflictLine(models.Model):
    """One field changed on both sides: the user picks which value wins."""

    _name = "calendar.sync.conflict.line"
    _description = "Calendar Cloud Sync Conflict Field"
    _order = "conflict_id, id"

    conflict_id = fields.Many2one(
        "calendar.sync.conflict", required=True, ondelete="cascade", index=True
    )
    field_name = fields.Char(required=True)
    field_label = fields.Char()
    odoo_value = fields.Json()
    remote_value = fields.Json()
    base_value = fields.Json(help="The value both sides had at the last sync.")
    choice = fields.Selection([("odoo", "Keep Odoo's value"), ("remote", "Take the provider's")])
