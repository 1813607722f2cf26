from psycopg2 import IntegrityError

from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger


@tagged("post_install", "-at_install")
class TestEventSyncState(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Account = cls.env["calendar.sync.account"]
        cls.accounts = Account
        for login in ("ccs_state_a", "ccs_state_b"):
            user = new_test_user(cls.env, login, groups="base.group_user")
            for provider in ("google", "microsoft"):
                cls.accounts |= Account.create({"user_id": user.id, "provider": provider})
        cls.event = cls.env["calendar.event"].create(
            {"name": "Review", "start": "2030-03-04 10:00:00", "stop": "2030-03-04 11:00:00"}
        )

    def bind(self, account, state):
        return self.env["calendar.sync.binding"].create(
            {"account_id": account.id, "event_id": self.event.id, "state": state}
        )

    def test_state_is_the_worst_of_the_bindings(self):
        self.assertFalse(self.event.cloud_sync_state)
        first = self.bind(self.accounts[0], "synced")
        self.assertEqual(self.event.cloud_sync_state, "synced")
        self.bind(self.accounts[1], "pending")
        self.assertEqual(self.event.cloud_sync_state, "pending")
        self.bind(self.accounts[2], "conflict")
        self.assertEqual(self.event.cloud_sync_state, "conflict")
        failing = self.bind(self.accounts[3], "error")
        self.assertEqual(self.event.cloud_sync_state, "error")
        failing.state = "synced"
        self.assertEqual(self.event.cloud_sync_state, "conflict")
        (self.event.cloud_sync_binding_ids - first).unlink()
        self.assertEqual(self.event.cloud_sync_state, "synced")
        first.event_id = False
        self.assertFalse(self.event.cloud_sync_state)

    def test_state_is_stored_for_list_filters(self):
        self.bind(self.accounts[0], "error")
        found = self.env["calendar.event"].search([("cloud_sync_state", "=", "error")])
        self.assertEqual(found, self.event)

    def test_deleted_event_leaves_a_binding_to_delete_remotely(self):
        binding = self.bind(self.accounts[0], "synced")
        binding.external_id = "evt-pushed"
        never_pushed = self.bind(self.accounts[1], "pending")
        self.event.unlink()
        self.assertTrue(binding.exists())
        self.assertFalse(binding.event_id)
        self.assertEqual(binding.state, "pending")
        self.assertFalse(never_pushed.exists(), "nothing to delete remotely")

    def test_one_binding_per_event_and_per_external_id(self):
        binding = self.bind(self.accounts[0], "synced")
        binding.external_id = "evt-1"
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.cr.savepoint():
            self.bind(self.accounts[0], "pending")
        other = self.env["calendar.event"].create(
            {"name": "Other", "start": "2030-03-05 10:00:00", "stop": "2030-03-05 11:00:00"}
        )
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.cr.savepoint():
            self.env["calendar.sync.binding"].create(
                {"account_id": self.accounts[0].id, "event_id": other.id, "external_id": "evt-1"}
            )
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.cr.savepoint():
            self.env["calendar.sync.account"].create(
                {"user_id": self.accounts[0].user_id.id, "provider": "google"}
            )
