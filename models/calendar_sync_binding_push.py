"""The push side of the engine: the push operations of pending bindings and how their results
are applied (a refusal reconciled with the pull's merge), written once for both providers.
What a binding sends and how an outcome is recorded are in calendar_sync_binding.py; the
pull side is in calendar_sync_binding_pull.py."""

import logging
from datetime import UTC

from odoo import models

from ..lib.job_descriptions import job_description
from ..services.adapter import PushOp
from ..services.exceptions import (
    AuthRevoked,
    NotFoundError,
    PreconditionFailed,
    TransientError,
)
from ..services.neutral import only_exdates_changed, sync_hash
from .calendar_event_neutral import MEETING_OF_PROVIDER

# with the job's retry_pattern (data/queue_job.xml): about ten minutes of reads
MEETING_FOLLOW_TRIES = 15

_logger = logging.getLogger(__name__)


class CalendarSyncBinding(models.Model):
    _inherit = "calendar.sync.binding"

    # -- push -----------------------------------------------------------------------------
    def _push_ops(self):
        """PushOps for pending bindings; unchanged ones (same hash) are marked synced here
        without any API call."""
        ops = []
        series_of = self._series_bindings()
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
                            notify_guests=binding._provider_mails("delete"),
                        )
                    )
                else:
                    binding.unlink()
                continue
            if not binding.is_organizer_copy:
                response = binding._own_response()
                base = binding._base()
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
                series = series_of.get(binding._series_key(), self.browse())
                op = binding._occurrence_op(series)
                if op is not None:
                    ops.append(op)
                continue
            local = binding._local()
            want_meeting = (
                binding.event_id.online_meeting_provider == MEETING_OF_PROVIDER[provider]
                and not local.online_meeting_url
            )
            if not binding.external_id:
                token = binding._client_token()
                ops.append(
                    PushOp(
                        "create",
                        binding.id,
                        token,
                        event=local,
                        transaction_id=token,
                        want_meeting=want_meeting,
                        notify_guests=binding._provider_mails("create"),
                    )
                )
            elif sync_hash(local) == binding.last_hash and not want_meeting:
                binding.state = "synced"
            else:
                base = binding._base()
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
                        notify_guests=binding._provider_mails(
                            "cancel" if only_exdates_changed(local, base) else "update"
                        ),
                    )
                )
        return ops

    def _series_key(self):
        return (self.account_id.id, self.event_id.recurrence_id.base_event_id.id)

    def _series_bindings(self):
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

    def _original_start(self):
        """The occurrence's slot as providers name it: a date (all-day) or aware UTC."""
        if self.event_id.allday:
            return self.original_start.date()
        return self.original_start.replace(tzinfo=UTC)

    def _occurrence_op(self, series):
        """An occurrence changed on its own; None while its series' binding (``series``) has
        no remote id yet (the series goes out first, in the same job)."""
        if not series.external_id:
            return None
        local = self._local()
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
            original_start=self._original_start(),
            notify_guests=self._provider_mails("update"),
        )

    def _apply_push_results(self, ops, results, adapter):
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
                binding._pushed(op, result.remote)
            elif isinstance(error, AuthRevoked):
                raise error
            elif isinstance(error, TransientError):
                # 0 when the provider named no wait: the job's backoff decides then
                wait = error.retry_after or 0
                retry_after = wait if retry_after is None else max(retry_after, wait)
            elif isinstance(error, PreconditionFailed | NotFoundError) and op.kind != "create":
                # changed or deleted at the provider since our etag: decide against its
                # version now, one event at a time, so one surprise never undoes the rest
                with binding._settling():
                    binding._reconcile_after_refusal(op, adapter)
            else:
                binding._set_aside("push", error, step=op.kind)
        return retry_after

    def _reconcile_after_refusal(self, op, adapter):
        """The provider refused a write (412 or 404): read its version and reconcile."""
        try:
            remote = adapter.get_target(op)
        except NotFoundError:
            remote = None
        # a deleted event reads back as cancelled (Google) or not at all (Graph)
        gone = remote is None or remote.deleted
        return self._reconcile(None if gone else remote, remote_deleted=gone)

    def _pushed(self, op, remote):
        if op.kind == "delete":
            self.unlink()
            return
        if op.kind == "respond":
            base = self._base()
            self.write({"state": "synced", "etag": remote.etag if remote else self.etag})
            if base is not None and remote is not None and remote.event is not None:
                self._mark_synced(remote, remote.event)
            return
        self._mark_synced(remote, op.event)
        if (
            remote is not None
            and remote.event is not None
            and op.event.event_type != "default"
            and sync_hash(remote.event) != sync_hash(op.event)
        ):
            # the provider keeps what an event of this type cannot change: Odoo shows that
            self._reconcile(remote)
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
                )._job_follow_meeting()

    def _job_follow_meeting(self):
        """Meet answers ``pending`` first: read the event again until the link is there (the
        job's retry_pattern paces the reads: seconds first, then longer)."""
        self.ensure_one()
        self.account_id.sudo()._lock()  # one job of an account at a time, in any worker
        adapter = self.account_id._adapter()
        remote = adapter.get(self.external_id)
        self.account_id._save_tokens(adapter)
        if remote.meeting_pending:
            from odoo.addons.queue_job.exception import RetryableJobError

            raise RetryableJobError("conference still pending")
        self.event_id._ccs_store_meeting(remote)
        self.etag = remote.etag
        return remote.event.online_meeting_url if remote.event else ""
