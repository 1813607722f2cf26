"""What a change of an event in Odoo means for sync: calendar_event.py's create, write and
unlink call these to mark its bindings pending and enqueue one push per account, and a pull
writes a provider's version through ``_ccs_write_neutral``. Nothing here calls an API; the
push job decides, by hash, whether to send."""

from collections import defaultdict
from datetime import datetime, time

from odoo import models

from .calendar_event_neutral import MEETING_URL_FIELDS

SYNCED_ACCOUNT_STATES = ("connected", "needs_reauth")
# providers that mail the guests themselves when the addon writes a meeting (Outlook cannot be
# told not to); Google mails them when asked (sendUpdates), as the company's setting decides
PROVIDERS_THAT_MAIL = ("microsoft",)


class CalendarEvent(models.Model):
    _inherit = "calendar.event"

    def _ccs_synced_occurrences_to_exclude(self):
        """Occurrences deleted on their own from a series an organizer's account carries;
        not when Odoo itself drops them while it rewrites the series (archive_on_error), nor
        when the whole series goes."""
        if self.env.context.get("archive_on_error"):
            return self.browse()
        # the series' first event too (it carries the series), while others of it remain
        occurrences = self.filtered(
            lambda e: (
                e.active
                and e.recurrence_id
                and (e.recurrence_id.calendar_event_ids - self).filtered("active")
            )
        )
        if not occurrences:
            return occurrences
        carried = (
            self.env["calendar.sync.binding"]
            .sudo()
            .search(
                [
                    ("event_id", "in", occurrences.recurrence_id.base_event_id.ids),
                    ("is_organizer_copy", "=", True),
                    ("external_id", "!=", False),
                ]
            )
            .event_id.recurrence_id
        )
        return occurrences.filtered(lambda e: e.recurrence_id in carried)

    # -- marking --------------------------------------------------------------------------
    def _ccs_occurrences(self):
        """Occurrences of a series other than its base event (the base carries the series)."""
        return self.filtered(lambda e: e.recurrence_id and e.recurrence_id.base_event_id != e)

    def _ccs_follows_rule(self):
        self.ensure_one()
        return bool(self._ccs_occurrences()) and self.follow_recurrence

    def _ccs_slot(self):
        """Where the rule puts this occurrence: its start, or its date for all-day series."""
        self.ensure_one()
        return datetime.combine(self.start_date, time.min) if self.allday else self.start

    def _ccs_leave_series(self):
        """Archived occurrences are EXDATEs of their series now: their own edits are moot."""
        self.env["calendar.sync.binding"].sudo().search(
            [
                ("event_id", "in", self.with_context(active_test=False).ids),
                ("original_start", "!=", False),
            ]
        ).unlink()

    def _ccs_syncable(self):
        """Events an organizer's account carries: one per series (its base event), without
        the private ones their organizer keeps out of sync (Preferences), nor the events of
        import and busy calendars (the provider's, pushed nowhere)."""
        return self.filtered(
            lambda e: (
                e.user_id
                and not e.cloud_calendar_id
                and (not e.recurrence_id or e.recurrence_id.base_event_id == e)
                and not (e._ccs_is_private() and e.user_id.cloud_sync_private_events == "skip")
            )
        )

    def _ccs_is_private(self):
        """Private by its own choice, or by its organizer's default privacy (Odoo's rule)."""
        self.ensure_one()
        return self.privacy == "private" or (
            not self.privacy and self.user_id.calendar_default_privacy == "private"
        )

    def _ccs_mark_dirty(self, created=False, originals=None):
        events = self._ccs_syncable()
        exceptions = self._ccs_occurrences().filtered(lambda e: not e.follow_recurrence)
        if exceptions and not created:
            exceptions._ccs_mark_exceptions(originals or {})
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
        notify = not pulled_from
        Binding.create(
            [
                {"account_id": account.id, "event_id": event.id, "notify_guests": notify}
                for event in events
                for account in accounts
                if account.user_id == event.user_id and (event.id, account.id) not in have
            ]
        )
        if not created:
            changed = bindings.filtered(lambda b: b.is_organizer_copy)
            changed.filtered(lambda b: b.state in ("synced", "error")).write({"state": "pending"})
            if notify:
                changed.write({"notify_guests": True})
        accounts._enqueue_push()

    def _ccs_mark_exceptions(self, originals):
        """Occurrences changed on their own: each one's binding sends it as an exception of
        its series, on the accounts that carry the series."""
        pulled_from = self.env.context.get("ccs_pulled_account_id") or False
        Binding = self.env["calendar.sync.binding"].sudo()
        series = Binding.search(
            [
                ("event_id", "in", self.recurrence_id.base_event_id.ids),
                ("is_organizer_copy", "=", True),
                ("account_id", "!=", pulled_from),
            ]
        )
        if not series:
            return
        existing = Binding.search(
            [("event_id", "in", self.ids), ("account_id", "in", series.account_id.ids)]
        )
        have = {(b.event_id.id, b.account_id.id) for b in existing}
        new = [
            {
                "account_id": master.account_id.id,
                "event_id": event.id,
                "original_start": originals[event.id],
                "notify_guests": not pulled_from,
            }
            for event in self
            for master in series
            if master.event_id == event.recurrence_id.base_event_id
            and (event.id, master.account_id.id) not in have
            and event.id in originals
        ]
        Binding.create(new)
        existing.filtered(lambda b: b.state in ("synced", "error")).write({"state": "pending"})
        if not pulled_from:
            existing.write({"notify_guests": True})
        series.account_id._enqueue_push()

    def _ccs_mark_deleted(self):
        pulled_from = self.env.context.get("ccs_pulled_account_id")
        bindings = (
            self.env["calendar.sync.binding"]
            .sudo()
            .search([("event_id", "in", self.ids), ("account_id", "!=", pulled_from or False)])
        )
        organizer = bindings.filtered(
            lambda b: b.is_organizer_copy and b.external_id and not b.original_start
        )
        organizer.write({"state": "pending", "notify_guests": not pulled_from})
        # never pushed, an invitation on an attendee's calendar, or an occurrence that Odoo
        # drops while it rewrites its series (the series update carries it): nothing to delete
        (bindings - organizer).unlink()
        organizer.account_id._enqueue_push()

    # -- writers used by the engine --------------------------------------------------------
    def _ccs_write_neutral(self, neutral, account, occurrence=False):
        """Write the provider's version (the env carries the pulling account). With
        ``occurrence``, ``neutral`` is one occurrence of the series, even when this event is
        the series' first (which carries the series): only that event changes."""
        neutral = self._ccs_keep_zone_label(neutral)
        values = self._ccs_values_from_neutral(neutral, account)
        values["sync_origin"] = account.provider
        recurrence = self.recurrence_id
        # the series' first event; or, once every occurrence was excluded, the one kept
        carries_series = recurrence and recurrence.base_event_id in (self, self.browse())
        if occurrence or not carries_series:
            self.write(values)
        elif self._ccs_same_rule_and_times(neutral) or not self.recurrence_id.calendar_event_ids:
            # (a series whose every occurrence is excluded keeps none: nothing to rebuild)
            self._ccs_write_series_content(values)
        else:
            # a new rule or new times: Odoo rebuilds the occurrences (as providers drop
            # their exceptions then); a plain write would ignore a changed rule
            self.write(dict(values, recurrence_update="all_events"))
        self._ccs_apply_attendee_states(neutral)

    def _ccs_same_rule_and_times(self, neutral):
        """Whether ``neutral`` keeps this series' rule and times (EXDATEs aside: providers
        report cancelled occurrences on their own, and those archive Odoo's)."""
        current = self._ccs_to_neutral()

        def times(event):
            return (event.start, event.end, event.all_day, event.timezone)

        # the same rule in Odoo's terms: providers word it their way (Google drops a BYDAY
        # that the start implies), which is no reason to rebuild every occurrence
        same_rule = self._ccs_recurrence_values_from_neutral(
            current
        ) == self._ccs_recurrence_values_from_neutral(neutral)
        return same_rule and times(current) == times(neutral)

    def _ccs_write_series_content(self, values):
        """A series changed at the provider but not its rule or times (say, renamed): write
        the base event, and the occurrences that still hold the series' old value of a field,
        instead of Odoo's rebuild of every occurrence, which would drop moved occurrences
        and bring cancelled ones back. An occurrence's own value stays its own, and the
        provider's exceptions are its to report (they come in the same pull)."""
        series_fields = (
            self._get_recurrent_fields() | self._get_time_fields() | {"recurrency", "allday"}
        )
        # "active" is not the series' to give: a cancelled series arrives as a deletion, and
        # the first event may be an excluded slot Odoo keeps archived (a rename must not
        # bring it back)
        series_fields |= {"active"}
        content = {name: value for name, value in values.items() if name not in series_fields}
        names = [n for n in content if n not in ("partner_ids", "active", "sync_origin")]
        old = {name: self[name] for name in names}
        old_partners = set(self.attendee_ids.partner_id.ids)
        self.write(content)
        changed = [name for name in names if self[name] != old[name]]
        partners_changed = set(self.attendee_ids.partner_id.ids) != old_partners
        others = self.recurrence_id.calendar_event_ids - self
        reported = (
            self.env["calendar.sync.binding"]
            .sudo()
            .search(
                [
                    ("account_id", "=", self.env.context.get("ccs_pulled_account_id")),
                    ("event_id", "in", others.ids),
                    ("external_id", "!=", False),
                ]
            )
            .event_id
        )
        groups = defaultdict(lambda: self.browse())
        for event in others - reported:
            same = tuple(name for name in changed if event[name] == old[name])
            attendees = partners_changed and set(event.attendee_ids.partner_id.ids) == old_partners
            if same or attendees:
                groups[same, attendees] |= event
        for (same, attendees), events in groups.items():
            vals = {name: self._fields[name].convert_to_write(self[name], self) for name in same}
            if attendees:
                vals["partner_ids"] = content["partner_ids"]
            events.write(dict(vals, sync_origin=content["sync_origin"]))

    def _ccs_store_meeting(self, remote):
        """Keep the join URL the provider returned, also in Odoo's own videocall_location."""
        if not self or remote is None or remote.event is None:
            return
        url = remote.event.online_meeting_url
        provider = remote.event.online_meeting_provider
        if not url or provider not in MEETING_URL_FIELDS:
            return
        values = {
            name: value
            for name, value in (
                (MEETING_URL_FIELDS[provider], url),
                ("videocall_location", url),
                ("online_meeting_provider", provider),
            )
            if self[name] != value
        }
        if values:
            self.with_context(ccs_no_sync=True).write(values)

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
