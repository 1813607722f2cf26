"""Events that come from an import-only or busy-only calendar (calendar.sync.calendar).

They are the provider's, shown in Odoo: read-only there (calendar_event.py's write and
unlink refuse a user's change with a clear message; the engine writes with
``ccs_import_writer``), never pushed anywhere
(``_ccs_syncable`` leaves them out). A busy-only calendar's events carry nothing of the
source but their times: ``_ccs_imported_values`` is the one place that decides what an
imported event holds.
"""

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .calendar_event_neutral import text_to_html

# the context key of the engine's own writes on imported events
IMPORT_WRITER = "ccs_import_writer"
# what creating and writing imported events must not do: mail, follow or track anyone
QUIET = {
    IMPORT_WRITER: True,
    "ccs_no_sync": True,
    "no_mail_to_attendees": True,
    "dont_notify": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "mail_notrack": True,
    "tracking_disable": True,
}


class CalendarEvent(models.Model):
    _inherit = "calendar.event"

    cloud_calendar_id = fields.Many2one(
        "calendar.sync.calendar",
        "Imported From",
        index="btree_not_null",
        ondelete="cascade",
        readonly=True,
        copy=False,
    )
    cloud_external_id = fields.Char("Remote Event ID", readonly=True, copy=False)
    # the series an imported occurrence belongs to: a series deleted at the provider takes
    # its occurrences with it
    cloud_series_id = fields.Char(readonly=True, copy=False, index="btree_not_null")

    _sql_constraints = [
        (
            "cloud_calendar_external_uniq",
            "unique(cloud_calendar_id, cloud_external_id)",
            "A remote event is imported once per calendar.",
        ),
    ]

    @api.model
    def _ccs_imported_values(self, calendar, remote):
        """The vals of the Odoo event for ``remote`` of an import or busy calendar."""
        neutral = remote.event
        partner = calendar.account_id.user_id.partner_id
        values = {
            **self._ccs_when_values(neutral),
            "allday": neutral.all_day,
            "user_id": calendar.account_id.user_id.id,
            "partner_ids": [fields.Command.set(partner.ids)],
            "cloud_calendar_id": calendar.id,
            "cloud_external_id": remote.external_id,
            "cloud_series_id": remote.recurring_external_id or False,
            "show_as": "free" if neutral.show_as == "free" else "busy",
        }
        if calendar.mode == "busy":
            # nothing of the source but its times
            return {
                **values,
                "name": _("Busy"),
                "privacy": "private",
                "show_as": "busy",
                "description": False,
                "location": False,
                "videocall_location": False,
            }
        # guests as text: partners would be created or matched for people the user only
        # sees in someone else's calendar
        guests = ", ".join(a.name or a.email for a in neutral.attendees if not a.organizer)
        text = neutral.description or ""
        if guests:
            text = f"{text}\n\n{_('Guests: %s', guests)}".strip()
        return {
            **values,
            "name": neutral.title or _("(No title)"),
            "privacy": "private" if neutral.privacy == "private" else False,
            "description": text_to_html(text),
            "location": neutral.location or False,
            "videocall_location": neutral.online_meeting_url or False,
        }

    def _ccs_check_not_imported(self):
        if self.env.context.get(IMPORT_WRITER):
            return
        imported = self.sudo().filtered("cloud_calendar_id")
        if not imported:
            return
        calendar = imported[0].cloud_calendar_id
        mode = dict(calendar._fields["mode"]._description_selection(self.env))[calendar.mode]
        provider = {"google": "Google Calendar", "microsoft": "Outlook"}[calendar.provider]
        raise UserError(
            _(
                "This event comes from %(calendar)s (%(mode)s): change it in %(provider)s.",
                calendar=calendar.name,
                mode=mode,
                provider=provider,
            )
        )
