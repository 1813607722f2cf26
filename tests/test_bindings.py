from psycopg2 import IntegrityError

from odoo import SUPERUSER_ID, api
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

    def test_state_is_searchable_for_list_filters(self):
        Event = self.env["calendar.event"]
        unbound = Event.create(
            {"name": "Local", "start": "2030-03-05 10:00:00", "stop": "2030-03-05 11:00:00"}
        )
        mine = [("id", "in", (self.event | unbound).ids)]
        self.bind(self.accounts[0], "synced")
        self.bind(self.accounts[1], "error")
        self.assertEqual(Event.search([*mine, ("cloud_sync_state", "=", "error")]), self.event)
        self.assertFalse(Event.search([*mine, ("cloud_sync_state", "=", "synced")]))
        problems = [("cloud_sync_state", "in", ("conflict", "error"))]
        self.assertEqual(Event.search([*mine, *problems]), self.event)
        self.assertEqual(Event.search([*mine, ("cloud_sync_state", "=", False)]), unbound)
        self.assertEqual(Event.search([*mine, ("cloud_sync_state", "!=", False)]), self.event)
        self.assertEqual(Event.search([*mine, ("cloud_sync_state", "!=", "error")]), unbound)

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


@tagged("post_install", "-at_install")
class TestEventSyncStateConcurrentJobs(TransactionCase):
    """Two push jobs of one event (Google and Microsoft) commit side by side, each in its own
    transaction: whatever order they commit in, the event reads what its bindings say."""

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            user = new_test_user(env, "ccs_state_parallel", groups="base.group_user")
            accounts = env["calendar.sync.account"].create(
                [{"user_id": user.id, "provider": p} for p in ("google", "microsoft")]
            )
            event = env["calendar.event"].create(
                {"name": "Both", "start": "2030-03-06 10:00:00", "stop": "2030-03-06 11:00:00"}
            )
            bindings = env["calendar.sync.binding"].create(
                [{"account_id": a.id, "event_id": event.id, "state": "pending"} for a in accounts]
            )
            self.ids = {"user": user.id, "event": event.id, "bindings": bindings.ids}
        self.addCleanup(self._drop_committed_records)

    def _drop_committed_records(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["calendar.sync.binding"].browse(self.ids["bindings"]).unlink()
            env["calendar.event"].browse(self.ids["event"]).unlink()
            user = env["res.users"].browse(self.ids["user"])
            env["calendar.sync.account"].search([("user_id", "=", user.id)]).unlink()
            partner = user.partner_id
            user.unlink()
            partner.unlink()

    def _job_cursor(self):
        cr = self.registry.cursor()
        cr.execute("SET LOCAL lock_timeout = '5s'")  # a wait here would hang the test
        return cr

    def test_state_is_synced_when_both_jobs_commit_side_by_side(self):
        first, second = self._job_cursor(), self._job_cursor()
        try:
            envs = [api.Environment(cr, SUPERUSER_ID, {}) for cr in (first, second)]
            bindings = [
                env["calendar.sync.binding"].browse(binding_id)
                for env, binding_id in zip(envs, self.ids["bindings"], strict=True)
            ]
            for binding in bindings:
                self.assertEqual(binding.event_id.cloud_sync_state, "pending")
            for binding in bindings:
                binding.state = "synced"
                binding.env.flush_all()
            first.commit()
            second.commit()
        finally:
            first.close()
            second.close()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            event = env["calendar.event"].browse(self.ids["event"])
            self.assertEqual(event.cloud_sync_binding_ids.mapped("state"), ["synced", "synced"])
            self.assertEqual(event.cloud_sync_state, "synced")
            synced = event.search([("id", "=", event.id), ("cloud_sync_state", "=", "synced")])
            self.assertEqual(synced, event)
