"""Conflicts: an event changed on both sides since the last sync, on the same fields.

The conflict keeps what resolving needs (the provider's version, its etag and the base) and
shows each conflicting field side by side: the last synced value, Odoo's and the provider's.
"""

from markupsafe import Markup

from odoo import api, fields, models

from ..lib.conflict_render import provider_label, render_unit, unit_labels
from ..services.neutral import from_snapshot


class CalendarSyncConflict(models.Model):
    """An event changed on both sides since the last sync, on fields the merge cannot decide."""

    _name = "calendar.sync.conflict"
    _description = "Calendar Cloud Sync Conflict"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "detected_at desc, id desc"
    _rec_name = "event_id"

    event_id = fields.Many2one("calendar.event", ondelete="cascade", index=True)
    account_id = fields.Many2one(
        "calendar.sync.account", required=True, ondelete="cascade", index=True
    )
    user_id = fields.Many2one(related="account_id.user_id", store=True)
    provider = fields.Selection(related="account_id.provider", store=True)
    provider_label = fields.Char(compute="_compute_provider_label")
    binding_id = fields.Many2one("calendar.sync.binding", ondelete="set null")
    state = fields.Selection(
        [("open", "Open"), ("resolved", "Resolved")], default="open", required=True, index=True
    )
    line_ids = fields.One2many("calendar.sync.conflict.line", "conflict_id", string="Fields")
    field_summary = fields.Char("Conflicting Fields", compute="_compute_field_summary")
    detected_at = fields.Datetime(default=fields.Datetime.now, required=True)
    resolved_by = fields.Many2one("res.users", readonly=True)
    resolved_at = fields.Datetime(readonly=True)
    # what resolving needs, recorded with the conflict (DESIGN.md rule 4)
    remote_snapshot = fields.Json(help="The provider's version when the conflict was recorded.")
    remote_etag = fields.Char(help="The provider's etag of that version (sent as If-Match).")
    base_snapshot = fields.Json(help="The version both sides had at the last sync.")
    merged_snapshot = fields.Json(
        help="Odoo's version when the conflict was recorded, the clean merge applied."
    )
    odoo_snapshot = fields.Json(help="Odoo's version just before the conflict was resolved.")
    merged_units = fields.Json(
        help="Fields changed on one side only, merged without asking: "
        '[{"unit": ..., "side": "odoo" | "remote", "emails": [...]}]'
    )
    merged_html = fields.Html("Merged Automatically", compute="_compute_merged_html")

    @api.depends("provider")
    def _compute_provider_label(self):
        for conflict in self:
            conflict.provider_label = provider_label(self.env, conflict.provider)

    @api.depends("line_ids.field_label")
    def _compute_field_summary(self):
        for conflict in self:
            conflict.field_summary = ", ".join(conflict.line_ids.mapped("field_label"))

    def _versions(self):
        """(base, Odoo, provider) NeutralEvents to show: Odoo's is the event as it is now,
        until a resolution keeps the version it replaced."""
        self.ensure_one()
        base = self.base_snapshot and from_snapshot(self.base_snapshot)
        remote = self.remote_snapshot and from_snapshot(self.remote_snapshot)
        binding = self.sudo().binding_id
        if self.odoo_snapshot:
            odoo = from_snapshot(self.odoo_snapshot)
        else:
            odoo = binding.event_id and binding._local()
        return base or None, odoo or None, remote or None

    @api.depends("merged_units", "state", "remote_snapshot", "odoo_snapshot", "merged_snapshot")
    def _compute_merged_html(self):
        for conflict in self:
            if not conflict.merged_units:
                conflict.merged_html = False
                continue
            _base, odoo, remote = conflict._versions()
            label = conflict.provider_label
            if conflict.state == "open":
                notes = {
                    "odoo": self.env._("changed in Odoo only: sent to %s when you apply", label),
                    "remote": self.env._("changed in %s: already applied in Odoo", label),
                }
            else:
                notes = {
                    "odoo": self.env._("changed in Odoo only: sent to %s", label),
                    "remote": self.env._("changed in %s: applied in Odoo", label),
                }
            # the values Odoo held once merged: what really changed, in Odoo's words
            merged = conflict.merged_snapshot and from_snapshot(conflict.merged_snapshot)
            items = []
            for item in conflict.merged_units:
                event = merged or (odoo if item["side"] == "odoo" else remote)
                value = render_unit(self.env, item["unit"], event, item.get("emails"))
                items.append(
                    Markup("<li><strong>%s</strong> (%s): %s</li>")
                    % (
                        unit_labels(self.env).get(item["unit"], item["unit"]),
                        notes[item["side"]],
                        value,
                    )
                )
            conflict.merged_html = Markup("<ul class='mb-0'>%s</ul>") % Markup("").join(items)

    @api.model_create_multi
    def create(self, vals_list):
        quiet = self.with_context(mail_create_nolog=True, mail_create_nosubscribe=True)
        conflicts = super(CalendarSyncConflict, quiet).create(vals_list).with_env(self.env)
        conflicts.filtered(lambda c: c.state == "open")._open_activity()
        return conflicts
