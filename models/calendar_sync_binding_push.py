"""The push side of the engine: what a binding sends (its neutral event, busy-only or not),
the push operations of pending bindings and how their results are applied, written once for
both providers. The pull side is in calendar_sync_binding_pull.py."""

import dataclasses
import hashlib
import logging
from datetime import UTC

from odoo import fields, models

from ..lib.job_descriptions import job_description
from ..services.adapter import PushOp
from ..services.exceptions import (
    AuthRevoked,
    NotFoundError,
    PreconditionFailed,
    TransientError,
)
from ..services.neutral import from_snapshot, only_exdates_changed, sync_hash, to_snapshot
from .calendar_event_neutral import MEETING_OF_PROVIDER

MEETING_URL_FIELD = {"google_meet": "google_meet_url", "teams": "teams_join_url"}
# what a private event is called on a calendar that shows it as busy only (Preferences)
BUSY_TITLE = "Busy"
# with the job's retry_pattern (data/queue_job.xml): about ten minutes of reads
MEETING_FOLLOW_TRIES = 15

_logger = logging.getLogger(__name__)


class CalendarSyncBinding(models.Model):
    _inherit = "calendar.sync.binding"

    # -- helpers --------------------------------------------------------------------------
    def _ccs_base(self):
        return self._ccs_carried(from_snapshot(self.last_snapshot)) if self.last_snapshot else None

    def _ccs_carried(self, event):
        """``event`` as this account's provider can hold it: another provider's online
        meeting (Teams on Google, Meet on Outlook) is not there, so it is no difference."""
        kind = MEETING_OF_PROVIDER[self.account_id.provider]
        if event is None or event.online_meeting_provider in ("none", kind):
            return event
        return dataclasses.replace(event, online_meeting_provider="none", online_meeting_url="")

    def _ccs_client_token(self):
        """A deterministic id for creates: a retried create reuses it, so it cannot duplicate.
        Hex is valid as a Google event id (base32hex) and as a Graph transactionId."""
        db_uuid = self.env["ir.config_parameter"].sudo().get_param("database.uuid")
        return hashlib.sha256(f"{db_uuid}:{self.id}".encode()).hexdigest()[:40]

    def _ccs_provider_mails(self, kind):
        """Whether the provider mails the guests about this push (Google's sendUpdates; Graph
        always does). Only a user's own change is mailed, once: by Google when the company
        says so, else by Odoo, except a cancellation ("delete", or "cancel": a series whose
        only change is cancelled occurrences), which Odoo has no mail for."""
        if not self.notify_guests or self.account_id.provider != "google":
            return False
        if kind in ("delete", "cancel"):
            return True
        return self.account_id.company_id.ccs_google_invitations == "google"

    def _ccs_local(self):
        """Odoo's version as the organizer's account should send it: other attendees'
        responses are theirs to give, so they stay as last synced."""
        event = self._ccs_carried(self.event_id._ccs_to_neutral())
        if self._ccs_busy_only():
            # the organizer shares the time only: the same block, with nothing that says what
            return dataclasses.replace(
                event,
                title=BUSY_TITLE,
                description="",
                location="",
                attendees=(),
                show_as="busy",
                privacy="private",
                online_meeting_provider="none",
                online_meeting_url="",
            )
        if self.guests_withheld and not self.notify_guests:
            # Outlook would mail the guests: the same time, without them, until a change
            event = dataclasses.replace(
                event,
                attendees=(),
                show_as="busy",
                online_meeting_provider="none",
                online_meeting_url="",
            )
        base = self._ccs_base()
        if base is None:
            return event
        known = {a.email: a.response for a in base.attendees}
        organizer = self.account_id.remote_email.lower()
        attendees = tuple(
            a
            if a.email == organizer or a.email not in known
            else dataclasses.replace(a, response=known[a.email])
            for a in event.attendees
        )
        return dataclasses.replace(event, attendees=attendees)

    def _ccs_busy_only(self):
        event = self.event_id
        return (
            self.is_organizer_copy
            and event._ccs_is_private()
            and event.user_id.cloud_sync_private_events == "busy"
        )

    def _ccs_own_response(self):
        partner = self.account_id.user_id.partner_id
        attendee = self.event_id.attendee_ids.filtered(lambda a: a.partner_id == partner)[:1]
        state = attendee.state or "needsAction"
        return "needs_action" if state == "needsAction" else state

    def _ccs_mark_synced(self, remote, event):
        """Remember ``event`` as what both sides hold, with the provider's etag."""
        event = self._ccs_carried(event)
        values = {
            "state": "synced",
            "last_error": False,
            "last_synced_at": fields.Datetime.now(),
            "last_snapshot": to_snapshot(event),
            "last_hash": sync_hash(event),
            "notify_guests": False,
            "guests_withheld": self.guests_withheld and not self.notify_guests,
        }
        if remote is not None:
            values.update(
                external_id=remote.external_id or self.external_id,
                etag=remote.etag,
                change_key=remote.change_key,
                ical_uid=remote.ical_uid or self.ical_uid,
            )
        self.write(values)

    # -- push -----------------------------------------------------------------------------
    def _ccs_push_ops(self):
        """PushOps for pending bindings; unchanged ones (same hash) are marked synced here
        without any API call."""
        ops = []
        series_of = self._ccs_series_bindings()
        for binding in self:
            provider = binding.account_id.provider
            if not binding.event_id:
                if binding.external_id and binding.is_organizer_copy:
                    ops.append(
                        PushOp(
                            "delete",
                            binding.id,
                            binding.external_id,
                            etag=binding.etag,
                            notify_guests=binding._ccs_provider_mails("delete"),
                        )
                    )
                else:
                    binding.unlink()
                continue
            if not binding.is_organizer_copy:
                response = binding._ccs_own_response()
                base = binding._ccs_base()
                own = base and base.attendee(binding.account_id.remote_email)
                if own is not None and own.response != response and binding.external_id:
                    ops.append(
                        PushOp(
                            "respond",
                            binding.id,
                            binding.external_id,
                            etag=binding.etag,
                            response=response,
                        )
                    )
                else:
                    binding.state = "synced"
                continue
            if binding.original_start:
                series = series_of.get(binding._ccs_series_key(), self.browse())
                op = binding._ccs_occurrence_op(series)
                if op is not None:
                    ops.append(op)
                continue
            local = binding._ccs_local()
            want_meeting = (
                binding.event_id.online_meeting_provider == MEETING_OF_PROVIDER[provider]
                and not local.online_meeting_url
            )
            if not binding.external_id:
                token = binding._ccs_client_token()
                ops.append(
                    PushOp(
                        "create",
                        binding.id,
                        token,
                        event=local,
                        transaction_id=token,
                        want_meeting=want_meeting,
                        notify_guests=binding._ccs_provider_mails("create"),
                    )
                )
            elif sync_hash(local) == binding.last_hash and not want_meeting:
                binding.state = "synced"
            else:
                base = binding._ccs_base()
                ops.append(
                    PushOp(
                        "update",
                        binding.id,
                        binding.external_id,
                        event=local,
                        etag=binding.etag,
                        want_meeting=want_meeting,
                        drop_meeting=bool(
                            base
                            and base.online_meeting_provider == MEETING_OF_PROVIDER[provider]
                            and local.online_meeting_provider == "none"
                        ),
                        base=base,
                        notify_guests=binding._ccs_provider_mails(
                            "cancel" if only_exdates_changed(local, base) else "update"
                        ),
                    )
                )
        return ops

    def _ccs_series_key(self):
        return (self.account_id.id, self.event_id.recurrence_id.base_event_id.id)

    def _ccs_series_bindings(self):
        """{(account id, series event id): binding} of the series of these occurrences'
        bindings, on the same accounts, read in one query."""
        occurrences = self.filtered(lambda b: b.original_start and b.event_id)
        series_events = occurrences.event_id.recurrence_id.base_event_id
        if not series_events:
            return {}
        found = self.search(
            [
                ("account_id", "in", occurrences.account_id.ids),
                ("event_id", "in", series_events.ids),
                ("original_start", "=", False),
            ]
        )
        return {(b.account_id.id, b.event_id.id): b for b in found}

    def _ccs_original_start(self):
        """The occurrence's slot as providers name it: a date (all-day) or aware UTC."""
        if self.event_id.allday:
            return self.original_start.date()
        return self.original_start.replace(tzinfo=UTC)

    def _ccs_occurrence_op(self, series):
        """An occurrence changed on its own; None while its series' binding (``series``) has
        no remote id yet (the series goes out first, in the same job)."""
        if not series.external_id:
            return None
        local = self._ccs_local()
        if self.external_id and sync_hash(local) == self.last_hash:
            self.state = "synced"
            return None
        return PushOp(
            "update",
            self.id,
            self.external_id,
            event=local,
            etag=self.etag,
            recurring_external_id=series.external_id,
            original_start=self._ccs_original_start(),
            notify_guests=self._ccs_provider_mails("update"),
        )

    def _ccs_apply_push_results(self, ops, results, adapter):
        """Record each result; returns the seconds to wait before sending the ops that hit a
        transient error, or None when nothing is left to retry."""
        retry_after = None
        bindings = {b.id: b for b in self.browse([op.key for op in ops]).exists()}
        for op, result in zip(ops, results, strict=True):
            binding = bindings.get(op.key)
            if not binding:
                continue
            error = result.error
            if error is None:
                binding._ccs_pushed(op, result.remote)
            elif isinstance(error, AuthRevoked):
                raise error
            elif isinstance(error, TransientError):
                # 0 when the provider named no wait: the job's backoff decides then
                wait = error.retry_after or 0
                retry_after = wait if retry_after is None else max(retry_after, wait)
            elif isinstance(error, PreconditionFailed | NotFoundError) and op.kind != "create":
                # changed or deleted at the provider since our etag: decide against its
                # version now, one event at a time, so one surprise never undoes the rest
                binding._ccs_settle(lambda b, op=op: b._ccs_reconcile_after_refusal(op, adapter))
            else:
                binding._ccs_set_aside("push", error, step=op.kind)
        return retry_after

    def _ccs_reconcile_after_refusal(self, op, adapter):
        """The provider refused a write (412 or 404): read its version and reconcile."""
        try:
            remote = adapter.get_target(op)
        except NotFoundError:
            remote = None
        # a deleted event reads back as cancelled (Google) or not at all (Graph)
        gone = remote is None or remote.deleted
        return self._ccs_reconcile(None if gone else remote, remote_deleted=gone)

    def _ccs_settle(self, step, direction="push", account=None):
        """Run ``step(binding)`` in a savepoint: an answer the engine did not foresee sets this
        event aside in the error state, with the reason, and every other event goes on (the
        next sync tries it again). ``self`` may be empty (an occurrence not bound yet)."""
        try:
            with self.env.cr.savepoint():
                return step(self)
        except (AuthRevoked, TransientError):
            raise
        except Exception as exc:  # one event's surprise must not stop the account
            _logger.warning(
                "calendar sync: an event was set aside: %s", type(exc).__name__, exc_info=True
            )
            self.env.invalidate_all()
            binding = self.exists()
            if binding:
                binding._ccs_set_aside(direction, exc)
            elif account is not None:
                self.env["calendar.sync.log"]._log(
                    account,
                    direction,
                    "reconcile",
                    "failure",
                    error_type=type(exc).__name__,
                    message=str(exc),
                )
            return 0

    def _ccs_set_aside(self, direction, error, step="reconcile"):
        """Visible error state with the reason (the event's sync state, Sync Health); the next
        sync tries this event again."""
        self.write({"state": "error", "last_error": f"{type(error).__name__}: {error}"})
        self.env["calendar.sync.log"]._log(
            self.account_id,
            direction,
            step,
            "failure",
            error_type=type(error).__name__,
            message=str(error),
        )

    def _ccs_pushed(self, op, remote):
        if op.kind == "delete":
            self.unlink()
            return
        if op.kind == "respond":
            base = self._ccs_base()
            self.write({"state": "synced", "etag": remote.etag if remote else self.etag})
            if base is not None and remote is not None and remote.event is not None:
                self._ccs_mark_synced(remote, remote.event)
            return
        self._ccs_mark_synced(remote, op.event)
        if (
            remote is not None
            and remote.event is not None
            and op.event.event_type != "default"
            and sync_hash(remote.event) != sync_hash(op.event)
        ):
            # the provider keeps what an event of this type cannot change: Odoo shows that
            self._ccs_reconcile(remote)
            return
        if remote is not None and remote.event is not None:
            self.event_id._ccs_store_meeting(remote)
            if remote.meeting_pending:
                self.with_delay(
                    channel="root.calendar_cloud_sync",
                    identity_key=f"calendar_cloud_sync-meeting-{self.id}",
                    max_retries=MEETING_FOLLOW_TRIES,
                    description=job_description(
                        self.env, "follow_meeting", event=self.event_id.name or ""
                    ),
                )._ccs_job_follow_meeting()

    def _ccs_job_follow_meeting(self):
        """Meet answers ``pending`` first: read the event again until the link is there (the
        job's retry_pattern paces the reads: seconds first, then longer)."""
        self.ensure_one()
        self.account_id.sudo()._ccs_lock()  # one job of an account at a time, in any worker
        adapter = self.account_id._ccs_adapter()
        remote = adapter.get(self.external_id)
        self.account_id._ccs_save_tokens(adapter)
        if remote.meeting_pending:
            from odoo.addons.queue_job.exception import RetryableJobError

            raise RetryableJobError("conference still pending")
        self.event_id._ccs_store_meeting(remote)
        self.etag = remote.etag
        return remote.event.online_meeting_url if remote.event else ""
