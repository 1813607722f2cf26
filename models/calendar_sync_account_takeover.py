"""Coexistence with Odoo's own ``google_calendar`` / ``microsoft_calendar`` (DESIGN.md rule 10).

Running both syncs would send every change twice. So while a user's native sync is on, that
user's account of the same provider does not sync, and says why. The take-over adopts the native
links (Google event ids, Outlook ids and iCalUIDs) as bindings, so that the first sync matches
them instead of creating anything, then switches the native sync off. Neither module is a
dependency: both are detected at runtime.

An adopted binding is ``adoption_state="to_match"`` until the provider's copy is first seen:
- its base is Odoo's version at adoption when the native sync had nothing pending for the event
  (both sides held it, up to each sync's mapping). The first pull is then an ordinary three-way
  merge: a difference on the provider's side only (another mapping, or an edit made there) is
  taken from the provider; an edit made in Odoo since goes out once.
- its base is the provider's copy, set when first seen, when the native sync still had an Odoo
  change to send: that change is sent (state ``pending``).
- a link the provider's full listing does not have is dropped, and the Odoo event left as it is
  (a stale link must neither delete the Odoo event nor create a second remote one).
"""

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib.native_sync import NATIVE, installed_native
from ..services.exceptions import NotFoundError
from ..services.neutral import sync_hash, to_snapshot


class CalendarSyncAccount(models.Model):
    _inherit = "calendar.sync.account"

    # -- refusal ----------------------------------------------------------------------------
    def _native_blocked(self):
        """The accounts whose user still has Odoo's own sync of that provider on: a query or
        two per provider, whatever the number of accounts. Reads only."""
        blocked = self.browse()
        for provider in set(self.mapped("provider")):
            native = installed_native(self.env, provider)
            if native:
                accounts = self.filtered(lambda a, p=provider: a.provider == p)
                users = native.active_users(self.env, accounts.user_id)
                blocked |= accounts.filtered(lambda a, u=users: a.user_id in u)
        return blocked

    def _native_refusal_message(self):
        self.ensure_one()
        native = NATIVE[self.provider]
        return _(
            "%(user)s still has Odoo's own %(label)s sync turned on. Running both would send "
            "every change twice, so this account does not sync until an administrator takes "
            "it over: Settings > Calendar > Calendar Cloud Sync > Take over.",
            user=self.user_id.name,
            label=native.label,
        )

    def _record_native_refusal(self):
        """Say on each of these refused accounts why it does not sync: once, not per job.
        Called where sync is asked for (a change, Sync now, the crons), never from a
        notification: a webhook request writes no account row."""
        for account in self:
            message = account._native_refusal_message()
            if account.last_error != message:
                now = fields.Datetime.now()
                account.sudo().write({"last_error": message, "last_error_at": now})
                self.env["calendar.sync.log"]._log(
                    account, "system", "native_sync_active", "failure", message=message
                )

    @api.model
    def _check_native_off(self, provider):
        """Connecting is refused while the current user's native sync of ``provider`` is on."""
        native = installed_native(self.env, provider)
        if native and native.active_users(self.env, self.env.user):
            raise UserError(
                _(
                    "Odoo's own %(label)s sync is still on for you. Running both would send "
                    "every change twice: ask an administrator to take it over first (Settings > "
                    "Calendar > Calendar Cloud Sync > Take over), then connect here.",
                    label=native.label,
                )
            )

    # -- adoption -----------------------------------------------------------------------------
    def _native_links(self, native):
        """(event or None, native id, iCalUID, organizer copy, native change pending) for each
        link of the native sync that concerns this account's user."""
        self.ensure_one()
        user, partner = self.user_id, self.user_id.partner_id
        Event = self.env["calendar.event"].sudo()
        linked = [(native.id_field, "!=", False)]
        mine = ["|", ("user_id", "=", user.id), ("partner_ids", "in", partner.ids)]
        events = Event.search([*linked, ("recurrence_id", "=", False), *mine])
        links = [native.link(event, event, user) for event in events]
        # a series is one binding, on its base event, with the series' id
        series_mine = ["|", ("base_event_id.user_id", "=", user.id)]
        series_mine.append(("base_event_id.partner_ids", "in", partner.ids))
        recurrences = self.env["calendar.recurrence"].sudo().search([*linked, *series_mine])
        links += [native.link(r, r.base_event_id, user) for r in recurrences if r.base_event_id]
        # archived in Odoo, not deleted remotely yet: the deletion is still to be sent
        archived = Event.with_context(active_test=False).search(
            [
                *linked,
                ("active", "=", False),
                ("user_id", "=", user.id),
                ("recurrence_id", "=", False),
                (native.pending_field, "=", True),
            ]
        )
        links += [(None, e[native.id_field], "", True, True) for e in archived]
        return links

    def _adopt_native_links(self):
        """Bindings for the native links of this account's user that it does not have yet."""
        self.ensure_one()
        native = installed_native(self.env, self.provider)
        Binding = self.env["calendar.sync.binding"].sudo()
        if not native:
            return Binding
        bound = Binding.search([("account_id", "=", self.id)])
        by_event = {b.event_id.id: b for b in bound if b.event_id}
        known = set(bound.filtered("external_id").mapped("external_id"))
        values = []
        for event, native_id, ical_uid, organizer, pending in self._native_links(native):
            # Outlook ids are per mailbox: an attendee's copy is found by its iCalUID
            external_id = native_id if organizer or native.provider == "google" else False
            if (external_id and external_id in known) or (event and event.id in by_event):
                existing = by_event.get(event.id) if event else None
                if existing and organizer and not existing.external_id and external_id:
                    # our create was waiting while the native sync sent the event: it is there
                    existing.write({"external_id": external_id, "adoption_state": "to_match"})
                continue
            base = event._ccs_to_neutral() if event and not pending else None
            values.append(
                {
                    "account_id": self.id,
                    "event_id": event.id if event else False,
                    "external_id": external_id,
                    "ical_uid": ical_uid or False,
                    "is_organizer_copy": organizer,
                    "adoption_state": "to_match",
                    "state": "pending" if pending and organizer else "synced",
                    "last_snapshot": to_snapshot(base) if base else False,
                    "last_hash": sync_hash(base) if base else False,
                }
            )
            known.add(external_id)
            if event:
                by_event[event.id] = Binding
        adopted = Binding.create(values)
        self.invalidate_recordset(["binding_ids"])
        return adopted

    def _match_adopted(self, changes, window):
        """Before a pull is applied: adopted links the provider lists become plain bindings
        (matched by id, or by iCalUID for Outlook); after a full listing, those it does not
        have are dropped and their Odoo events left alone."""
        self.ensure_one()
        Binding = self.env["calendar.sync.binding"].sudo()
        adopted = Binding.search(
            [("account_id", "=", self.id), ("adoption_state", "=", "to_match")]
        )
        if not adopted:
            return
        by_id = {b.external_id: b for b in adopted if b.external_id}
        by_uid = {b.ical_uid: b for b in adopted if b.ical_uid}
        listed = [r for r in changes.events if not r.recurring_external_id]
        taken = set(
            Binding.search(
                [
                    ("account_id", "=", self.id),
                    ("external_id", "in", [r.external_id for r in listed]),
                ]
            ).mapped("external_id")
        )
        matched = Binding
        for remote in listed:
            binding = by_id.get(remote.external_id)
            if binding is None and remote.ical_uid and remote.external_id not in taken:
                binding = by_uid.get(remote.ical_uid)
            if binding is None or binding in matched:
                continue
            binding._adoption_matched(remote)
            matched |= binding
        if not changes.full:
            return
        unseen = (adopted - matched).filtered(
            lambda b: b.event_id and window[0] <= b.event_id.start <= window[1]
        )
        if unseen:
            self.env["calendar.sync.log"]._log(
                self,
                "pull",
                "adopt_unmatched",
                "success",
                events_in=len(unseen),
                message=_(
                    "%(count)s links taken over from Odoo's own sync are not in the calendar: "
                    "their Odoo events are left as they are.",
                    count=len(unseen),
                ),
            )
            unseen.unlink()

    def _confirm_adopted_for_push(self, adapter):
        """Before a push: an adopted event changed in Odoo before its first pull is compared
        with the provider's copy first, so the change goes out against the right base."""
        self.ensure_one()
        bindings = (
            self.env["calendar.sync.binding"]
            .sudo()
            .search(
                [
                    ("account_id", "=", self.id),
                    ("adoption_state", "=", "to_match"),
                    ("state", "=", "pending"),
                    ("event_id", "!=", False),
                    ("external_id", "!=", False),
                    ("is_organizer_copy", "=", True),
                ]
            )
        )
        for binding in bindings:
            try:
                remote = adapter.get(binding.external_id)
            except NotFoundError:
                remote = None
            if remote is None or remote.deleted:
                binding.adoption_state = "matched"
                binding._reconcile(None, remote_deleted=True)
            else:
                binding._adoption_matched(remote)
                binding._reconcile(remote)
