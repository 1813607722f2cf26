"""Odoo-side triggers: a change to an event marks its bindings pending and enqueues one push
per account. ``write()`` never calls an API; the job decides, by hash, whether to send."""

from odoo import api, models

MEETING_URL_FIELD = {"google_meet": "google_meet_url", "teams": "teams_join_url"}
SYNCED_ACCOUNT_STATES = ("connected", "needs_reauth")


class CalendarEvent(models.Model):
    _inherit = "calendar.event"

    @api.model_create_multi
    def create(self, vals_list):
        events = super().create(vals_list)
        if not self.env.context.get("ccs_no_sync"):
            events._ccs_mark_dirty(created=True)
        return events

    def write(self, vals):
        result = super().write(vals)
        if not self.env.context.get("ccs_no_sync") and set(vals) & set(self.CCS_SYNCED_FIELDS):
            self._ccs_mark_dirty()
        return result

    def unlink(self):
        if not self.env.context.get("ccs_no_sync"):
            self._ccs_mark_deleted()
        return super().unlink()

    # -- marking --------------------------------------------------------------------------
    def _ccs_syncable(self):
        """Events an organizer's account carries: one per series (its base event)."""
        return self.filtered(
            lambda e: e.user_id and (not e.recurrence_id or e.recurrence_id.base_event_id == e)
        )

    def _ccs_mark_dirty(self, created=False):
        events = self._ccs_syncable()
        if not events:
            return
        pulled_from = self.env.context.get("ccs_pulled_account_id")
        Account = self.env["calendar.sync.account"].sudo()
        Binding = self.env["calendar.sync.binding"].sudo()
        accounts = Account.search(
            [
                ("user_id", "in", events.user_id.ids),
                ("state", "in", SYNCED_ACCOUNT_STATES),
                ("direction", "!=", "remote_to_odoo"),
            ]
        )
        if pulled_from:
            puller = Account.browse(pulled_from)
            # a pulled event goes on to the same user's other calendars only: an invitation
            # pulled from an attendee reaches the organizer's calendar through the provider
            accounts = accounts.filtered(lambda a: a != puller and a.user_id == puller.user_id)
        if not accounts:
            return
        bindings = Binding.search(
            [("event_id", "in", events.ids), ("account_id", "in", accounts.ids)]
        )
        have = {(b.event_id.id, b.account_id.id) for b in bindings}
        Binding.create(
            [
                {"account_id": account.id, "event_id": event.id}
                for event in events
                for account in accounts
                if account.user_id == event.user_id and (event.id, account.id) not in have
            ]
        )
        if not created:
            bindings.filtered(
                lambda b: b.is_organizer_copy and b.state in ("synced", "error")
            ).write({"state": "pending"})
        accounts._ccs_enqueue_push()

    def _ccs_mark_deleted(self):
        pulled_from = self.env.context.get("ccs_pulled_account_id")
        bindings = (
            self.env["calendar.sync.binding"]
            .sudo()
            .search([("event_id", "in", self.ids), ("account_id", "!=", pulled_from or False)])
        )
        organizer = bindings.filtered(lambda b: b.is_organizer_copy and b.external_id)
        organizer.write({"state": "pending"})
        # never pushed, or an invitation on an attendee's calendar: nothing to delete remotely
        (bindings - organizer).unlink()
        organizer.account_id._ccs_enqueue_push()

    # -- writers used by the engine --------------------------------------------------------
    def _ccs_write_neutral(self, neutral, account):
        """Write the provider's version (the env carries the pulling account)."""
        values = self._ccs_values_from_neutral(neutral, account)
        values["sync_origin"] = account.provider
        if self.recurrence_id:
            # without it Odoo ignores a changed rule on a plain write
            values["recurrence_update"] = "all_events"
        self.write(values)
        self._ccs_apply_attendee_states(neutral)

    def _ccs_store_meeting(self, remote):
        """Keep the join URL the provider returned, also in Odoo's own videocall_location."""
        if not self or remote is None or remote.event is None:
            return
        url = remote.event.online_meeting_url
        provider = remote.event.online_meeting_provider
        if not url or provider not in MEETING_URL_FIELD:
            return
        values = {
            name: value
            for name, value in (
                (MEETING_URL_FIELD[provider], url),
                ("videocall_location", url),
                ("online_meeting_provider", provider),
            )
            if self[name] != value
        }
        if values:
            self.with_context(ccs_no_sync=True).write(values)


class CalendarAttendee(models.Model):
    _inherit = "calendar.attendee"

    def write(self, vals):
        result = super().write(vals)
        if "state" in vals and not self.env.context.get("ccs_no_sync"):
            self._ccs_mark_response()
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
        bindings.account_id._ccs_enqueue_push()
