"""The sync jobs of an account: what runs in queue_job workers, and how failures end.

Every failure ends in one of DESIGN.md rule 3's outcomes: retried later (transient, with the
provider's Retry-After), re-synced (410), a conflict record (412 / both sides changed), or the
account marked ``needs_reauth`` with its changes kept pending. Nothing is logged and dropped.
"""

import logging
import math
import time
from datetime import timedelta

from odoo import SUPERUSER_ID, _, api, fields, models

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.utils import must_run_without_delay

from ..lib.job_descriptions import job_description
from ..lib.params import get_int_param
from ..services.exceptions import AuthRevoked, RateLimited, SyncTokenExpired, TransientError
from ..services.request_counter import counting
from ..services.retry import RetryPolicy

_logger = logging.getLogger(__name__)

CHANNEL = "root.calendar_cloud_sync"
# pacing of what a push re-queues itself (operations the provider refused for a while)
POLICY = RetryPolicy()
# with the retry_pattern of data/queue_job.xml, well over an hour of retries: a
# provider outage of minutes delays sync and fails no job (DESIGN.md rule 13)
MAX_RETRIES = 15
# a busy account (another job holds its lock) is tried again soon, without using up retries
BUSY_RETRY_SECONDS = 5
PUSH_ROUNDS = 3
# advisory lock namespace of this addon (str hashes differ between processes: a constant)
LOCK_NAMESPACE = 0x0CC5
# the identity key ``_enqueue`` gives an account's job of a kind
IDENTITY_KEY = "calendar_cloud_sync-{kind}-{account_id}"
# queue_job merges a new job into an existing one with the same identity key in these states
MERGING_STATES = ["wait_dependencies", "pending", "enqueued"]


class CalendarSyncAccount(models.Model):
    _inherit = "calendar.sync.account"

    # -- scheduling ---------------------------------------------------------------------
    def _can(self, direction):
        """Whether this account syncs in ``direction`` ("push" or "pull") now. Reads only."""
        self.ensure_one()
        return bool(self._syncing(direction))

    def _syncing(self, direction):
        """The accounts that sync in ``direction`` now, decided for all at once: connected,
        with a calendar, the direction allowed, and the user's native sync of that provider
        off (calendar_sync_account_takeover.py). Reads only."""
        blocked = "remote_to_odoo" if direction == "push" else "odoo_to_remote"
        candidates = self.filtered(
            lambda a: a.state == "connected" and a.remote_calendar_id and a.direction != blocked
        )
        return candidates - candidates._native_blocked()

    def _enqueue(self, kind, eta=None, **kwargs):
        """One pending job per account and kind: bursts collapse through the identity key."""
        for account in self:
            delayed = account.with_delay(
                channel=CHANNEL,
                eta=eta,
                identity_key=IDENTITY_KEY.format(kind=kind, account_id=account.id),
                description=job_description(self.env, kind, account=account.name),
                max_retries=MAX_RETRIES,
            )
            getattr(delayed, f"_job_{kind}")(**kwargs)

    def _enqueue_push(self, eta=None, **kwargs):
        self._syncing("push")._enqueue("push", eta=eta, **kwargs)
        self._native_blocked()._record_native_refusal()

    def _enqueue_pull(self, eta=None):
        self._syncing("pull")._enqueue("pull", eta=eta)
        self._native_blocked()._record_native_refusal()

    def _enqueue_batch(self, kind, **kwargs):
        """``_enqueue(kind, **kwargs)`` for every account, in a bounded number of queries
        (the crons over every connected account): one query finds the accounts whose job is
        already pending under its identity key, one create stores the others, where
        queue_job's ``with_delay`` looks up and inserts per account."""
        if len(self) < 2 or must_run_without_delay(self.env):
            return self._enqueue(kind, **kwargs)
        # the identity key of _enqueue, so either way de-duplicates against the other
        keys = {account: IDENTITY_KEY.format(kind=kind, account_id=account.id) for account in self}
        Job = self.env["queue.job"].sudo()
        Job.flush_model(["identity_key", "state"])
        self.env.cr.execute(
            "SELECT identity_key FROM queue_job WHERE identity_key = ANY(%s) AND state = ANY(%s)",
            [list(keys.values()), MERGING_STATES],
        )
        pending = {key for (key,) in self.env.cr.fetchall()}
        vals_list = []
        for account, key in keys.items():
            if key in pending:
                continue
            delayable = account.delayable(
                channel=CHANNEL,
                identity_key=key,
                description=f"Calendar sync: {kind} {account.name}",
            )
            getattr(delayable, f"_job_{kind}")(**kwargs)
            vals_list.append(delayable._build_job()._store_values(create=True))
        Job.with_context(_job_edit_sentinel=Job.EDIT_SENTINEL).create(vals_list)

    def _enqueue_notified_pull(self, notified_at):
        """The pull a notification asks for, unless one is already waiting to run.

        Under a storm a pull per notification would call the provider as often as it
        notifies. A notification on a quiet account is pulled at once; while a pull is queued
        the notification merges into it; while one runs, or just after one ended,
        notifications make at most one more pull, which starts no sooner than a short delay
        after it. One query on the job table decides."""
        self.ensure_one()
        self.env["queue.job"].flush_model(["state", "identity_key"])
        self.env.cr.execute(
            "SELECT DISTINCT state FROM queue_job WHERE identity_key = %s AND state = ANY(%s)",
            [IDENTITY_KEY.format(kind="pull", account_id=self.id), [*MERGING_STATES, "started"]],
        )
        states = {state for (state,) in self.env.cr.fetchall()}
        if states & set(MERGING_STATES):
            return  # the waiting pull will see this change too
        eta = self._notified_pull_eta(running="started" in states)
        self._enqueue("pull", eta=eta, notified_at=notified_at)

    def _notified_pull_eta(self, running):
        """When the pull a notification asks for may start: None (now) on a quiet account,
        else the delay after the running pull, or after the last one ended."""
        delay = timedelta(seconds=get_int_param(self.env, "notification_delay_seconds"))
        now = fields.Datetime.now()
        if running:
            return now + delay
        if self.last_pull_at and self.last_pull_at > now - delay:
            return self.last_pull_at + delay
        return None

    # -- plumbing -------------------------------------------------------------------------
    def _lock(self):
        """Two jobs of one account never interleave, whatever worker runs them (so the
        provider's per-mailbox limits hold across workers): take its lock or retry soon."""
        if not self._try_lock():
            raise RetryableJobError(
                "another sync job holds this account", seconds=BUSY_RETRY_SECONDS, ignore_retry=True
            )

    def _try_lock(self):
        """The account's lock for this transaction, if no other holds it."""
        self.ensure_one()
        self.env.cr.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, self.id])
        return self.env.cr.fetchone()[0]

    def _push_budget(self):
        """Operations this push may still send this minute: Google counts every part of a
        batch against the user's requests per minute (600 by default), across all jobs."""
        if self.provider != "google":
            return None
        self.env.cr.execute(
            """SELECT COALESCE(SUM(events_out), 0) FROM calendar_sync_log
                WHERE account_id = %s AND direction = 'push'
                  AND create_date > (now() at time zone 'UTC') - interval '60 seconds'""",
            [self.id],
        )
        sent = self.env.cr.fetchone()[0]
        return max(get_int_param(self.env, "google_operations_per_minute") - sent, 0)

    def _adapter(self, calendar=None):
        """The provider adapter for the account's two-way calendar, or for ``calendar`` (one
        of this connection's calendar.sync.calendar rows), with the account's tokens."""
        self.ensure_one()
        connector = self._connector(self.provider, self.user_id.company_id)
        other = calendar and calendar.remote_id != self.remote_calendar_id
        adapter = connector.adapter(
            self._get_secret("token_data") or {},
            calendar.remote_id if other else self.remote_calendar_id,
            self.remote_email or "",
            (calendar.timezone if other else self.remote_calendar_tz) or None,
        )
        adapter.on_token_refresh(self._tokens_refreshed)
        return adapter

    def _save_tokens(self, adapter):
        self._save_tokens_data(adapter.token_data())

    def _tokens_refreshed(self, data):
        """New tokens are kept whatever becomes of the job that refreshed them: stored in its
        transaction and, should that roll back, once more in a transaction of their own right
        after (a lost refresh costs one per job, and a rotated refresh token would be sent
        again). After the rollback, not during the job: the job holds the account's row."""
        self._save_tokens_data(data)
        hooks = self.env.cr.postrollback
        pending = hooks.data.setdefault("calendar_cloud_sync_tokens", {})
        if not pending:
            hooks.add(lambda: _store_tokens_after_rollback(self.env.registry, pending))
        pending[self.id] = data

    def _save_tokens_data(self, data):
        if data and data != self._get_secret("token_data"):
            self._set_secret("token_data", data)

    def _window(self):
        now = fields.Datetime.now()
        return (
            now - timedelta(days=get_int_param(self.env, "sync_window_past_days")),
            now + timedelta(days=get_int_param(self.env, "sync_window_future_days")),
        )

    def _needs_reauth(self, exc, api_requests=0):
        """The grant is gone: stop, keep every pending change, tell the user."""
        self.ensure_one()
        self.sudo().write(
            {
                "state": "needs_reauth",
                "last_error": str(exc),
                "last_error_at": fields.Datetime.now(),
            }
        )
        self.env["calendar.sync.log"]._log(
            self,
            "auth",
            "token",
            "failure",
            error_type=type(exc).__name__,
            message=str(exc),
            api_requests=api_requests,
        )
        self.sudo().message_post(
            body=_(
                "Your %(provider)s calendar needs to be connected again: open Preferences > "
                "Calendar sync and click Connect. Changes made meanwhile are kept and sent "
                "after you reconnect.",
                provider=dict(self._fields["provider"].selection)[self.provider],
            ),
            partner_ids=self.user_id.partner_id.ids,
        )

    def _retry_later(self, exc):
        """Transient failure of a whole call: raise so queue_job retries the job after the
        provider's Retry-After when it sent one, else by the job's retry_pattern. Throttling
        with a Retry-After (Outlook's 4 requests per mailbox) is the provider pacing us, not
        a failure: waiting as told uses none of the job's retries."""
        retry_after = getattr(exc, "retry_after", None)
        seconds = math.ceil(retry_after) if retry_after else None
        raise RetryableJobError(
            f"{type(exc).__name__}: {exc}",
            seconds=seconds,
            ignore_retry=isinstance(exc, RateLimited) and seconds is not None,
        )

    # -- jobs -----------------------------------------------------------------------------
    def _job_push(self, attempt=1):
        """Send this account's pending bindings (batched by the adapter). ``attempt`` counts
        the pushes that re-queued operations the provider refused for a while."""
        self = self.sudo()
        self.ensure_one()
        if not self._can("push"):
            return "account not pushing"
        self._lock()
        started = time.monotonic()
        adapter = self._adapter()
        sent = 0
        with counting() as requests_made:
            try:
                self._confirm_adopted_for_push(adapter)
                budget = self._push_budget()
                for _round in range(PUSH_ROUNDS):
                    bindings = self.env["calendar.sync.binding"].search(
                        [("account_id", "=", self.id), ("state", "=", "pending")], order="id"
                    )
                    ops = bindings._push_ops()
                    if budget is not None and len(ops) > budget - sent:
                        # the provider's quota for this minute: the rest goes a minute later
                        ops = ops[: max(budget - sent, 0)]
                        self._enqueue_push(eta=fields.Datetime.now() + timedelta(seconds=60))
                    if not ops:
                        break
                    results = adapter.push(ops)
                    sent += len(ops)
                    retry_after = bindings._apply_push_results(ops, results, adapter)
                    if retry_after is not None:
                        # some ops hit a transient error: the others are done, send the rest
                        # later, after the provider's Retry-After or a growing pause
                        wait = POLICY.delay(attempt, retry_after or None)
                        self._enqueue_push(
                            eta=fields.Datetime.now() + timedelta(seconds=math.ceil(wait)),
                            attempt=attempt + 1,
                        )
                        break
            except AuthRevoked as exc:
                self._needs_reauth(exc, requests_made.total)
                return "needs re-authorization"
            except TransientError as exc:
                self._retry_later(exc)
            self._save_tokens(adapter)
            self.sudo().write({"last_push_at": fields.Datetime.now()})
            self.env["calendar.sync.log"]._log(
                self,
                "push",
                "push",
                "success",
                events_out=sent,
                api_requests=requests_made.total,
                duration_ms=int((time.monotonic() - started) * 1000),
            )
        return f"{sent} operations sent"

    def _job_pull(self, full=False, notified_at=None):
        """The pull, and when a notification asked for it (read by the fallback cron)."""
        result = self._pull(full=full)
        if notified_at:
            account = self.sudo()
            notified_at = fields.Datetime.to_datetime(notified_at)
            if not account.last_notification_at or account.last_notification_at < notified_at:
                account.write({"last_notification_at": notified_at})
        return result

    def _pull(self, full=False):
        """Apply the provider's changes since the stored cursor (or the whole window)."""
        self = self.sudo()
        self.ensure_one()
        if not self._can("pull"):
            return "account not pulling"
        self._lock()
        started = time.monotonic()
        adapter = self._adapter()
        window = self._window()
        cursor = None if full else self.sync_cursor
        with counting() as requests_made:
            try:
                changes = self._listed(adapter.list_changes, cursor, window)
            except AuthRevoked as exc:
                self._needs_reauth(exc, requests_made.total)
                return "needs re-authorization"
            except TransientError as exc:
                self._retry_later(exc)
            self._match_adopted(changes, window)
            applied = self.env["calendar.sync.binding"]._apply_changes(self, changes, window)
            self._save_tokens(adapter)
            self.sudo().write(
                {
                    "sync_cursor": changes.cursor,
                    "cursor_window_start": window[0],
                    "cursor_window_end": window[1],
                    "last_pull_at": fields.Datetime.now(),
                }
            )
        self.env["calendar.sync.log"]._log(
            self,
            "pull",
            "full" if changes.full else "incremental",
            "success",
            events_in=applied,
            api_requests=requests_made.total,
            duration_ms=int((time.monotonic() - started) * 1000),
        )
        if self.env["calendar.sync.binding"].search_count(
            [("account_id", "=", self.id), ("state", "=", "pending")], limit=1
        ):
            self._enqueue_push()
        return f"{applied} changes applied"

    def _listed(self, listing, cursor, window):
        """``listing(cursor, start, end)`` (an adapter's list_changes or list_occurrences);
        when the cursor is gone, the whole window instead (matched against what Odoo has).
        Busy blocks mirrored there are ours: left out, never events of that calendar."""
        try:
            changes = listing(cursor, *window)
        except SyncTokenExpired as exc:
            self.env["calendar.sync.log"]._log(
                self, "pull", "resync", "retry", error_type=type(exc).__name__
            )
            changes = listing(None, *window)
        Block = self.env["calendar.sync.mirror.block"]
        changes.events = Block._without_blocks(self, changes.events)
        return changes

    def _job_try(self):
        """Which try of the running queue job this is (1 outside a job)."""
        job_uuid = self.env.context.get("job_uuid")
        job = job_uuid and self.env["queue.job"].sudo().search([("uuid", "=", job_uuid)], limit=1)
        # the row counts the tries that ended; this one is the next
        return (job.retry + 1) if job else 1


def _store_tokens_after_rollback(registry, pending):
    """Write the tokens refreshed in a transaction that was rolled back, in a new one."""
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        for account in env["calendar.sync.account"].browse(list(pending)).exists():
            account._save_tokens_data(pending[account.id])
    pending.clear()
