"""Push notification channels of an account (DESIGN.md rule 8).

A channel is opened, renewed and stopped only in jobs; the crons and the disconnect button
only enqueue. A notification is checked against the channel's own secret token and becomes
one coalesced pull job; the request never writes the account row (a running job may hold it
until it commits), so the pull job records when the notification came.
"""

import hmac
import logging
import secrets
import uuid
from datetime import UTC, timedelta

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import UserError

from ..services.exceptions import AuthRevoked, SyncError, TransientError
from .params import webhook_base_url
from .sync_account_jobs import CHANNEL  # loaded first: our _ccs_job_pull overrides its

_logger = logging.getLogger(__name__)

# provider -> (route the provider posts to, channel lifetime in seconds); Microsoft's Graph
# subscriptions get their entry when the Graph adapter can watch
WATCHED = {"google": ("/calendar_cloud_sync/google/notify", 7 * 24 * 3600)}
RENEW_BEFORE = timedelta(hours=24)
# notifications can be lost: an account quiet for this long is pulled by the fallback cron
QUIET_AFTER = timedelta(minutes=15)
GOOGLE_CHANGE_STATES = ("exists", "not_exists")
# the disconnect job gives up calling the provider after this many tries, then forgets anyway
DISCONNECT_TRIES = 5


class CalendarSyncAccount(models.Model):
    _inherit = "calendar.sync.account"

    # every notification looks its account up by channel id
    channel_id = fields.Char(index="btree_not_null")

    # -- opening and stopping channels (API calls: jobs only) -----------------------------
    def _ccs_start_watch(self, adapter=None):
        """Open a new channel with a fresh id and secret token, and remember it."""
        self.ensure_one()
        route, ttl = WATCHED[self.provider]
        adapter = adapter or self._ccs_adapter()
        channel_id = str(uuid.uuid4())
        token = secrets.token_urlsafe(32)
        answer = adapter.watch(channel_id, webhook_base_url(self.env) + route, token, ttl)
        self._set_secret("channel_secret", token)
        self.sudo().write(
            {
                "channel_id": channel_id,
                "channel_resource_id": answer["resource_id"],
                "channel_expiration": answer["expiration"].astimezone(UTC).replace(tzinfo=None),
            }
        )

    def _ccs_stop_watch(self, channel_id, resource_id, adapter=None):
        """Stop a channel (one already gone counts as stopped); raises ``SyncError``."""
        self.ensure_one()
        if self.provider in WATCHED and channel_id:
            (adapter or self._ccs_adapter()).unwatch(channel_id, resource_id)

    # -- scheduling ---------------------------------------------------------------------
    def _ccs_enqueue_watch(self):
        """Open (or renew) the channel of accounts that pull, in a job."""
        self.filtered(lambda a: a.provider in WATCHED and a._ccs_can("pull"))._ccs_enqueue("watch")

    def _ccs_enqueue_disconnect(self, channel_id=False, resource_id=False):
        """Stop ``channel_id`` and revoke the grant in a job. The channel's ids are not secret
        and travel with the job, so a reconnect meanwhile cannot lose the old channel."""
        for account in self:
            account.with_delay(
                channel=CHANNEL,
                max_retries=DISCONNECT_TRIES,
                description=f"Calendar sync: disconnect {account.name}",
            )._ccs_job_disconnect(channel_id=channel_id, resource_id=resource_id)

    @api.model
    def _ccs_cron_renew_channels(self):
        """Channels ending within a day, or missing on a connected account, get a new one."""
        limit = fields.Datetime.now() + RENEW_BEFORE
        accounts = self.sudo().search(
            [
                ("state", "=", "connected"),
                ("provider", "in", list(WATCHED)),
                "|",
                "|",
                ("channel_id", "=", False),
                ("channel_expiration", "=", False),
                ("channel_expiration", "<", limit),
            ]
        )
        accounts._ccs_enqueue_watch()

    @api.model
    def _ccs_cron_pull_quiet_accounts(self):
        """Pull connected accounts that had no notification lately (they can be lost)."""
        limit = fields.Datetime.now() - QUIET_AFTER
        accounts = self.sudo().search(
            [
                ("state", "=", "connected"),
                "|",
                ("last_notification_at", "=", False),
                ("last_notification_at", "<", limit),
            ]
        )
        accounts._ccs_enqueue_pull()

    # -- notifications --------------------------------------------------------------------
    @api.model
    def _ccs_receive_google_notification(self, headers):
        """Check one Google push message and enqueue its account's pull -> HTTP status.

        One indexed read of the account, no write to it: the answer must not wait for a job
        that holds the row."""
        channel_id = headers.get("X-Goog-Channel-ID") or ""
        if not channel_id:
            return 404
        account = self.sudo().search_fetch(
            [("channel_id", "=", channel_id), ("provider", "=", "google")],
            [
                "name",
                "user_id",
                "state",
                "direction",
                "remote_calendar_id",
                "channel_resource_id",
                "channel_secret",
            ],
            limit=1,
        )
        if not account:
            return 404
        secret = account._get_secret("channel_secret") or ""
        token = headers.get("X-Goog-Channel-Token") or ""
        resource_id = headers.get("X-Goog-Resource-ID") or ""
        # both compared in constant time, and both always compared
        token_ok = hmac.compare_digest(token.encode(), secret.encode()) and bool(secret)
        resource_ok = hmac.compare_digest(
            resource_id.encode(), (account.channel_resource_id or "").encode()
        )
        if not (token_ok and resource_ok):
            return 403
        state = headers.get("X-Goog-Resource-State")
        _logger.debug(
            "Google notification for account %s: %s #%s",
            account.id,
            state,
            headers.get("X-Goog-Message-Number"),
        )
        if state == "sync":
            return 200
        if state not in GOOGLE_CHANGE_STATES:
            return 400
        if account._ccs_can("pull"):
            # the job runs as the account's user, like the jobs the user's own actions start
            account.with_user(account.user_id.id or SUPERUSER_ID).sudo()._ccs_enqueue(
                "pull", notified_at=fields.Datetime.to_string(fields.Datetime.now())
            )
        return 200

    # -- jobs -----------------------------------------------------------------------------
    def _ccs_job_pull(self, full=False, notified_at=None):
        """The pull, and when a notification asked for it (read by the fallback cron)."""
        result = super()._ccs_job_pull(full=full)
        if notified_at:
            account = self.sudo()
            notified_at = fields.Datetime.to_datetime(notified_at)
            if not account.last_notification_at or account.last_notification_at < notified_at:
                account.write({"last_notification_at": notified_at})
        return result

    def _ccs_job_watch(self):
        """Open a new channel, then stop the one it replaces (which would expire anyway)."""
        self = self.sudo()
        self.ensure_one()
        if self.provider not in WATCHED or not self._ccs_can("pull"):
            return "account not watched"
        self._ccs_lock()
        old_channel = (self.channel_id, self.channel_resource_id)
        log = self.env["calendar.sync.log"]
        adapter = self._ccs_adapter()
        try:
            self._ccs_start_watch(adapter)
        except AuthRevoked as exc:
            self._ccs_needs_reauth(exc)
            return "needs re-authorization"
        except TransientError as exc:
            self._ccs_retry_later(exc)
        except SyncError as exc:
            # refused for good (e.g. the webhook URL is not accepted): the cron tries again
            self.write({"last_error": str(exc), "last_error_at": fields.Datetime.now()})
            log._log(
                self, "channel", "watch", "failure", error_type=type(exc).__name__, message=str(exc)
            )
            return "channel refused"
        log._log(self, "channel", "watch", "success")
        if old_channel[0]:
            try:
                self._ccs_stop_watch(*old_channel, adapter=adapter)
            except SyncError as exc:
                _logger.warning(
                    "Account %s: the replaced channel could not be stopped (%s); it expires "
                    "by itself",
                    self.id,
                    type(exc).__name__,
                )
                log._log(
                    self,
                    "channel",
                    "stop",
                    "failure",
                    error_type=type(exc).__name__,
                    message=str(exc),
                )
        self._ccs_save_tokens(adapter)
        # a change made before this job commits notifies a channel Odoo cannot find yet
        self._ccs_enqueue_pull()
        return "channel opened"

    def _ccs_job_disconnect(self, channel_id=False, resource_id=False):
        """Stop the channel and revoke the grant of a disconnected account, then forget the
        token. Transient failures are retried; after the last try they are logged and the
        token is forgotten all the same. An account reconnected meanwhile keeps its new
        grant: only the old channel is stopped."""
        self = self.sudo()
        self.ensure_one()
        self._ccs_lock()
        token_data = self._get_secret("token_data")
        if not token_data:
            return "nothing to revoke"
        revoking = self.state == "disconnected"
        last_try = self._ccs_job_try() >= DISCONNECT_TRIES
        log = self.env["calendar.sync.log"]
        steps = [("channel", "stop")] if channel_id else []
        steps += [("auth", "revoke")] if revoking else []
        for direction, operation in steps:
            try:
                if operation == "stop":
                    self._ccs_stop_watch(channel_id, resource_id)
                else:
                    self._ccs_connector(self.provider, self.user_id.company_id).revoke(token_data)
            except TransientError as exc:
                if not last_try:
                    self._ccs_retry_later(exc, self._ccs_job_try())
                self._ccs_disconnect_failed(direction, operation, exc)
            except (SyncError, UserError) as exc:
                self._ccs_disconnect_failed(direction, operation, exc)
            else:
                log._log(self, direction, operation, "success")
        if revoking:
            self._set_secret("token_data", False)
            self._set_secret("channel_secret", False)
        return "disconnected"

    def _ccs_disconnect_failed(self, direction, operation, exc):
        _logger.warning(
            "Account %s: %s failed on disconnect (%s); the token is forgotten anyway",
            self.id,
            operation,
            type(exc).__name__,
        )
        self.env["calendar.sync.log"]._log(
            self,
            direction,
            operation,
            "failure",
            error_type=type(exc).__name__,
            message=str(exc),
        )

    def _ccs_job_try(self):
        """Which try of the running queue job this is (1 outside a job)."""
        job_uuid = self.env.context.get("job_uuid")
        job = job_uuid and self.env["queue.job"].sudo().search([("uuid", "=", job_uuid)], limit=1)
        # the row counts the tries that ended; this one is the next
        return (job.retry + 1) if job else 1
