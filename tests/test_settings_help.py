"""Settings tell an admin what to register and what does not work yet: the redirect URIs, a
webhook address providers cannot reach, whether the OAuth client is right, and that Odoo's own
Google / Outlook sync is the competing one."""

from odoo.tests import HttpCase, TransactionCase, tagged

from .common import EmulatorMixin, odoo_base_url


@tagged("post_install", "-at_install")
class TestSettingsHelp(EmulatorMixin, TransactionCase):
    def settings(self, **values):
        return self.env["res.config.settings"].create(values)

    def test_redirect_uris_to_register(self):
        settings = self.settings()
        base = odoo_base_url()
        self.assertEqual(
            settings.ccs_google_redirect_uri, f"{base}/calendar_cloud_sync/google/callback"
        )
        self.assertEqual(
            settings.ccs_microsoft_redirect_uri, f"{base}/calendar_cloud_sync/microsoft/callback"
        )

    def test_webhook_address_providers_cannot_reach_is_told(self):
        for url in ("http://odoo.example.com", "https://127.0.0.1:8069", "https://odoo.local"):
            warning = self.settings(ccs_webhook_base_url=url).ccs_webhook_warning
            self.assertIn("polling", warning, url)
        self.assertFalse(
            self.settings(ccs_webhook_base_url="https://odoo.example.com").ccs_webhook_warning
        )
        account = self.env["calendar.sync.account"].create(
            {"user_id": self.env.uid, "provider": "google"}
        )
        self.env["ir.config_parameter"].set_param(
            "calendar_cloud_sync.webhook_base_url", "http://127.0.0.1:8069"
        )
        self.assertIn("polling", account.ccs_webhook_warning)

    def test_test_connection_reports_in_words(self):
        notice = self.settings().action_ccs_test_google()
        self.assertEqual(notice["params"]["type"], "success")
        self.assertIn("accepted", notice["params"]["message"])
        notice = self.settings(ccs_microsoft_client_secret="wrong").action_ccs_test_microsoft()
        self.assertEqual(notice["params"]["type"], "danger")
        self.assertIn("refused", notice["params"]["message"])


@tagged("post_install", "-at_install")
class TestSettingsHelpTour(EmulatorMixin, HttpCase):
    def test_admin_reads_what_to_register_and_tests_the_client(self):
        self.start_tour(
            "/odoo/action-calendar.calendar_settings_action",
            "calendar_cloud_sync_settings_help",
            login="admin",
        )
