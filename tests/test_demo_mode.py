"""`make run`'s demo mode is configuration only: it points a database at the emulator unless
an admin configured a real OAuth client."""

from odoo.tests import TransactionCase, tagged

from ..tools import emulator_settings

ARGS = ("http://127.0.0.1:1", "https://127.0.0.1:2", "/tmp/ca.pem", "http://127.0.0.1:3")


@tagged("post_install", "-at_install")
class TestDemoMode(TransactionCase):
    def test_fresh_database_gets_the_emulator_and_demo_clients(self):
        params = self.env["ir.config_parameter"].sudo()
        params.search([("key", "like", "calendar_cloud_sync.%_client_id")]).unlink()
        self.assertTrue(emulator_settings.configure_demo_unless_configured(self.env, *ARGS))
        self.assertEqual(
            params.get_param("calendar_cloud_sync.google_api_uri"), "http://127.0.0.1:1/google"
        )
        self.assertEqual(
            params.get_param("calendar_cloud_sync.microsoft_login_uri"),
            "https://127.0.0.1:2/microsoft/login",
        )
        creds = self.env["res.config.settings"]._get_credentials("microsoft")
        self.assertEqual(creds["client_secret"], emulator_settings.microsoft.DEMO_CLIENT_SECRET)
        self.assertEqual(creds["tenant"], emulator_settings.microsoft.DEMO_TENANT)

    def test_real_credentials_are_left_alone(self):
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("calendar_cloud_sync.google_client_id", "real.apps.googleusercontent.com")
        params.set_param("calendar_cloud_sync.google_api_uri", "https://www.googleapis.com")
        self.assertFalse(emulator_settings.configure_demo_unless_configured(self.env, *ARGS))
        self.assertEqual(
            params.get_param("calendar_cloud_sync.google_api_uri"), "https://www.googleapis.com"
        )
        self.assertEqual(
            params.get_param("calendar_cloud_sync.google_client_id"),
            "real.apps.googleusercontent.com",
        )
