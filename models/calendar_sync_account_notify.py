"""Push notifications received (DESIGN.md rule 8): a Google push message or a batch of Graph
change and lifecycle notifications, routed by channel id / subscription id to the account
whose two-way calendar it watches, or to the import or busy calendar it watches
(calendar.sync.calendar, same methods), checked against that channel's own secret token in
constant time, and turned into one coalesced job. The request never writes the account row
(a running job may hold it until it commits), so the pull job records when the notification
came."""

import hmac
import logging
import re

from odoo import SUPERUSER_ID, api, fields, models

_logger = logging.getLogger(__name__)

GOOGLE_CHANGE_STATES = ("exists", "not_exists")
# what a Graph lifecycle notification asks for; other events are acknowledged and ignored
GRAPH_LIFECYCLE = {
    "reauthorizationRequired": "renew",
    "subscriptionRemoved": "recreate",
    "missed": "pull",
}
# what the notified-account lookup reads: enough to check the token and enqueue
NOTIFIED_FIELDS = [
    "name",
    "provider",
    "user_id",
    "state",
    "direction",
    "remote_calendar_id",
    "channel_resource_id",
    "channel_secret",
    "last_pull_at",
]
# a channel id (ours: a UUID) or a Graph subscription id (a GUID); anything else is unknown
# before any query (PostgreSQL refuses a NUL, and a long or odd string names no channel)
WELL_FORMED_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")


class CalendarSyncAccount(models.Model):
    _inherit = "calendar.sync.account"

    @api.model
    def _notified_accounts(self, provider, field, values):
        """The accounts whose channel ``field`` is one of ``values``. One indexed read, no
        write: the answer must not wait for a job that holds a row. Values that are no
        well-formed id are untrusted input naming nothing: never queried."""
        values = [v for v in values if isinstance(v, str) and WELL_FORMED_ID.fullmatch(v)]
        if not values:
            return self.sudo().browse()
        return self.sudo().search_fetch(
            [(field, "in", values), ("provider", "=", provider)], NOTIFIED_FIELDS
        )

    @api.model
    def _notified_targets(self, provider, field, values):
        """[account or calendar] whose channel ``field`` is one of ``values``: the accounts'
        (their two-way calendar), then the import and busy calendars' for the other ids."""
        found = self._notified_accounts(provider, field, values)
        # one query more only for ids no account holds
        rest = set(values) - set(found.mapped(field))
        calendars = self.env["calendar.sync.calendar"]._notified(provider, field, rest)
        return list(found) + list(calendars)

    def _channel_token_matches(self, token):
        """Whether ``token`` is the channel's secret, compared in constant time."""
        secret = self._get_secret("channel_secret") or ""
        token = token if isinstance(token, str) else ""
        return hmac.compare_digest(token.encode(), secret.encode()) and bool(secret)

    def _enqueue_notified(self, kind):
        """Enqueue what a notification asks for; the job runs as the account's user, like
        the jobs the user's own actions start."""
        account = self.with_user(self.user_id.id or SUPERUSER_ID).sudo()
        if kind == "pull" and account._can("pull"):
            # _enqueue_notified_pull: a storm of notifications makes few pulls
            account._enqueue_notified_pull(fields.Datetime.to_string(fields.Datetime.now()))
        elif kind in ("renew", "recreate"):
            account._enqueue_watch(removed=kind == "recreate")

    @api.model
    def _receive_google_notification(self, headers):
        """Check one Google push message and enqueue the pull of the account or calendar its
        channel watches -> HTTP status."""
        channel_id = headers.get("X-Goog-Channel-ID") or ""
        account = self._notified_targets("google", "channel_id", [channel_id])[:1]
        if not account:
            return 404
        account = account[0]
        resource_id = headers.get("X-Goog-Resource-ID") or ""
        # both compared in constant time, and both always compared
        token_ok = account._channel_token_matches(headers.get("X-Goog-Channel-Token"))
        resource_ok = hmac.compare_digest(
            resource_id.encode(), (account.channel_resource_id or "").encode()
        )
        if not (token_ok and resource_ok):
            return 403
        state = headers.get("X-Goog-Resource-State")
        _logger.debug(
            "Google notification for %s %s: %s #%s",
            account._name,
            account.id,
            state,
            headers.get("X-Goog-Message-Number"),
        )
        if state == "sync":
            return 200
        if state not in GOOGLE_CHANGE_STATES:
            return 400
        account._enqueue_notified("pull")
        return 200

    @api.model
    def _receive_microsoft_notifications(self, payload):
        """Check a batch of Graph change or lifecycle notifications (``{"value": [...]}``) and
        enqueue what they ask for -> HTTP status.

        Each item is checked on its own: one naming no known subscription, or with another
        ``clientState``, is ignored. 202 when an item was valid; else 403 when one named a
        known subscription, 404 when none did; 400 when the body is no notification batch."""
        items = payload.get("value") if isinstance(payload, dict) else None
        if not isinstance(items, list) or not items:
            return 400
        items = [
            i for i in items if isinstance(i, dict) and isinstance(i.get("subscriptionId"), str)
        ]
        found = self._notified_targets(
            "microsoft", "channel_resource_id", {i["subscriptionId"] for i in items}
        )
        accounts = {account.channel_resource_id: account for account in found}
        wanted, status = {}, 404
        for item in items:
            account = accounts.get(item["subscriptionId"])
            if not account:
                continue
            if not account._channel_token_matches(item.get("clientState")):
                status = 403 if status == 404 else status
                continue
            status = 202
            event = item.get("lifecycleEvent")
            kind = GRAPH_LIFECYCLE.get(event) if event else "pull"
            _logger.debug(
                "Graph notification for %s %s: %s", account._name, account.id, event or "change"
            )
            if kind:
                wanted.setdefault(account, set()).add(kind)
        for account, kinds in wanted.items():
            # a new subscription makes a renewal pointless
            for kind in sorted(kinds - {"renew"} if "recreate" in kinds else kinds):
                account._enqueue_notified(kind)
        return status
