"""An answer given in Odoo goes out as that attendee, from their own account."""

from odoo import models


class CalendarAttendee(models.Model):
    _inherit = "calendar.attendee"

    def write(self, vals):
        result = super().write(vals)
        if "state" in vals and not self.env.context.get("ccs_no_sync"):
            self._ccs_mark_response()
        if "state" in vals:
            self._ccs_mirror_answered()
        return result

    def _ccs_mark_response(self):
        """An answer given in Odoo goes out as that attendee, from their own account."""
        pulled_from = self.env.context.get("ccs_pulled_account_id") or False
        bindings = (
            self.env["calendar.sync.binding"]
            .sudo()
            .search(
                [
                    ("event_id", "in", self.event_id.ids),
                    ("is_organizer_copy", "=", False),
                    ("account_id.user_id.partner_id", "in", self.partner_id.ids),
                    ("account_id", "!=", pulled_from),
                ]
            )
        )
        bindings.filtered(lambda b: b.state == "synced").write({"state": "pending"})
        bindings.account_id._enqueue_push()
