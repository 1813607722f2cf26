"""Who mails an event's guests: Odoo, or the organizer's provider, never both.

Outlook mails the guests of every meeting Graph creates, changes or deletes, and cannot be
told not to; Google mails them when asked (sendUpdates), which the company's setting
decides. When the event reaches such a provider with its guests, Odoo's own invitation and
change mails are skipped (Odoo's hook for it, as its own microsoft_calendar and
google_calendar modules use).
"""

from odoo import models

from .calendar_event_sync import SYNCED_ACCOUNT_STATES

# providers that mail the guests themselves when the addon writes a meeting
PROVIDERS_THAT_MAIL = ("microsoft",)


class CalendarEvent(models.Model):
    _inherit = "calendar.event"

    def _skip_send_mail_status_update(self):
        if self._ccs_provider_mails_guests():
            return True
        return super()._skip_send_mail_status_update()

    def _ccs_provider_mails_guests(self):
        """The organizer's provider gets this event with its guests and mails them."""
        self.ensure_one()
        event = self.recurrence_id.base_event_id or self
        if not event._ccs_syncable() or (
            event._ccs_is_private() and event.user_id.cloud_sync_private_events == "busy"
        ):
            # kept in Odoo, or sent as a guest-less busy block: nobody else mails
            return False
        # the organizer's accounts through the users' one2many: read for every event of the
        # batch at once (one query for a create of 500 events, not one per event)
        accounts = event.user_id.sudo().cloud_sync_account_ids.filtered(
            lambda a: a.state in SYNCED_ACCOUNT_STATES and a.direction != "remote_to_odoo"
        )
        return any(
            account.provider in PROVIDERS_THAT_MAIL
            or (
                account.provider == "google"
                and account.company_id.ccs_google_invitations == "google"
            )
            for account in accounts
        )
