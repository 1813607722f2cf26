"""Connecting an account: OAuth with PKCE and an HMAC-signed, expiring, user-bound state."""

import hashlib
import hmac
import logging
import secrets
import time

from odoo import _, api, models
from odoo.exceptions import UserError
from odoo.tools.sql import escape_psql

from ..lib.params import get_param
from ..services.connection import ProviderSettings
from ..services.exceptions import SyncError
from ..services.factory import connector_for
from ..services.oauth_state import sign_state, verify_state
from .calendar_sync_calendar import SWITCHING

_logger = logging.getLogger(__name__)

PROVIDER_LABELS = {"google": "Google", "microsoft": "Microsoft"}
STATE_TTL = 900
# connection attempts kept at once per account (tabs left open): the oldest is dropped
MAX_PENDING_FLOWS = 5


class CalendarSyncAccount(models.Model):
    _inherit = "calendar.sync.account"

    @api.model
    def _connector(self, provider, company=None, creds=None):
        """The provider's connector with the effective credentials (or ``creds``) and
        endpoints."""
        creds = creds or self.env["res.config.settings"]._get_credentials(provider, company)
        if not creds.get("client_id") or not creds.get("client_secret"):
            raise UserError(
                _(
                    "%(provider)s sync is not configured yet: an administrator must enter the "
                    "OAuth client ID and secret in Settings > Calendar Cloud Sync.",
                    provider=PROVIDER_LABELS[provider],
                )
            )
        settings = ProviderSettings(
            client_id=creds["client_id"],
            client_secret=creds["client_secret"],
            tenant=creds.get("tenant") or "common",
            auth_uri=get_param(self.env, "google_auth_uri"),
            token_uri=get_param(self.env, "google_token_uri"),
            api_uri=get_param(self.env, "google_api_uri"),
            login_uri=get_param(self.env, "microsoft_login_uri"),
            graph_uri=get_param(self.env, "microsoft_graph_uri"),
            verify=get_param(self.env, "ca_bundle") or True,
        )
        return connector_for(provider, settings)

    @api.model
    def _check_client(self, provider, client_id=None, client_secret=None, tenant=None):
        """(ok, sentence): whether the provider's token endpoint accepts the OAuth client,
        the stored one unless another id, secret or tenant is given."""
        label = PROVIDER_LABELS[provider]
        creds = self.env["res.config.settings"]._get_credentials(provider)
        creds.update(
            {
                k: v
                for k, v in (
                    ("client_id", client_id),
                    ("client_secret", client_secret),
                    ("tenant", tenant),
                )
                if v
            }
        )
        if not creds.get("client_id") or not creds.get("client_secret"):
            return False, _("Enter the %(provider)s client ID and secret first.", provider=label)
        try:
            accepted = self._connector(provider, creds=creds).check_client()
        except SyncError as exc:
            return False, _(
                "%(provider)s could not be asked: %(error)s", provider=label, error=str(exc)
            )
        if accepted:
            return True, _(
                "%(provider)s accepted this client ID and secret: users can connect.",
                provider=label,
            )
        return False, _(
            "%(provider)s refused this client ID and secret: copy them again from the "
            "provider's console (a secret may also have expired).",
            provider=label,
        )

    @api.model
    def _redirect_uri(self, provider):
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url", "").rstrip("/")
        return f"{base}/calendar_cloud_sync/{provider}/callback"

    @api.model
    def _state_key(self):
        # a key of its own, derived from the database secret, for nothing but this state
        secret = self.env["ir.config_parameter"].sudo().get_param("database.secret")
        return hmac.new(
            secret.encode(), b"calendar_cloud_sync.oauth_state", hashlib.sha256
        ).digest()

    @api.model
    def _begin_connect(self, provider):
        """Consent URL for the current user. Each attempt (two Connect clicks, two tabs) keeps
        its own PKCE verifier / msal flow, encrypted, under an id its signed state carries."""
        self._check_native_off(provider)
        user = self.env.user
        account = self.sudo().search([("user_id", "=", user.id), ("provider", "=", provider)])
        if not account:
            account = self.sudo().create({"user_id": user.id, "provider": provider})
        connector = self._connector(provider, user.company_id)
        flow_id = secrets.token_urlsafe(12)
        state = sign_state(
            self._state_key(),
            {"uid": user.id, "provider": provider, "aid": account.id, "fid": flow_id},
            ttl=STATE_TTL,
        )
        url, flow = connector.begin(
            self._redirect_uri(provider), state, login_hint=user.email or None
        )
        flows = account._pending_flows()
        flows[flow_id] = {"flow": flow, "exp": int(time.time()) + STATE_TTL}
        # the newest attempts only: an abandoned one expires with its state anyway
        kept = sorted(flows.items(), key=lambda item: item[1]["exp"])[-MAX_PENDING_FLOWS:]
        account._set_secret("auth_flow_data", {"flows": dict(kept)})
        return url

    def _pending_flows(self):
        """{flow id: {"flow", "exp"}} of the connection attempts not redeemed nor expired."""
        stored = self._get_secret("auth_flow_data")
        flows = stored.get("flows") if isinstance(stored, dict) else None
        now = time.time()
        return {fid: f for fid, f in (flows or {}).items() if f.get("exp", 0) > now}

    def _take_flow(self, flow_id):
        """The flow of one attempt, forgotten as it is taken (a callback is redeemed once)."""
        flows = self._pending_flows()
        taken = flows.pop(flow_id, None) if isinstance(flow_id, str) else None
        self._set_secret("auth_flow_data", {"flows": flows} if flows else False)
        return taken and taken["flow"]

    @api.model
    def _finish_connect(self, provider, params):
        """Redeem the callback. Raises ``InvalidState`` for a state that is not this user's
        fresh request; a refusal or a provider failure is recorded on the account."""
        payload = verify_state(
            self._state_key(),
            params.get("state") or "",
            expected={"uid": self.env.uid, "provider": provider},
        )
        account = self.sudo().browse(payload["aid"]).exists()
        flow = account and account._take_flow(payload.get("fid"))
        if not flow:
            raise UserError(_("This connection request was already used. Start again."))
        log = self.env["calendar.sync.log"]
        if params.get("error"):
            account._connect_failed(
                _("The connection was not approved (%(error)s).", error=params["error"])
            )
            log._log(account, "auth", "connect", "failure", error_type=params["error"])
            return account
        connector = self._connector(provider, account.user_id.company_id)
        try:
            connection = connector.finish(flow, params)
            holder = account._other_holder(connection.email)
            if holder:
                # nothing kept, nothing revoked: the grant is also the other user's
                account._connect_failed(
                    _(
                        "This %(provider)s account (%(email)s) is already connected to Odoo by "
                        "%(user)s. One %(provider)s account syncs with one Odoo user, so that "
                        "nobody's events land in a colleague's calendar: connect your own "
                        "account, or ask %(user)s to disconnect it first.",
                        provider=PROVIDER_LABELS[provider],
                        email=connection.email,
                        user=holder.user_id.name,
                    )
                )
                log._log(account, "auth", "connect", "failure", error_type="account_in_use")
                return account
            calendars, token_data = connector.calendars(connection.token_data)
        except SyncError as exc:
            account._connect_failed(str(exc))
            log._log(account, "auth", "connect", "failure", error_type=type(exc).__name__)
            return account
        account._set_secret("token_data", token_data)
        chosen = next((c for c in calendars if c.id == account.remote_calendar_id), None)
        chosen = chosen or next((c for c in calendars if c.is_default), None)
        chosen = chosen or (calendars[0] if calendars else None)
        account.write(
            {
                "state": "connected",
                "remote_email": connection.email,
                "remote_calendar_id": chosen.id if chosen else False,
                "remote_calendar_name": chosen.name if chosen else False,
                "remote_calendar_tz": chosen.timezone if chosen else False,
                "last_error": False,
                "last_error_at": False,
            }
        )
        account._store_calendars(calendars)
        log._log(account, "auth", "connect", "success")
        account._start_sync()
        return account

    @api.model
    def _connect_notice(self):
        """Where the provider's consent sends the user back: a notification of how it went,
        then the calendar, where the first import shows up."""
        account = self.sudo().search(
            [("user_id", "=", self.env.uid)], order="write_date desc, id desc", limit=1
        )
        provider = PROVIDER_LABELS.get(account.provider, "")
        if account.state == "connected":
            if account.last_pull_at:
                message = _(
                    "Connected to %(provider)s as %(email)s — sync running.",
                    provider=provider,
                    email=account.remote_email,
                )
            else:
                message = _(
                    "Connected to %(provider)s as %(email)s — first import running.",
                    provider=provider,
                    email=account.remote_email,
                )
            kind = "success"
        else:
            message = account.last_error or _("The connection did not complete. Start again.")
            kind = "danger"
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": kind,
                "sticky": kind == "danger",
                "message": message,
                "next": self.env["ir.actions.act_window"]._for_xml_id(
                    "calendar.action_calendar_event"
                ),
            },
        }

    def _switch_calendar(self, calendar_id, name, timezone):
        """Sync another of the user's calendars: links to the copies in the old one are
        dropped (those copies stay there), the cursor starts over and the first sync runs."""
        self.ensure_one()
        self.binding_ids.unlink()
        calendars = self.sudo().calendar_ids.with_context(**{SWITCHING: True})
        calendars.filtered(lambda c: c.mode == "two_way" and c.remote_id != calendar_id).write(
            {"mode": "off"}
        )
        calendars.filtered(lambda c: c.remote_id == calendar_id).write({"mode": "two_way"})
        self.write(
            {
                "remote_calendar_id": calendar_id,
                "remote_calendar_name": name,
                "remote_calendar_tz": timezone or False,
                "sync_cursor": False,
                "cursor_window_start": False,
                "cursor_window_end": False,
            }
        )
        self.env["calendar.sync.log"]._log(self, "auth", "switch_calendar", "success")
        if self.state == "connected":
            self._start_sync()

    def _other_holder(self, email):
        """Another Odoo user's account that syncs the same provider account, if any."""
        self.ensure_one()
        if not email:
            return self.browse()
        return self.sudo().search(
            [
                ("provider", "=", self.provider),
                ("remote_email", "=ilike", escape_psql(email)),
                ("user_id", "!=", self.user_id.id),
                ("state", "not in", ("draft", "disconnected")),
            ],
            limit=1,
        )

    def _start_sync(self):
        """First sync after (re)connecting: import the window, send the user's own events
        that the calendar does not have yet, and whatever was kept pending meanwhile."""
        self.ensure_one()
        # events Odoo's own sync already sent are bound to their copies, never sent again
        self._adopt_native_links()
        window = self._window()
        events = (
            self.env["calendar.event"]
            .sudo()
            .search(
                [
                    ("user_id", "=", self.user_id.id),
                    ("start", ">=", window[0]),
                    ("start", "<=", window[1]),
                    ("id", "not in", self.binding_ids.event_id.ids),
                ]
            )
            ._ccs_syncable()
        )
        if self.direction != "remote_to_odoo":
            self._bind_quietly(events)
            self._enqueue_push()
        self._enqueue_pull()
        self._enqueue_watch()
        # the import and busy calendars carry on with their own cursors and channels
        self.calendar_ids.sudo()._enqueue_pull()
        self.calendar_ids.sudo()._enqueue_watch()

    def _bind_quietly(self, events):
        """Bindings for events the user did not just change (a connection, a resync): they
        must mail nobody, so on Outlook, which mails every meeting it receives, meetings
        with guests go without them when the user chose so (Preferences)."""
        self.ensure_one()
        withhold = (
            self.provider == "microsoft"
            and self.user_id.cloud_sync_outlook_existing_meetings == "busy"
        )
        return (
            self.env["calendar.sync.binding"]
            .sudo()
            .create(
                [
                    {
                        "account_id": self.id,
                        "event_id": event.id,
                        "guests_withheld": withhold
                        and bool(event.attendee_ids.partner_id - event.user_id.partner_id),
                    }
                    for event in events
                ]
            )
        )

    def _connect_failed(self, message):
        self.ensure_one()
        self.write(
            {
                "state": "error" if self.state in ("draft", "error") else self.state,
                "last_error": message,
                "last_error_at": self.env.cr.now(),
            }
        )
