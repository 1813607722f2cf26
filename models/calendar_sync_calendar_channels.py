"""Push channels of import and busy calendars: a Google ``events.watch`` channel on the
calendar, a Graph subscription on ``me/calendars/{id}/events``. Opened, renewed and stopped
in jobs with the account's channel code (calendar_sync_account_channels.py: the provider's
route, lifetime and renewal); the renewal cron, the fallback pull cron and the webhooks of
the accounts cover them too, a notification routed to its calendar by channel id or
subscription id and checked against the calendar's own secret."""

import hmac
import logging
import secrets
import uuid

from odoo import SUPERUSER_ID, api, fields, models

from ..lib.params import webhook_base_url
from ..lib.secrets import get_cipher
from ..services.exceptions import AuthRevoked, SyncError, TransientError
from .calendar_sync_account_channels import (
    QUIET_AFTER,
    RENEW_BEFORE,
    WATCHED,
    _naive_utc,
    _spread,
)
from .calendar_sync_account_notify import WELL_FORMED_ID
from .calendar_sync_calendar_pull import PULLED_MODES

_logger = logging.getLogger(__name__)


class CalendarSyncCalendar(models.Model):
    _inherit = "calendar.sync.calendar"

    def _secret(self):
        return get_cipher().decrypt_json(self.sudo().channel_secret or None) or ""

    def _enqueue_watch(self, removed=False):
        self.filtered(lambda c: c.provider in WATCHED)._pulled()._enqueue("watch", removed=removed)

    def _enqueue_unwatch(self):
        """Stop the calendar's channel in a job (its ids travel with it) and forget it now."""
        for calendar in self.sudo().filtered("channel_id"):
            calendar._enqueue(
                "unwatch",
                channel_id=calendar.channel_id,
                resource_id=calendar.channel_resource_id,
            )
            calendar.write(
                {
                    "channel_id": False,
                    "channel_resource_id": False,
                    "channel_expiration": False,
                    "channel_secret": False,
                }
            )

    def _job_watch(self, removed=False):
        """Renew the channel where the provider allows it, else open a new one and stop the
        one it replaces."""
        self = self.sudo()
        self.ensure_one()
        if not self.filtered(lambda c: c.provider in WATCHED)._pulled():
            return "calendar not watched"
        account = self.account_id
        account._lock()
        watched = WATCHED[self.provider]
        adapter = self._adapter()
        old = (False, False) if removed else (self.channel_id, self.channel_resource_id)
        try:
            if not removed and watched.renew and self.channel_resource_id:
                try:
                    expiration = watched.renew(
                        adapter, self.channel_resource_id, _spread(watched.ttl)
                    )
                except (AuthRevoked, TransientError):
                    raise
                except SyncError:
                    expiration = None
                if expiration:
                    self.write({"channel_expiration": _naive_utc(expiration)})
                    account._save_tokens(adapter)
                    return "channel renewed"
            channel_id, token = str(uuid.uuid4()), secrets.token_urlsafe(32)
            address = webhook_base_url(self.env) + watched.route
            answer = adapter.watch(channel_id, address, token, _spread(watched.ttl))
        except AuthRevoked as exc:
            account._needs_reauth(exc)
            return "needs re-authorization"
        except TransientError as exc:
            account._retry_later(exc)
        except SyncError as exc:
            self.write({"last_error": str(exc)})
            return "channel refused"
        self.write(
            {
                "channel_id": channel_id,
                "channel_resource_id": answer["resource_id"],
                "channel_expiration": _naive_utc(answer["expiration"]),
                "channel_secret": get_cipher().encrypt_json(token),
            }
        )
        if old[0]:
            try:
                adapter.unwatch(*old)
            except SyncError as exc:
                _logger.info(
                    "Calendar %s: the replaced channel was not stopped (%s); it expires by itself",
                    self.id,
                    type(exc).__name__,
                )
        account._save_tokens(adapter)
        # a change made before this commits notified a channel Odoo could not find yet
        self._enqueue_pull()
        return "channel opened"

    def _job_unwatch(self, channel_id=False, resource_id=False):
        self = self.sudo()
        self.ensure_one()
        if not (channel_id and resource_id and self.account_id._get_secret("token_data")):
            return "nothing to stop"
        try:
            self._adapter().unwatch(channel_id, resource_id)
        except TransientError as exc:
            self.account_id._retry_later(exc)
        except SyncError:
            return "channel gone"
        return "channel stopped"

    # -- notifications ------------------------------------------------------------------
    @api.model
    def _notified(self, provider, field, values):
        """The calendars whose channel ``field`` is one of ``values`` (well-formed ids only:
        the rest is untrusted input naming nothing, never queried)."""
        values = [v for v in values if isinstance(v, str) and WELL_FORMED_ID.fullmatch(v)]
        if not values:
            return self.sudo().browse()
        return self.sudo().search([(field, "in", values), ("provider", "=", provider)])

    def _channel_token_matches(self, token):
        secret = self._secret()
        token = token if isinstance(token, str) else ""
        return hmac.compare_digest(token.encode(), secret.encode()) and bool(secret)

    def _enqueue_notified(self, kind):
        """What a notification of the calendar's channel asks for, as its user."""
        calendar = self.with_user(self.user_id.id or SUPERUSER_ID).sudo()
        if kind == "pull":
            calendar._enqueue_pull()
        elif kind in ("renew", "recreate"):
            calendar._enqueue_watch(removed=kind == "recreate")

    # -- crons (called by the account's) ---------------------------------------------------
    @api.model
    def _cron_renew_channels(self):
        """Channels of import and busy calendars ending within a day, or missing."""
        limit = fields.Datetime.now() + RENEW_BEFORE
        self.sudo().search(
            [
                ("mode", "in", PULLED_MODES),
                ("account_id.state", "=", "connected"),
                ("provider", "in", list(WATCHED)),
                "|",
                ("channel_expiration", "=", False),
                ("channel_expiration", "<", limit),
            ]
        )._enqueue_watch()

    @api.model
    def _cron_pull_quiet(self):
        """Import and busy calendars not pulled lately (a notification pulls them)."""
        limit = fields.Datetime.now() - QUIET_AFTER
        self.sudo().search(
            [
                ("mode", "in", PULLED_MODES),
                ("account_id.state", "=", "connected"),
                "|",
                ("last_pull_at", "=", False),
                ("last_pull_at", "<", limit),
            ]
        )._enqueue_pull()
