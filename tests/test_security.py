from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import TransactionCase, new_test_user, tagged

from odoo.addons.calendar_cloud_sync.lib.secrets import get_cipher

SECRETS = ("token_data", "channel_secret", "auth_flow_data")


@tagged("post_install", "-at_install")
class TestRecordRules(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alice = new_test_user(cls.env, "ccs_alice", groups="base.group_user")
        cls.bob = new_test_user(cls.env, "ccs_bob", groups="base.group_user")
        Account = cls.env["calendar.sync.account"]
        cls.alice_account = Account.create({"user_id": cls.alice.id, "provider": "google"})
        cls.bob_account = Account.create({"user_id": cls.bob.id, "provider": "google"})
        cls.event = cls.env["calendar.event"].create(
            {"name": "Standup", "start": "2030-01-07 09:00:00", "stop": "2030-01-07 09:15:00"}
        )
        cls.bob_binding = cls.env["calendar.sync.binding"].create(
            {"account_id": cls.bob_account.id, "event_id": cls.event.id, "external_id": "b1"}
        )
        cls.bob_log = cls.env["calendar.sync.log"]._log(cls.bob_account, "pull", "list", "success")
        cls.bob_conflict = cls.env["calendar.sync.conflict"].create(
            {
                "account_id": cls.bob_account.id,
                "event_id": cls.event.id,
                "line_ids": [Command.create({"field_name": "name", "odoo_value": "a"})],
            }
        )

    def test_user_sees_only_own_records(self):
        as_alice = self.env(user=self.alice)
        self.assertEqual(
            as_alice["calendar.sync.account"].search([]), self.alice_account.with_env(as_alice)
        )
        for model in (
            "calendar.sync.binding",
            "calendar.sync.log",
            "calendar.sync.conflict",
            "calendar.sync.conflict.line",
        ):
            self.assertFalse(as_alice[model].search([]), model)

    def test_user_cannot_read_other_users_records(self):
        for record in (self.bob_account, self.bob_binding, self.bob_log, self.bob_conflict):
            with self.subTest(model=record._name), self.assertRaises(AccessError):
                record.with_user(self.alice).read(["create_date"])

    def test_user_changes_direction_but_not_engine_fields(self):
        mine = self.alice_account.with_user(self.alice)
        mine.write({"direction": "remote_to_odoo", "remote_calendar_name": "Work"})
        self.assertEqual(self.alice_account.direction, "remote_to_odoo")
        with self.assertRaises(AccessError):
            mine.write({"state": "connected"})
        with self.assertRaises(AccessError):
            mine.write({"user_id": self.bob.id})
        with self.assertRaises(AccessError):
            self.bob_account.with_user(self.alice).write({"direction": "odoo_to_remote"})
        with self.assertRaises(AccessError):
            self.env["calendar.sync.account"].with_user(self.alice).create(
                {"provider": "microsoft"}
            )

    def test_admin_sees_every_account(self):
        admin = self.env.ref("base.user_admin")
        found = self.env["calendar.sync.account"].with_user(admin).search([])
        self.assertIn(self.alice_account, found)
        self.assertIn(self.bob_account, found)


@tagged("post_install", "-at_install")
class TestTokenVault(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.env.ref("base.user_admin")
        cls.user = new_test_user(cls.env, "ccs_vault_user", groups="base.group_user")
        cls.account = cls.env["calendar.sync.account"].create(
            {"user_id": cls.user.id, "provider": "microsoft"}
        )
        cls.account._set_secret("token_data", {"refresh_token": "rt-plain-0001"})
        cls.account._set_secret("channel_secret", "client-state-0001")
        cls.account._set_secret("auth_flow_data", {"code_verifier": "verifier-0001"})

    def test_admin_cannot_read_token_fields(self):
        as_admin = self.account.with_user(self.admin)
        for field in SECRETS:
            with self.subTest(field=field), self.assertRaises(AccessError):
                as_admin.read([field])
            with self.subTest(field=field), self.assertRaises(AccessError):
                as_admin.web_read({field: {}})
        self.assertTrue(as_admin.read(["state"]))

    def test_token_fields_hidden_from_admin_field_lists(self):
        Account = self.env["calendar.sync.account"].with_user(self.admin)
        self.assertFalse(set(SECRETS) & set(Account.fields_get()))
        rows = Account.search_read([("id", "=", self.account.id)])
        self.assertTrue(rows)
        self.assertFalse(set(SECRETS) & set(rows[0]))
        exported = Account.browse(self.account.id).export_data(["id", "state"])["datas"]
        self.assertNotIn("rt-plain-0001", repr(exported))

    def test_owner_cannot_read_own_tokens(self):
        with self.assertRaises(AccessError):
            self.account.with_user(self.user).read(["token_data"])

    def test_tokens_are_encrypted_at_rest(self):
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT token_data, channel_secret, auth_flow_data FROM calendar_sync_account"
            " WHERE id = %s",
            [self.account.id],
        )
        token_data, channel_secret, auth_flow_data = self.env.cr.fetchone()
        for raw, plain in (
            (token_data, "rt-plain-0001"),
            (channel_secret, "client-state-0001"),
            (auth_flow_data, "verifier-0001"),
        ):
            self.assertTrue(raw)
            self.assertNotIn(plain, raw)
        self.assertEqual(get_cipher().decrypt_json(token_data), {"refresh_token": "rt-plain-0001"})
        self.assertEqual(self.account._get_secret("token_data"), {"refresh_token": "rt-plain-0001"})
        self.assertEqual(self.account._get_secret("channel_secret"), "client-state-0001")

    def test_clearing_a_secret(self):
        self.account._set_secret("channel_secret", None)
        self.assertIsNone(self.account._get_secret("channel_secret"))
        with self.assertRaises(ValueError):
            self.account._get_secret("state")

    def test_nobody_can_join_the_vault(self):
        vault = self.env.ref("calendar_cloud_sync.group_token_vault")
        self.assertFalse(vault.users)
        with self.assertRaises(ValidationError):
            self.admin.write({"groups_id": [Command.link(vault.id)]})
        with self.assertRaises(ValidationError):
            vault.write({"users": [Command.link(self.user.id)]})
        with self.assertRaises(ValidationError):
            self.env.ref("base.group_system").write({"implied_ids": [Command.link(vault.id)]})
