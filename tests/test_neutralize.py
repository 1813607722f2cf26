from odoo.modules.neutralize import get_neutralization_queries
from odoo.tests import TransactionCase, new_test_user, tagged

SECRET_KEYS = (
    "calendar_cloud_sync.google_client_secret",
    "calendar_cloud_sync.microsoft_client_secret",
)


@tagged("post_install", "-at_install")
class TestNeutralize(TransactionCase):
    def test_neutralized_database_cannot_sync(self):
        user = new_test_user(self.env, "ccs_neutral", groups="base.group_user")
        Account = self.env["calendar.sync.account"]
        connected = Account.create(
            {
                "user_id": user.id,
                "provider": "google",
                "state": "connected",
                "sync_cursor": "sync-token-1",
                "channel_id": "chan-1",
                "channel_resource_id": "res-1",
                "channel_expiration": "2031-01-01 00:00:00",
            }
        )
        connected._set_secret("token_data", {"refresh_token": "rt"})
        connected._set_secret("channel_secret", "cs")
        connected._set_secret("auth_flow_data", {"verifier": "v"})
        never = Account.create({"user_id": user.id, "provider": "microsoft"})
        settings = self.env["res.config.settings"].create(
            {"ccs_google_client_secret": "g", "ccs_microsoft_client_secret": "m"}
        )
        settings.execute()
        self.env.ref("base.main_company").ccs_google_client_secret = "company-g"
        self.env.flush_all()

        queries = list(get_neutralization_queries(["calendar_cloud_sync"]))
        self.assertEqual(len(queries), 1)
        self.env.cr.execute(queries[0])
        self.env.invalidate_all()

        self.assertEqual(connected.state, "paused")
        self.assertEqual(never.state, "draft")
        for field in (
            "token_data",
            "channel_secret",
            "auth_flow_data",
            "sync_cursor",
            "channel_id",
            "channel_resource_id",
            "channel_expiration",
        ):
            self.assertFalse(connected.sudo()[field], field)
        ICP = self.env["ir.config_parameter"]
        for key in SECRET_KEYS:
            self.assertFalse(ICP.get_param(key), key)
        self.assertFalse(self.env.ref("base.main_company").ccs_google_client_secret)
