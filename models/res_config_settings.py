from odoo import _, api, fields, models
from odoo.exceptions import AccessError

from ..lib.native_sync import native_warnings
from ..lib.params import DEFAULTS, PREFIX, webhook_warning
from ..lib.secrets import decrypt_secret, encrypt_secret

GOOGLE_SECRET_PARAM = PREFIX + "google_client_secret"
MICROSOFT_SECRET_PARAM = PREFIX + "microsoft_client_secret"
# Settings field -> parameter of a secret that is write-only in the form.
SECRET_PARAMS = {
    "ccs_google_client_secret": GOOGLE_SECRET_PARAM,
    "ccs_microsoft_client_secret": MICROSOFT_SECRET_PARAM,
}


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    ccs_google_client_id = fields.Char(
        "Google Client ID", config_parameter=PREFIX + "google_client_id"
    )
    ccs_google_client_secret = fields.Char(
        "Google Client Secret", help="Write-only: type a new secret to replace the stored one."
    )
    ccs_google_client_secret_set = fields.Boolean("Google Secret Stored", readonly=True)
    ccs_microsoft_client_id = fields.Char(
        "Microsoft Client ID", config_parameter=PREFIX + "microsoft_client_id"
    )
    ccs_microsoft_client_secret = fields.Char(
        "Microsoft Client Secret",
        help="Write-only: type a new secret to replace the stored one.",
    )
    ccs_microsoft_client_secret_set = fields.Boolean("Microsoft Secret Stored", readonly=True)
    ccs_microsoft_tenant = fields.Char(
        "Microsoft Tenant",
        config_parameter=PREFIX + "microsoft_tenant",
        default=DEFAULTS["microsoft_tenant"],
        help="'common', 'organizations', or a directory (tenant) ID or domain.",
    )
    ccs_google_invitations = fields.Selection(
        related="company_id.ccs_google_invitations", readonly=False
    )
    ccs_webhook_base_url = fields.Char(
        "Webhook Base URL",
        config_parameter=PREFIX + "webhook_base_url",
        help="Public HTTPS address providers send notifications to; empty uses web.base.url.",
    )
    ccs_sync_window_past_days = fields.Integer(
        "Days in the Past",
        config_parameter=PREFIX + "sync_window_past_days",
        default=int(DEFAULTS["sync_window_past_days"]),
    )
    ccs_sync_window_future_days = fields.Integer(
        "Days in the Future",
        config_parameter=PREFIX + "sync_window_future_days",
        default=int(DEFAULTS["sync_window_future_days"]),
    )
    ccs_create_unknown_partners = fields.Boolean(
        "Create Contacts for Unknown Attendees",
        config_parameter=PREFIX + "create_unknown_partners",
    )
    ccs_log_retention_days = fields.Integer(
        "Keep Sync Log (days)",
        config_parameter=PREFIX + "log_retention_days",
        default=int(DEFAULTS["log_retention_days"]),
    )
    ccs_ca_bundle = fields.Char(
        "CA Bundle",
        config_parameter=PREFIX + "ca_bundle",
        help="Path of a PEM file of trusted certificate authorities; empty uses the system's.",
    )
    ccs_google_auth_uri = fields.Char(
        "Google Authorization URI",
        config_parameter=PREFIX + "google_auth_uri",
        default=DEFAULTS["google_auth_uri"],
    )
    ccs_google_token_uri = fields.Char(
        "Google Token URI",
        config_parameter=PREFIX + "google_token_uri",
        default=DEFAULTS["google_token_uri"],
    )
    ccs_google_api_uri = fields.Char(
        "Google API URI",
        config_parameter=PREFIX + "google_api_uri",
        default=DEFAULTS["google_api_uri"],
    )
    ccs_microsoft_login_uri = fields.Char(
        "Microsoft Login URI",
        config_parameter=PREFIX + "microsoft_login_uri",
        default=DEFAULTS["microsoft_login_uri"],
    )
    ccs_microsoft_graph_uri = fields.Char(
        "Microsoft Graph URI",
        config_parameter=PREFIX + "microsoft_graph_uri",
        default=DEFAULTS["microsoft_graph_uri"],
    )

    @api.model_create_multi
    def create(self, vals_list):
        # the form's record lives in res_config_settings until vacuumed: never in clear there
        return super().create([self._ccs_encrypt_secret_vals(vals) for vals in vals_list])

    def write(self, vals):
        return super().write(self._ccs_encrypt_secret_vals(vals))

    @api.model
    def _ccs_encrypt_secret_vals(self, vals):
        if not any(vals.get(name) for name in SECRET_PARAMS):
            return vals
        return {
            **vals,
            **{name: encrypt_secret(vals[name]) for name in SECRET_PARAMS if vals.get(name)},
        }

    @api.model
    def _ccs_check_settings_admin(self):
        """Settings are read and changed by settings administrators only: every public method
        of this model is callable over RPC by any logged-in user, portal included."""
        if not self.env.is_system():
            raise AccessError(
                _("Only administrators can read or change the Calendar Cloud Sync settings.")
            )

    @api.model
    def default_get(self, fields_list):
        if any(name.startswith("ccs_") for name in fields_list or ()):
            self._ccs_check_settings_admin()
        return super().default_get(fields_list)

    ccs_google_redirect_uri = fields.Char(
        "Google Redirect URI", compute="_compute_ccs_redirect_uris"
    )
    ccs_microsoft_redirect_uri = fields.Char(
        "Microsoft Redirect URI", compute="_compute_ccs_redirect_uris"
    )
    ccs_webhook_warning = fields.Char("Webhook Warning", compute="_compute_ccs_webhook_warning")

    @api.depends("company_id")
    def _compute_ccs_redirect_uris(self):
        Account = self.env["calendar.sync.account"]
        for settings in self:
            settings.ccs_google_redirect_uri = Account._redirect_uri("google")
            settings.ccs_microsoft_redirect_uri = Account._redirect_uri("microsoft")

    @api.depends("ccs_webhook_base_url")
    def _compute_ccs_webhook_warning(self):
        for settings in self:
            settings.ccs_webhook_warning = webhook_warning(
                self.env, settings.ccs_webhook_base_url or None
            )

    def action_ccs_test_google(self):
        return self._ccs_test_connection("google")

    def action_ccs_test_microsoft(self):
        return self._ccs_test_connection("microsoft")

    def _ccs_test_connection(self, provider):
        """The client id and secret as typed here (else as stored), checked at the provider."""
        self._ccs_check_settings_admin()
        self.ensure_one()
        typed = {
            "client_id": self[f"ccs_{provider}_client_id"],
            "client_secret": self[f"ccs_{provider}_client_secret"],
            "tenant": self.ccs_microsoft_tenant if provider == "microsoft" else None,
        }
        ok, message = self.env["calendar.sync.account"]._check_client(
            provider, **{k: v.strip() for k, v in typed.items() if v and v.strip()}
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"type": "success" if ok else "danger", "message": message},
        }

    @api.model
    def get_values(self):
        res = super().get_values()
        if not self.env.is_system():
            # default_get of other modules' settings reaches here too: answer nothing of ours
            return res
        params = self.env["ir.config_parameter"].sudo()
        for name, key in SECRET_PARAMS.items():
            res[f"{name}_set"] = bool(params.get_param(key))
        return res

    def set_values(self):
        # an empty recordset over RPC would otherwise write every setting as empty
        self._ccs_check_settings_admin()
        res = super().set_values()
        params = self.env["ir.config_parameter"].sudo()
        for name, key in SECRET_PARAMS.items():
            # An empty field means "keep the stored secret": the form never shows it.
            if self[name] and self[name].strip():
                params.set_param(key, encrypt_secret(self[name]))
        return res

    def action_ccs_clear_google_secret(self):
        self._ccs_check_settings_admin()
        self.env["ir.config_parameter"].sudo().set_param(GOOGLE_SECRET_PARAM, False)
        return {"type": "ir.actions.client", "tag": "reload"}

    def action_ccs_clear_microsoft_secret(self):
        self._ccs_check_settings_admin()
        self.env["ir.config_parameter"].sudo().set_param(MICROSOFT_SECRET_PARAM, False)
        return {"type": "ir.actions.client", "tag": "reload"}

    @api.model
    def _get_credentials(self, provider, company=None):
        """The OAuth client to use for ``company``: its own client id and secret when it has a
        client id, else the global ones; Microsoft's tenant likewise (default ``common``)."""
        if provider not in ("google", "microsoft"):
            raise ValueError(f"unknown provider {provider!r}")
        params = self.env["ir.config_parameter"].sudo()
        company = (company or self.env.company).sudo()
        own_id = company[f"ccs_{provider}_client_id"]
        if own_id:
            creds = {
                "client_id": own_id.strip(),
                "client_secret": decrypt_secret(company[f"ccs_{provider}_client_secret"]),
            }
        else:
            creds = {
                "client_id": (params.get_param(f"{PREFIX}{provider}_client_id") or "").strip(),
                "client_secret": decrypt_secret(
                    params.get_param(f"{PREFIX}{provider}_client_secret")
                ),
            }
        if provider == "microsoft":
            creds["tenant"] = (
                company.ccs_microsoft_tenant
                or params.get_param(PREFIX + "microsoft_tenant")
                or DEFAULTS["microsoft_tenant"]
            ).strip()
        return creds

    ccs_native_warning = fields.Text(compute="_compute_ccs_native_warning")

    @api.depends("company_id")  # computed for the new record the Settings form opens
    def _compute_ccs_native_warning(self):
        for settings in self:
            settings.ccs_native_warning = native_warnings(self.env) or False

    def action_ccs_open_takeover(self):
        self._ccs_check_settings_admin()
        return self.env["ir.actions.act_window"]._for_xml_id(
            "calendar_cloud_sync.calendar_sync_takeover_action"
        )
