from odoo.tests import TransactionCase, new_test_user, tagged

from odoo.addons.calendar_cloud_sync.lib import params
from odoo.addons.calendar_cloud_sync.lib.secrets import get_cipher

REAL_ENDPOINTS = {
    "calendar_cloud_sync.google_auth_uri": "https://accounts.google.com/o/oauth2/v2/auth",
    "calendar_cloud_sync.google_token_uri": "https://oauth2.googleapis.com/token",
    "calendar_cloud_sync.google_api_uri": "https://www.googleapis.com",
    "calendar_cloud_sync.microsoft_login_uri": "https://login.microsoftonline.com",
    "calendar_cloud_sync.microsoft_graph_uri": "https://graph.microsoft.com",
}


@tagged("post_install", "-at_install")
class TestSystemParameters(TransactionCase):
    def test_endpoints_default_to_the_real_providers(self):
        ICP = self.env["ir.config_parameter"]
        for key, url in REAL_ENDPOINTS.items():
            self.assertEqual(ICP.get_param(key), url, key)
        self.assertFalse(ICP.get_param("calendar_cloud_sync.webhook_base_url"))
        self.assertEqual(ICP.get_param("calendar_cloud_sync.sync_window_past_days"), "365")
        self.assertEqual(ICP.get_param("calendar_cloud_sync.sync_window_future_days"), "730")
        self.assertEqual(ICP.get_param("calendar_cloud_sync.log_retention_days"), "90")

    def test_empty_webhook_url_means_web_base_url(self):
        ICP = self.env["ir.config_parameter"]
        ICP.set_param("web.base.url", "http://odoo.test:8069/")
        self.assertEqual(params.webhook_base_url(self.env), "http://odoo.test:8069")
        ICP.set_param("calendar_cloud_sync.webhook_base_url", "https://hooks.example.com/")
        self.assertEqual(params.webhook_base_url(self.env), "https://hooks.example.com")

    def test_removed_endpoint_falls_back_to_its_default(self):
        self.env["ir.config_parameter"].set_param("calendar_cloud_sync.google_api_uri", False)
        self.assertEqual(params.get_param(self.env, "google_api_uri"), "https://www.googleapis.com")

    def test_settings_point_endpoints_at_an_emulator(self):
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.ccs_google_api_uri, "https://www.googleapis.com")
        settings.ccs_google_api_uri = "http://127.0.0.1:8555/google"
        settings.execute()
        self.assertEqual(
            params.get_param(self.env, "google_api_uri"), "http://127.0.0.1:8555/google"
        )


@tagged("post_install", "-at_install")
class TestCredentials(TransactionCase):
    def save_settings(self, **vals):
        settings = self.env["res.config.settings"].create(vals)
        settings.execute()
        return settings

    def test_settings_never_return_a_stored_secret(self):
        self.save_settings(ccs_google_client_id="global-id", ccs_google_client_secret="g-plain-1")
        stored = self.env["ir.config_parameter"].get_param(
            "calendar_cloud_sync.google_client_secret"
        )
        self.assertTrue(stored)
        self.assertNotIn("g-plain-1", stored)
        self.assertEqual(get_cipher().decrypt(stored), "g-plain-1")

        Settings = self.env["res.config.settings"]
        defaults = Settings.default_get(list(Settings.fields_get()))
        self.assertNotIn("g-plain-1", repr(defaults))
        self.assertNotIn(stored, repr(defaults))
        self.assertTrue(defaults["ccs_google_client_secret_set"])
        self.assertFalse(defaults["ccs_microsoft_client_secret_set"])
        self.assertEqual(defaults["ccs_google_client_id"], "global-id")

    def test_saving_settings_without_a_secret_keeps_the_stored_one(self):
        self.save_settings(ccs_microsoft_client_id="ms-id", ccs_microsoft_client_secret="m-plain")
        self.save_settings(ccs_microsoft_client_id="ms-id-2")
        creds = self.env["res.config.settings"]._get_credentials("microsoft")
        self.assertEqual(creds["client_id"], "ms-id-2")
        self.assertEqual(creds["client_secret"], "m-plain")
        self.env["res.config.settings"].create({}).action_ccs_clear_microsoft_secret()
        self.assertEqual(
            self.env["res.config.settings"]._get_credentials("microsoft")["client_secret"], ""
        )

    def test_company_override_wins_over_global_credentials(self):
        self.save_settings(
            ccs_google_client_id="global-id",
            ccs_google_client_secret="global-secret",
            ccs_microsoft_client_id="global-ms",
            ccs_microsoft_client_secret="global-ms-secret",
            ccs_microsoft_tenant="contoso.com",
        )
        other = self.env["res.company"].create({"name": "CCS Subsidiary"})
        other.write(
            {
                "ccs_google_client_id": "sub-id",
                "ccs_google_client_secret": "sub-secret",
                "ccs_microsoft_tenant": "fabrikam.com",
            }
        )
        Settings = self.env["res.config.settings"]
        self.assertEqual(
            Settings._get_credentials("google", other),
            {"client_id": "sub-id", "client_secret": "sub-secret"},
        )
        self.assertEqual(
            Settings._get_credentials("google", self.env.ref("base.main_company")),
            {"client_id": "global-id", "client_secret": "global-secret"},
        )
        self.assertEqual(
            Settings._get_credentials("microsoft", other),
            {
                "client_id": "global-ms",
                "client_secret": "global-ms-secret",
                "tenant": "fabrikam.com",
            },
        )
        self.assertEqual(
            Settings._get_credentials("microsoft", self.env.ref("base.main_company"))["tenant"],
            "contoso.com",
        )

    def test_company_secret_is_stored_encrypted_and_read_back_encrypted(self):
        company = self.env.ref("base.main_company")
        company.ccs_microsoft_client_secret = "company-plain"
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT ccs_microsoft_client_secret FROM res_company WHERE id = %s", [company.id]
        )
        raw = self.env.cr.fetchone()[0]
        self.assertNotIn("company-plain", raw)
        admin = self.env.ref("base.user_admin")
        read_back = company.with_user(admin).read(["ccs_microsoft_client_secret"])[0]
        self.assertNotEqual(read_back["ccs_microsoft_client_secret"], "company-plain")
        # A form that sends the value it read back must not encrypt it twice.
        company.with_user(admin).write(read_back)
        company.ccs_microsoft_client_id = "company-ms"
        creds = self.env["res.config.settings"]._get_credentials("microsoft", company)
        self.assertEqual(creds["client_secret"], "company-plain")

    def test_company_credentials_are_for_administrators_only(self):
        company = self.env.ref("base.main_company")
        user = new_test_user(self.env, "ccs_plain_settings", groups="base.group_user")
        fields = company.with_user(user).fields_get()
        self.assertNotIn("ccs_google_client_id", fields)
        self.assertNotIn("ccs_google_client_secret", fields)
