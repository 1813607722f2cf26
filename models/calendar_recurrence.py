"""A series keeps its bindings when Odoo gives it a new first event."""

from odoo import models


class CalendarRecurrence(models.Model):
    _inherit = "calendar.recurrence"

    def _select_new_base_event(self):
        """Odoo moves a series to its next event when the first one is archived or deleted:
        the series' bindings (its remote id and last synced version) move with it, so the
        provider's series gets the removed slot as an EXDATE, not a delete and a new series."""
        before = {recurrence.id: recurrence.base_event_id for recurrence in self}
        result = super()._select_new_base_event()
        Binding = self.env["calendar.sync.binding"].sudo()
        for recurrence in self:
            old, new = before[recurrence.id], recurrence.base_event_id
            if not old or not new or old == new:
                continue
            series = Binding.search([("event_id", "=", old.id), ("original_start", "=", False)])
            # an exception binding of the new first event gives way to the series' own
            Binding.search(
                [("event_id", "=", new.id), ("account_id", "in", series.account_id.ids)]
            ).unlink()
            series.write({"event_id": new.id})
            new._ccs_mark_dirty()
        return result
