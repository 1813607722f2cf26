"""Push notification channels of an account (DESIGN.md rule 8): Google ``events.watch``
channels and Microsoft Graph subscriptions, opened, renewed and stopped by the same code.

A channel is opened, renewed and stopped only in jobs; the crons, the disconnect button and
the notifications (calendar_sync_account_notify.py) only enqueue. The crons cover the import
and busy calendars' channels and pulls too (calendar_sync_calendar_channels.py).
"""

import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..lib.job_descriptions import job_description
from ..lib.params import webhook_base_url
from ..services.exceptions import AuthRevoked, SyncError, TransientError
from ..services.microsoft.mapper import parse_datetime
from .calendar_sync_account_jobs import CHANNEL

_logger = logging.getLogger(__name__)


def _naive_utc(moment):
    return moment.astimezone(UTC).replace(tzinfo=None)


def _renew_graph_subscription(adapter, subscription_id, ttl):
    """Move a Graph subscription's end (PATCH) -> its new end, aware."""
    expiration = datetime.now(UTC) + timedelta(seconds=ttl)
    answer = adapter.client.renew_subscription(subscription_id, expiration)
    return parse_datetime(answer["expirationDateTime"])


@dataclass(frozen=True)
class Watched:
    """How a provider notifies: the route it posts to, the lifetime asked for a channel (in
    seconds), and how a channel's end is moved (None: a new channel replaces it)."""

    route: str
    ttl: int
    renew: object = None


WATCHED = {
    "google": Watched("/calendar_cloud_sync/google/notify", 7 * 24 * 3600),
    # under the 4,230 minutes Graph long allowed on Outlook events (10,080 now), renewed a day
    # before the end: either limit accepts it
    "microsoft": Watched(
        "/calendar_cloud_sync/microsoft/notify", 4200 * 60, renew=_renew_graph_subscription
    ),
}
RENEW_BEFORE = timedelta(hours=24)
# channels opened or renewed together (a mass connect, a restore) would all end, and be renewed,
# together: each asks for up to this share of its lifetime less, at random
TTL_SPREAD = 7


def _spread(ttl):
    return ttl - secrets.randbelow(ttl // TTL_SPREAD)


# notifications can be lost: an account quiet for this long is pulled by the fallback cron
QUIET_AFTER = timedelta(minutes=15)
# the disconnect job gives up calling the provider after this many tries, then forgets anyway
DISCONNECT_TRIES = 5


class CalendarSyncAccount(models.Model):
    _inherit = "calendar.sync.account"

    # -- opening and stopping channels (API calls: jobs only) -----------------------------
    def _start_watch(self, adapter=None):
        """Open a new channel with a fresh id and secret token, and remember it."""
        self.ensure_one()
        watched = WATCHED[self.provider]
        adapter = adapter or self._adapter()
        channel_id = str(uuid.uuid4())
        token = secrets.token_urlsafe(32)
        address = webhook_base_url(self.env) + watched.route
        answer = adapter.watch(channel_id, address, token, _spread(watched.ttl))
        self._set_secret("channel_secret", token)
        self.sudo().write(
            {
                "channel_id": channel_id,
                "channel_resource_id": answer["resource_id"],
                "channel_expiration": _naive_utc(answer["expiration"]),
            }
        )

    def _renew_watch(self, adapter):
        """Move the current channel's end where the provider allows it -> whether it did. A
        refused renewal (the subscription expired or was removed: 404) is logged, and the
        caller opens a new channel; a transient failure or a revoked grant is raised."""
        self.ensure_one()
        watched = WATCHED[self.provider]
        if watched.renew is None or not self.channel_resource_id:
            return False
        try:
            expiration = watched.renew(adapter, self.channel_resource_id, _spread(watched.ttl))
        except (AuthRevoked, TransientError):
            raise
        except SyncError as exc:
            self.env["calendar.sync.log"]._log(
                self, "channel", "renew", "failure", error_type=type(exc).__name__, message=str(exc)
            )
            return False
        self.sudo().write({"channel_expiration": _naive_utc(expiration)})
        return True

    def _stop_watch(self, channel_id, resource_id, adapter=None):
        """Stop a channel (one already gone counts as stopped); raises ``SyncError``."""
        self.ensure_one()
        if self.provider in WATCHED and channel_id and resource_id:
            (adapter or self._adapter()).unwatch(channel_id, resource_id)

    # -- scheduling ---------------------------------------------------------------------
    def _enqueue_watch(self, removed=False):
        """Renew (or open) the channel of accounts that pull, in a job; ``removed``: the
        provider dropped the channel, open a new one."""
        accounts = self.filtered(lambda a: a.provider in WATCHED)._syncing("pull")
        accounts._enqueue_batch("watch", removed=removed)

    def _enqueue_disconnect(self, channel_id=False, resource_id=False):
        """Stop ``channel_id`` and revoke the grant in a job. The channel's ids are not secret
        and travel with the job, so a reconnect meanwhile cannot lose the old channel."""
        for account in self:
            account.with_delay(
                channel=CHANNEL,
                max_retries=DISCONNECT_TRIES,
                description=job_description(self.env, "disconnect", account=account.name),
            )._job_disconnect(channel_id=channel_id, resource_id=resource_id)

    @api.model
    def _cron_renew_channels(self):
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
        accounts._enqueue_watch()
        self.env["calendar.sync.calendar"]._cron_renew_channels()

    @api.model
    def _cron_pull_quiet_accounts(self):
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
        accounts._syncing("pull")._enqueue_batch("pull")
        accounts._native_blocked()._record_native_refusal()
        self.env["calendar.sync.calendar"]._cron_pull_quiet()

    def _job_watch(self, removed=False):
        """Renew the channel where the provider allows it; else open a new one, then stop the
        one it replaces (which would expire anyway). ``removed``: the provider dropped the
        channel, so there is nothing to renew or stop."""
        self = self.sudo()
        self.ensure_one()
        if self.provider not in WATCHED or not self._can("pull"):
            return "account not watched"
        self._lock()
        old_channel = (False, False) if removed else (self.channel_id, self.channel_resource_id)
        log = self.env["calendar.sync.log"]
        adapter = self._adapter()
        try:
            if not removed and self._renew_watch(adapter):
                log._log(self, "channel", "renew", "success")
                self._save_tokens(adapter)
                return "channel renewed"
            self._start_watch(adapter)
        except AuthRevoked as exc:
            self._needs_reauth(exc)
            return "needs re-authorization"
        except TransientError as exc:
            self._retry_later(exc)
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
                self._stop_watch(*old_channel, adapter=adapter)
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
        self._save_tokens(adapter)
        # a change made before this job commits notifies a channel Odoo cannot find yet
        self._enqueue_pull()
        return "channel opened"

    def _job_disconnect(self, channel_id=False, resource_id=False):
        """Stop the channel and revoke the grant of a disconnected account, then forget the
        token. Transient failures are retried; after the last try they are logged and the
        token is forgotten all the same. An account reconnected meanwhile keeps its new
        grant: only the old channel is stopped."""
        self = self.sudo()
        self.ensure_one()
        self._lock()
        token_data = self._get_secret("token_data")
        if not token_data:
            return "nothing to revoke"
        revoking = self.state == "disconnected"
        last_try = self._job_try() >= DISCONNECT_TRIES
        log = self.env["calendar.sync.log"]
        steps = [("channel", "stop")] if channel_id else []
        steps += [("auth", "revoke")] if revoking else []
        for direction, operation in steps:
            try:
                if operation == "stop":
                    self._stop_watch(channel_id, resource_id)
                else:
                    self._connector(self.provider, self.user_id.company_id).revoke(token_data)
            except TransientError as exc:
                if not last_try:
                    self._retry_later(exc)
                self._disconnect_failed(direction, operation, exc)
            except (SyncError, UserError) as exc:
                self._disconnect_failed(direction, operation, exc)
            else:
                log._log(self, direction, operation, "success")
        if revoking:
            self._set_secret("token_data", False)
            self._set_secret("channel_secret", False)
        return "disconnected"

    def _disconnect_failed(self, direction, operation, exc):
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
