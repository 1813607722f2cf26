from odoo.tests import HttpCase, JsonRpcException, new_test_user, tagged
from odoo.tools import mute_logger


@tagged("post_install", "-at_install")
class TestTokenFieldsOverRpc(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        user = new_test_user(cls.env, "ccs_rpc_user", groups="base.group_user")
        cls.account = cls.env["calendar.sync.account"].create(
            {"user_id": user.id, "provider": "google", "remote_email": "rpc@example.com"}
        )
        cls.account._set_secret("token_data", {"refresh_token": "rt-rpc-plain"})

    def call_kw(self, method, args, kwargs=None):
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {
                "model": "calendar.sync.account",
                "method": method,
                "args": args,
                "kwargs": kwargs or {},
            },
        )

    def test_admin_json_rpc_read_of_tokens_is_refused(self):
        self.authenticate("admin", "admin")
        rows = self.call_kw("read", [[self.account.id], ["remote_email"]])
        self.assertEqual(rows[0]["remote_email"], "rpc@example.com")
        for method, args, kwargs in (
            ("read", [[self.account.id], ["token_data"]], {}),
            ("web_read", [[self.account.id]], {"specification": {"token_data": {}}}),
            ("export_data", [[self.account.id], ["token_data"]], {}),
            (
                "web_search_read",
                [],
                {"domain": [], "specification": {"channel_secret": {}}},
            ),
        ):
            with (
                self.subTest(method=method),
                mute_logger("odoo.http"),
                self.assertRaises(JsonRpcException) as caught,
            ):
                self.call_kw(method, args, kwargs)
            self.assertEqual(str(caught.exception), "odoo.exceptions.AccessError")

    def test_admin_json_rpc_search_read_leaves_tokens_out(self):
        self.authenticate("admin", "admin")
        rows = self.call_kw("search_read", [[("id", "=", self.account.id)]])
        self.assertEqual(len(rows), 1)
        self.assertNotIn("token_data", rows[0])
        self.assertNotIn("rt-rpc-plain", repr(rows))
