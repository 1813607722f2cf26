"""One field changed on both sides of a conflict: its three values, and the user's pick."""

from markupsafe import Markup

from odoo import api, fields, models

from ..lib.conflict_render import json_text, render_unit, unit_labels


class CalendarSyncConflictLine(models.Model):
    """One field changed on both sides: the user picks which value wins."""

    _name = "calendar.sync.conflict.line"
    _description = "Calendar Cloud Sync Conflict Field"
    _order = "conflict_id, id"

    conflict_id = fields.Many2one(
        "calendar.sync.conflict", required=True, ondelete="cascade", index=True
    )
    conflict_state = fields.Selection(related="conflict_id.state")
    provider = fields.Selection(related="conflict_id.provider")
    field_name = fields.Char(required=True)
    field_label = fields.Char("Field", compute="_compute_field_label")
    odoo_value = fields.Json()
    remote_value = fields.Json()
    base_value = fields.Json(help="The value both sides had at the last sync.")
    choice = fields.Selection([("odoo", "Keep Odoo's value"), ("remote", "Take the provider's")])
    base_display = fields.Html("Last Synced", compute="_compute_displays")
    odoo_display = fields.Html("In Odoo", compute="_compute_displays")
    remote_display = fields.Html("At the Provider", compute="_compute_displays")

    @api.depends("field_name")
    def _compute_field_label(self):
        labels = unit_labels(self.env)
        for line in self:
            line.field_label = labels.get(line.field_name, line.field_name)

    @api.depends(
        "field_name",
        "conflict_id.state",
        "conflict_id.remote_snapshot",
        "conflict_id.odoo_snapshot",
    )
    def _compute_displays(self):
        self.base_display = self.odoo_display = self.remote_display = False
        for conflict in self.conflict_id:
            lines = self.filtered(lambda line, c=conflict: line.conflict_id == c)
            if not conflict.remote_snapshot:
                # recorded before snapshots were kept: the stored values as they are
                for line in lines:
                    line.base_display = json_text(line.base_value)
                    line.odoo_display = json_text(line.odoo_value)
                    line.remote_display = json_text(line.remote_value)
                continue
            base, odoo, remote = conflict._versions()
            for line in lines:
                unit, emails = line.field_name, line._emails()
                never = Markup('<span class="text-muted">%s</span>') % self.env._("never synced")
                line.base_display = render_unit(self.env, unit, base, emails) if base else never
                line.odoo_display = render_unit(self.env, unit, odoo, emails)
                line.remote_display = render_unit(self.env, unit, remote, emails)

    def _emails(self):
        """The attendees in conflict (an attendees line holds only those)."""
        if self.field_name != "attendees":
            return None
        values = (self.base_value or [], self.odoo_value or [], self.remote_value or [])
        return sorted({a["email"] for value in values for a in value if a.get("email")})

    def action_choose_odoo(self):
        return self._choose("odoo")

    def action_choose_remote(self):
        return self._choose("remote")

    def _choose(self, side):
        self.conflict_id._check_resolver()
        self.conflict_id._check_open()
        self.sudo().write({"choice": side})
        return True
