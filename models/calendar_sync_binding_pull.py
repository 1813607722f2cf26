"""The pull side of the engine: apply the provider's changes to bindings and Odoo events
through ``services.reconcile``, create Odoo events for new remote ones, and record conflicts
(written once for both providers). The push side is in calendar_sync_binding_push.py."""

import logging
from datetime import UTC, datetime

from odoo import fields, models

from ..services import reconcile as rc
from ..services.neutral import sync_hash, to_snapshot
from ..services.rrule import UnsupportedRecurrence

_logger = logging.getLogger(__name__)


class CalendarSyncBinding(models.Model):
    _inherit = "calendar.sync.binding"

    # -- pull -----------------------------------------------------------------------------
    def _apply_changes(self, account, changes, window):
        """Apply a ChangeSet of ``account``; returns how many events changed something."""
        # a series before its occurrences: they are found among the series' Odoo events
        remotes = [r for r in changes.events if not r.recurring_external_id]
        occurrences = [r for r in changes.events if r.recurring_external_id]
        ids = [r.external_id for r in remotes]
        bound = {
            b.external_id: b
            for b in self.search([("account_id", "=", account.id), ("external_id", "in", ids)])
        }
        uids = [r.ical_uid for r in remotes if r.external_id not in bound and r.ical_uid]
        by_uid = {}
        for other in self.search([("ical_uid", "in", uids), ("event_id", "!=", False)]):
            by_uid.setdefault(other.ical_uid, other.event_id)
        applied = 0
        fresh = []
        ours = self._unconfirmed_creates(account, remotes, bound)
        for remote in remotes:
            binding = bound.get(remote.external_id)
            if not binding and not remote.deleted and remote.client_token in ours:
                # our own create, accepted by a job whose transaction was lost: bind it
                binding = ours.pop(remote.client_token)
                binding._adopt_own_create(remote)
            if binding:
                if remote.etag and remote.etag == binding.etag and not remote.deleted:
                    continue  # our own change coming back
                with binding._settling("pull"):
                    applied += binding._reconcile_pulled(account, remote)
            elif remote.deleted:
                continue
            elif by_uid.get(remote.ical_uid):
                self._bind_new(account, remote, by_uid[remote.ical_uid])
                applied += 1
            else:
                fresh.append(remote)
        applied += self._create_from_remotes(account, fresh)
        # after the series: one whose change Odoo could not take keeps its occurrences
        occurrences += self._removed_occurrences(account, remotes, bound)
        self._remember_occurrences(account, changes.occurrences)
        # the occurrences' and their series' bindings, and the series' events, read at once
        named = {r.external_id for r in occurrences} | {
            r.recurring_external_id for r in occurrences
        }
        known = {
            b.external_id: b
            for b in self.search(
                [("account_id", "=", account.id), ("external_id", "in", list(named))]
            )
        }
        slots = {}
        for remote in occurrences:
            with self.browse()._settling("pull", account):
                applied += self._apply_occurrence(account, remote, known, slots)
        if changes.full:
            applied += self._reconcile_unseen(account, set(ids), window)
        return applied

    def _reconcile_pulled(self, account, remote):
        try:
            return self._reconcile(remote, remote_deleted=remote.deleted)
        except UnsupportedRecurrence as exc:
            self.write({"state": "error", "last_error": str(exc)})
            self._unsupported(account, remote, exc)
            return 0

    def _apply_occurrence(self, account, remote, known, slots):
        """One occurrence changed or cancelled at the provider: the matching Odoo occurrence
        becomes an exception of its series, or leaves it. ``known``: the account's bindings
        by external id (kept up to date here); ``slots``: the series' events by slot, filled
        as series are met."""
        binding = known.get(remote.external_id, self.browse()).exists()
        # an exception can change with its series (say, its inherited title) and keep its etag
        if (
            binding
            and remote.etag
            and remote.etag == binding.etag
            and not remote.deleted
            and sync_hash(remote.event) == binding.last_hash
        ):
            return 0
        series = known.get(remote.recurring_external_id, self.browse()).exists()
        recurrence = series.event_id.recurrence_id
        occurrence = binding.event_id or _find_occurrence(recurrence, remote.original_start, slots)
        if not occurrence:
            _logger.info("calendar sync: an occurrence of an unknown series was skipped")
            return 0
        if remote.deleted:
            if occurrence.active:
                occurrence.with_env(self._origin_env(account)).write({"active": False})
            binding.exists().unlink()  # archiving already let go of an exception's binding
            series._absorb_series_change()
            return 1
        if not binding:
            binding = self.create(
                {
                    "account_id": account.id,
                    "event_id": occurrence.id,
                    "external_id": remote.external_id,
                    "original_start": occurrence._ccs_slot(),
                }
            )
            known[remote.external_id] = binding
            # the base: the occurrence as the rule made it, so the provider's edit applies
            binding._mark_synced(None, occurrence._ccs_to_neutral())
        return binding._reconcile(remote)

    def _absorb_series_change(self):
        """The provider removed an occurrence: the series' Odoo version now lists it as an
        EXDATE too. When nothing else was pending, that is what both sides hold."""
        if self and self.state == "synced" and self.event_id:
            event = self.event_id._ccs_to_neutral()
            self.write({"last_snapshot": to_snapshot(event), "last_hash": sync_hash(event)})

    def _reconcile_unseen(self, account, seen, window):
        """After a full listing: our synced events in the window that the provider no longer
        lists were deleted there."""
        gone = self.search(
            [
                ("account_id", "=", account.id),
                ("external_id", "!=", False),
                ("external_id", "not in", list(seen)),
                ("state", "in", ("synced", "pending")),
                ("original_start", "=", False),
                ("event_id.start", ">=", window[0]),
                ("event_id.start", "<=", window[1]),
            ]
        )
        count = 0
        for binding in gone:
            count += binding._reconcile(None, remote_deleted=True)
        return count

    def _create_from_remotes(self, account, remotes):
        """Events new to Odoo, in one create: every address of the batch resolved in one
        query, the bindings created with their final state (an import of thousands of events
        must not cost a round of queries per event)."""
        if not remotes:
            return 0
        Event = self._origin_env(account)["calendar.event"].with_context(ccs_lookup_cache={})
        attendees = {a.email: a for remote in remotes for a in remote.event.attendees}
        Event._ccs_partners_for_attendees(tuple(attendees.values()), account)
        values, supported = [], []
        for remote in remotes:
            try:
                item = Event._ccs_values_from_neutral(remote.event, account)
            except UnsupportedRecurrence as exc:
                self._unsupported(account, remote, exc)
                continue
            item["sync_origin"] = account.provider
            values.append(item)
            supported.append(remote)
        if not supported:
            return 0
        # calendar.event.create returns the single events first, then the series: in that
        # order here too, so that each event meets its own remote one below
        order = sorted(range(len(values)), key=lambda i: bool(values[i].get("recurrency")))
        values = [values[i] for i in order]
        remotes = [supported[i] for i in order]
        events = Event.create(values)
        events._ccs_apply_attendee_states([remote.event for remote in remotes])
        for event, remote in zip(events, remotes, strict=True):
            event._ccs_store_meeting(remote)
        # the base of each binding is the event as Odoo holds it (see _reconcile)
        bases = [event._ccs_to_neutral() for event in events]
        now = fields.Datetime.now()
        bindings = self.create(
            [
                {
                    "account_id": account.id,
                    "event_id": event.id,
                    "external_id": remote.external_id,
                    "etag": remote.etag,
                    "change_key": remote.change_key,
                    "ical_uid": remote.ical_uid,
                    "is_organizer_copy": remote.is_organizer,
                    "state": "synced",
                    "last_snapshot": to_snapshot(base),
                    "last_hash": sync_hash(base),
                    "last_synced_at": now,
                }
                for event, remote, base in zip(events, remotes, bases, strict=True)
            ]
        )
        for binding, remote in zip(bindings, remotes, strict=True):
            if not remote.is_organizer and remote.self_response:
                binding._take_own_response(remote)
        return len(remotes)

    def _unsupported(self, account, remote, exc):
        """A provider's event Odoo cannot hold (a rule calendar.recurrence lacks): it stays as
        it is at the provider, and the account and its log say so instead of losing it or
        failing the whole pull."""
        message = self.env._(
            "“%(title)s” is not synced to Odoo: %(reason)s", title=remote.event.title, reason=exc
        )
        account.sudo().write({"last_error": message, "last_error_at": fields.Datetime.now()})
        self.env["calendar.sync.log"]._log(
            account,
            "pull",
            "import",
            "failure",
            error_type=type(exc).__name__,
            message=message,
        )

    def _bind_new(self, account, remote, event):
        """A remote event we have no binding for: the same meeting already in Odoo (matched by
        iCalUID through another account), or a new Odoo event."""
        origin = self._origin_env(account)
        if not event:
            values = origin["calendar.event"]._ccs_values_from_neutral(remote.event, account)
            values["sync_origin"] = account.provider
            event = origin["calendar.event"].create(values)
            event._ccs_apply_attendee_states(remote.event)
            event._ccs_store_meeting(remote)
        binding = self.create(
            {
                "account_id": account.id,
                "event_id": event.id,
                "external_id": remote.external_id,
                "is_organizer_copy": remote.is_organizer,
            }
        )
        # an invitation's base is the provider's copy (it only carries an answer); a new
        # event's is Odoo's wording of it (see _reconcile)
        binding._mark_synced(
            remote, remote.event if not remote.is_organizer else event.sudo()._ccs_to_neutral()
        )
        if not remote.is_organizer and remote.self_response:
            binding._take_own_response(remote)
        return binding

    def _origin_env(self, account):
        """Writes that come from ``account``'s provider: never pushed back to it."""
        return (
            self.sudo()
            .with_context(ccs_pulled_account_id=account.id, no_mail_to_attendees=True)
            .env
        )

    def _take_own_response(self, remote):
        partner = self.account_id.user_id.partner_id
        state = "needsAction" if remote.self_response == "needs_action" else remote.self_response
        attendees = self.event_id.attendee_ids.filtered(
            lambda a: a.partner_id == partner and a.state != state
        )
        if attendees:
            attendees.with_context(ccs_pulled_account_id=self.account_id.id).write({"state": state})

    def _reconcile(self, remote, remote_deleted=False):
        """Bring this binding in line with the provider's version; returns 1 when anything
        changed on either side."""
        self.ensure_one()
        account = self.account_id
        if not self.is_organizer_copy:
            return self._reconcile_attendee_copy(remote, remote_deleted)
        remote_event = remote.event if remote is not None else None
        local = self._local() if self.event_id else None
        decision = rc.reconcile(self._base(), local, remote_event, remote_deleted)
        origin = self._origin_env(account)
        event = self.event_id.with_env(origin)
        action = decision.action
        if action in (rc.NOOP, rc.APPLY_REMOTE):
            if decision.apply_local:
                event._ccs_write_neutral(decision.event, account, bool(self.original_start))
            event._ccs_store_meeting(remote)
            # the base is what Odoo now holds: where Odoo words the provider's version
            # differently (names from contacts, no optional guests), that is not an Odoo change
            self._mark_synced(remote, event._ccs_to_neutral())
            return int(action != rc.NOOP)
        if action in (rc.PUSH, rc.MERGE):
            if decision.apply_local:
                event._ccs_write_neutral(decision.event, account, bool(self.original_start))
            # the provider's version is the new base; what differs from it goes out next
            self._mark_synced(remote, remote_event)
            if decision.push:
                self.state = "pending"
            return 1
        if action == rc.CONFLICT:
            if decision.apply_local:
                event._ccs_write_neutral(decision.event, account, bool(self.original_start))
            self.write({"state": "conflict", "etag": remote.etag})
            self.env["calendar.sync.conflict"]._record(self, decision, remote_event)
            return 1
        if action == rc.DELETE_LOCAL:
            recurrence = event.recurrence_id
            if not self.original_start and recurrence and recurrence.base_event_id == event:
                # the series went at the provider: every event of it goes (deleting one by
                # one would keep the others as an Odoo series the provider no longer has)
                event = recurrence.calendar_event_ids.with_env(event.env)
            event.unlink()
            self.exists().unlink()
            return 1
        if action == rc.RECREATE_REMOTE:
            if self.original_start:
                # an occurrence cancelled at the provider but edited in Odoo: a series cannot
                # take an occurrence back, so Odoo's version stays, set aside, and visible
                raise rc.OccurrenceGone(
                    self.env._("This occurrence was cancelled in the provider's calendar")
                )
            # deleted there, edited here: Odoo's version goes out again as a new event (the
            # old binding goes first: one binding per event and account)
            event, account_id = self.event_id, account.id
            self.unlink()
            self.create({"account_id": account_id, "event_id": event.id})
            return 1
        if action == rc.PUSH_DELETE:
            self.state = "pending"
            return 1
        self.unlink()  # DROP
        return 1

    def _reconcile_attendee_copy(self, remote, remote_deleted):
        """An invitation on an attendee's calendar: it carries that attendee's answer; the
        content comes from the organizer's account when Odoo has it."""
        if remote_deleted:
            self.unlink()
            return 1
        organizer_bound = self.search_count(
            [
                ("event_id", "=", self.event_id.id),
                ("is_organizer_copy", "=", True),
                ("id", "!=", self.id),
            ],
            limit=1,
        )
        if not organizer_bound and remote.event is not None:
            event = self.event_id.with_env(self._origin_env(self.account_id))
            if sync_hash(remote.event) != sync_hash(event._ccs_to_neutral()):
                event._ccs_write_neutral(remote.event, self.account_id)
        self._mark_synced(remote, remote.event)
        if remote.self_response:
            self._take_own_response(remote)
        return 1


def _find_occurrence(recurrence, original_start, slots):
    """The Odoo event of ``recurrence`` in the slot the provider names (archived ones too).
    ``slots`` keeps each series' events by slot, read once per series and pull, and read
    again before a slot is given up as unknown."""
    Event = recurrence.env["calendar.event"]
    if not recurrence or original_start is None:
        return Event
    if isinstance(original_start, datetime):
        key = (False, original_start.astimezone(UTC).replace(tzinfo=None))
    else:
        key = (True, original_start)
    for fresh in (False, True):
        if fresh or recurrence.id not in slots:
            events = recurrence.with_context(active_test=False).calendar_event_ids.exists()
            slots[recurrence.id] = {
                (e.allday, e.start_date if e.allday else e.start): e for e in events
            }
        event = slots[recurrence.id].get(key, Event).exists()
        if event:
            return event
    return Event
