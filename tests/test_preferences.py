from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged

from .common import JobRunnerMixin

ACCOUNT_SPEC = {
    "provider": {},
    "state": {},
    "remote_email": {},
    "remote_calendar_name": {},
    "direction": {},
    "last_pull_at": {},
    "last_push_at": {},
}


@tagged("post_install", "-at_install")
class TestPreferences(JobRunnerMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = new_test_user(cls.env, "ccs_pref_user", groups="base.group_user")
        cls.other = new_test_user(cls.env, "ccs_pref_other", groups="base.group_user")
        Account = cls.env["calendar.sync.account"]
        cls.account = Account.create(
            {
                "user_id": cls.user.id,
                "provider": "google",
                "state": "connected",
                "remote_email": "pref@example.com",
                "remote_calendar_name": "Work",
            }
        )
        cls.account._set_secret("token_data", {"refresh_token": "rt-pref"})
        Account.create({"user_id": cls.other.id, "provider": "google"})

    def test_preferences_form_renders_for_a_plain_user(self):
        view = self.env.ref("base.view_users_form_simple_modif")
        Users = self.env["res.users"].with_user(self.user)
        arch = Users.get_views([(view.id, "form")])["views"]["form"]["arch"]
        for name in (
            'name="cloud_sync_account_ids"',
            'name="action_cloud_sync_connect_google"',
            'name="action_cloud_sync_connect_microsoft"',
            'name="action_disconnect"',
        ):
            self.assertIn(name, arch)
        data = Users.browse(self.user.id).web_read(
            {"name": {}, "cloud_sync_account_ids": {"fields": ACCOUNT_SPEC}}
        )[0]
        self.assertEqual(
            data["cloud_sync_account_ids"],
            [
                {
                    "id": self.account.id,
                    "provider": "google",
                    "state": "connected",
                    "remote_email": "pref@example.com",
                    "remote_calendar_name": "Work",
                    "direction": "both",
                    "last_pull_at": False,
                    "last_push_at": False,
                }
            ],
        )

    def test_connect_buttons_start_oauth_for_oneself_only(self):
        me = self.env["res.users"].with_user(self.user).browse(self.user.id)
        self.assertEqual(
            me.action_cloud_sync_connect_google(),
            {
                "type": "ir.actions.act_url",
                "url": "/calendar_cloud_sync/google/connect",
                "target": "self",
            },
        )
        self.assertEqual(
            me.action_cloud_sync_connect_microsoft()["url"],
            "/calendar_cloud_sync/microsoft/connect",
        )
        with self.assertRaises(AccessError):
            self.other.with_user(self.user).action_cloud_sync_connect_google()

    def test_disconnect_forgets_tokens(self):
        self.account.channel_id = "chan-pref"
        self.account.with_user(self.user).action_disconnect()
        self.assertEqual(self.account.state, "disconnected")
        self.assertFalse(self.account.channel_id)
        log = self.env["calendar.sync.log"].search([("account_id", "=", self.account.id)])
        self.assertEqual(log.mapped("operation"), ["disconnect"])
        self.assertEqual(log.user_id, self.user)
        # the token is kept until the disconnect job has revoked it with the provider
        self.assertTrue(self.account._get_secret("token_data"))
        self.run_jobs()
        self.assertIsNone(self.account._get_secret("token_data"))

    def test_cannot_disconnect_someone_else(self):
        theirs = self.env["calendar.sync.account"].search([("user_id", "=", self.other.id)])
        with self.assertRaises(AccessError):
            theirs.with_user(self.user).action_disconnect()
