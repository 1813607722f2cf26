"""Each attendee's busy time for the event form's bar (issue 13 item 5).

The same busy time as ``find_slots`` (Odoo events attended and not declined, and each
connected account's free/busy asked live and kept a few seconds), kept apart per attendee and
per source, and only times: never a title, a place or a guest of anybody's event. Partners
that are not internal users have Odoo events only. The event being edited is left out: its
Odoo row, and the copy of its saved slot at the attendees' providers.
"""

from odoo import _, api, models
from odoo.exceptions import UserError

from ..services.availability import format_utc, merged
from .calendar_sync_availability import MAX_USERS


class CalendarSyncAvailability(models.AbstractModel):
    _inherit = "calendar.sync.availability"

    @api.model
    def attendee_busy(self, partner_ids, start, end, event_id=False):
        """Busy time in [start, end) of each partner, for the event form (internal users):
        ``{"attendees": [{"partner_id", "name", "busy": [{"start", "end", "source"}],
        "down": [provider], "answered": [provider], "odoo_only": bool}], "degraded": bool}``;
        ``source`` is ``odoo``, ``google`` or ``microsoft``; ``down`` and ``answered`` name the
        providers of the partner's connected calendars that did not answer and that did."""
        self._check_internal_caller()
        if not isinstance(partner_ids, list | tuple) or len(partner_ids) > MAX_USERS:
            raise UserError(_("Give at most %s partner ids.", MAX_USERS))
        if not all(isinstance(i, int) and not isinstance(i, bool) for i in partner_ids):
            raise UserError(_("Partner ids must be numbers."))
        if event_id is not False and (isinstance(event_id, bool) or not isinstance(event_id, int)):
            raise UserError(_("The event id must be a number."))
        start, end = self._range(start, end)
        partners = self.env["res.partner"].browse(list(dict.fromkeys(partner_ids))).exists()
        partners.check_access("read")
        event = self.env["calendar.event"].browse(event_id or []).exists()
        event.check_access("read")
        rows = self.sudo()._attendee_busy(partners.sudo(), start, end, event.sudo())
        return {
            "attendees": rows,
            "degraded": any(row["down"] for row in rows),
        }

    def _attendee_busy(self, partners, start, end, event):
        """The rows of ``attendee_busy`` for ``partners``, in their order."""
        users_of = {
            partner.id: partner.user_ids.filtered(lambda u: not u.share) for partner in partners
        }
        users = self.env["res.users"].union(*users_of.values())
        odoo = self._odoo_busy_by_partner(partners, start, end, self.env.user.tz, event)
        remote = self._remote_busy_by_account(users, start, end)
        # the edited event's saved slot, as its synced copies show it at the providers
        saved = (event.start, event.stop) if event and not event.allday else None
        attending = event.attendee_ids.filtered(lambda a: a.state != "declined").partner_id
        rows = []
        for partner in partners:
            busy = [(a, b, "odoo") for a, b in merged(odoo[partner.id])]
            down, answered = set(), set()
            for account, found in remote.items():
                if account.user_id not in users_of[partner.id]:
                    continue
                if found is None:
                    down.add(account.provider)
                    continue
                answered.add(account.provider)
                if partner in attending:
                    found = [span for span in found if span != saved]
                busy += [(a, b, account.provider) for a, b in merged(found)]
            rows.append(
                {
                    "partner_id": partner.id,
                    "name": partner.display_name,
                    "busy": [
                        {
                            "start": format_utc(max(a, start)),
                            "end": format_utc(min(b, end)),
                            "source": source,
                        }
                        for a, b, source in sorted(busy)
                        if a < end and b > start
                    ],
                    "down": sorted(down),
                    "answered": sorted(answered),
                    "odoo_only": not users_of[partner.id],
                }
            )
        return rows
