"""Every public method of every model of the addon, called over JSON-RPC (``call_kw``) by a
portal user and by an internal user who does not own the records: what each may do.

A public method is callable by any logged-in user, on any ids, empty recordsets included. The
table below says, for each one the addon defines, who may call it; a new public method fails
``test_every_public_method_is_in_the_table`` until someone decides."""

from odoo import Command
from odoo.tests import HttpCase, JsonRpcException, new_test_user, tagged
from odoo.tools import mute_logger

ADDON_MODULE = "odoo.addons.calendar_cloud_sync."
# settings administrators only: refused to portal and internal users, whatever the ids
ADMIN_ONLY = {
    ("res.config.settings", "default_get"),
    ("res.config.settings", "set_values"),
    ("res.config.settings", "action_ccs_clear_google_secret"),
    ("res.config.settings", "action_ccs_clear_microsoft_secret"),
    ("res.config.settings", "action_ccs_open_takeover"),
    ("res.config.settings", "action_ccs_test_google"),
    ("res.config.settings", "action_ccs_test_microsoft"),
    ("calendar.sync.takeover", "default_get"),
    ("calendar.sync.takeover", "action_take_over"),
    ("calendar.sync.resync.wizard", "action_start"),
    ("calendar.sync.resync.wizard", "action_refresh"),
    ("calendar.sync.reconcile.wizard", "action_compare"),
    ("calendar.sync.reconcile.wizard", "action_repair_all"),
    ("calendar.sync.reconcile.line", "action_repair"),
}
# the record's owner and administrators: refused to portal users, and to an internal user on
# another user's record
OWNER_ONLY = {
    ("calendar.sync.account", "action_disconnect"),
    ("calendar.sync.account", "action_reconnect"),
    ("calendar.sync.account", "action_open_form"),
    ("calendar.sync.account", "action_view_bindings"),
    ("calendar.sync.account", "action_view_failed_jobs"),
    ("calendar.sync.account", "action_view_jobs"),
    ("calendar.sync.account", "action_view_sync_logs"),
    ("calendar.sync.account", "action_retry_failed_jobs"),
    ("calendar.sync.account", "action_sync_now"),
    ("calendar.sync.account", "action_refresh_calendars"),
    ("calendar.sync.account", "write"),
    ("calendar.sync.conflict", "action_keep_all_odoo"),
    ("calendar.sync.conflict", "action_keep_all_remote"),
    ("calendar.sync.conflict", "action_apply"),
    ("calendar.sync.conflict.line", "action_choose_odoo"),
    ("calendar.sync.conflict.line", "action_choose_remote"),
    ("res.users", "action_cloud_sync_connect_google"),
    ("res.users", "action_cloud_sync_connect_microsoft"),
}
# overrides of the ORM's own methods on models whose access rights and record rules already
# decide (the override adds behaviour, never a way around them); see test_security.py
ORM_GOVERNED = {
    ("calendar.event", "create"),
    ("calendar.event", "write"),
    ("calendar.event", "unlink"),
    ("calendar.event", "default_get"),
    ("calendar.event", "action_join_google_meet"),
    ("calendar.event", "action_join_teams_meeting"),
    ("calendar.event", "action_open_sync_conflict"),
    ("calendar.attendee", "write"),
    ("calendar.sync.binding", "write"),
    # a user changes the mode of their own calendars only (record rules; other fields refused)
    ("calendar.sync.calendar", "write"),
    ("calendar.sync.binding", "unlink"),
    ("calendar.sync.conflict", "create"),
    # busy mirroring rules: the user's own (record rules), between their own calendars
    # (constraints); the job reads the rule again as it stands
    ("calendar.sync.mirror", "create"),
    ("calendar.sync.mirror", "write"),
    ("calendar.sync.mirror", "unlink"),
    ("res.company", "create"),
    ("res.company", "write"),
    ("res.config.settings", "create"),  # group_system only (base's access rights)
    ("res.config.settings", "write"),
    ("res.config.settings", "get_values"),  # answers nothing of ours to them: tested below
    ("queue.job", "create"),
    ("queue.job", "write"),
    ("calendar.recurrence", "create"),  # sets the week start; calendar's access rights decide
    # a transient record is its creator's alone; saving checks the account is theirs too
    ("calendar.sync.account.settings", "action_save"),
}

# availability and booking for booking assistants: any internal user may ask the free time of
# users they can read and book their own calendar; booking another's takes the "book for
# others" group; portal users get nothing (calendar_sync_availability*.py, test_availability.py)
AVAILABILITY = {
    ("calendar.sync.availability", "find_slots"),
    ("calendar.sync.availability", "book"),
    ("calendar.sync.availability", "attendee_busy"),
}


def addon_public_methods(env):
    """(model, method) of every public method a class of this addon defines."""
    found = set()
    for name in env.registry:
        for cls in type(env[name]).__mro__:
            if not cls.__module__.startswith(ADDON_MODULE):
                continue
            for attr, value in vars(cls).items():
                if not attr.startswith("_") and callable(value):
                    found.add((name, attr))
    return found


@tagged("post_install", "-at_install")
class TestPublicMethodsOverRpc(HttpCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal = new_test_user(cls.env, "ccs_rpc_portal", groups="base.group_portal")
        cls.internal = new_test_user(cls.env, "ccs_rpc_internal", groups="base.group_user")
        cls.owner = new_test_user(cls.env, "ccs_rpc_owner", groups="base.group_user")
        settings = cls.env["res.config.settings"].create(
            {
                "ccs_google_client_id": "g-id",
                "ccs_google_client_secret": "g-secret",
                "ccs_microsoft_client_id": "m-id",
                "ccs_microsoft_client_secret": "m-secret",
                "ccs_ca_bundle": "/etc/ssl/private-ca.pem",
            }
        )
        settings.execute()
        cls.account = cls.env["calendar.sync.account"].create(
            {"user_id": cls.owner.id, "provider": "google", "state": "connected"}
        )
        cls.event = cls.env["calendar.event"].create(
            {
                "name": "Owner's meeting",
                "start": "2030-01-07 09:00:00",
                "stop": "2030-01-07 09:30:00",
                "user_id": cls.owner.id,
            }
        )
        cls.conflict = cls.env["calendar.sync.conflict"].create(
            {
                "account_id": cls.account.id,
                "event_id": cls.event.id,
                "line_ids": [Command.create({"field_name": "name", "odoo_value": "a"})],
            }
        )
        admin = cls.env.ref("base.user_admin")
        reconcile = (
            cls.env["calendar.sync.reconcile.wizard"]
            .with_user(admin)
            .create({"account_id": cls.account.id})
        )
        cls.records = {
            "res.config.settings": cls.env["res.config.settings"].with_user(admin).create({}).id,
            "calendar.sync.takeover": cls.env["calendar.sync.takeover"]
            .with_user(admin)
            .create({"provider": "google"})
            .id,
            "calendar.sync.resync.wizard": cls.env["calendar.sync.resync.wizard"]
            .with_user(admin)
            .create({"account_id": cls.account.id})
            .id,
            "calendar.sync.reconcile.wizard": reconcile.id,
            "calendar.sync.reconcile.line": cls.env["calendar.sync.reconcile.line"]
            .with_user(admin)
            .create({"wizard_id": reconcile.id, "kind": "orphan", "repair": "drop"})
            .id,
            "calendar.sync.account": cls.account.id,
            "calendar.sync.conflict": cls.conflict.id,
            "calendar.sync.conflict.line": cls.conflict.line_ids.id,
            "res.users": cls.owner.id,
        }

    def call_kw(self, model, method, args, kwargs=None):
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        )

    def args_for(self, model, method, ids):
        if method == "default_get":
            return [list(self.env[model]._fields)]
        if method == "write":
            return [ids, {"direction": "remote_to_odoo"}]
        return [ids]

    def outcome(self, model, method, ids):
        """The exception class a call ends in over JSON-RPC, or "answered"."""
        try:
            with mute_logger("odoo.http"):
                self.call_kw(model, method, self.args_for(model, method, ids))
        except JsonRpcException as exc:
            return str(exc)
        return "answered"

    def not_refused(self, login, methods, ids_for):
        """[(login, model, method, ids, outcome)] of the calls not refused as AccessError."""
        self.authenticate(login, login)
        wrong = []
        for model, method in sorted(methods):
            for ids in ids_for(model, method):
                outcome = self.outcome(model, method, ids)
                if outcome != "odoo.exceptions.AccessError":
                    wrong.append((login, model, method, ids, outcome))
        return wrong

    def assert_settings_intact(self):
        ICP = self.env["ir.config_parameter"].sudo()
        for key in ("google_client_secret", "microsoft_client_secret"):
            self.assertTrue(ICP.get_param(f"calendar_cloud_sync.{key}"), key)
        self.assertEqual(ICP.get_param("calendar_cloud_sync.google_client_id"), "g-id")
        self.assertEqual(ICP.get_param("calendar_cloud_sync.ca_bundle"), "/etc/ssl/private-ca.pem")

    def test_every_public_method_is_in_the_table(self):
        self.assertEqual(
            addon_public_methods(self.env) - ADMIN_ONLY - OWNER_ONLY - ORM_GOVERNED - AVAILABILITY,
            set(),
        )

    def test_availability_is_for_internal_users_and_booking_for_oneself(self):
        model = "calendar.sync.availability"
        ask = [[self.owner.id], "2030-01-07 00:00:00", "2030-01-08 00:00:00", 30]
        book = [self.owner.id, "2030-01-07 10:00:00", "2030-01-07 10:30:00", "Intrusion"]
        self.event.partner_ids = self.owner.partner_id
        bar = [self.owner.partner_id.ids, "2030-01-07 00:00:00", "2030-01-08 00:00:00"]
        self.authenticate("ccs_rpc_portal", "ccs_rpc_portal")
        for method, args in (("find_slots", ask), ("book", book), ("attendee_busy", bar)):
            with self.assertRaises(JsonRpcException) as caught, mute_logger("odoo.http"):
                self.call_kw(model, method, args)
            self.assertEqual(str(caught.exception), "odoo.exceptions.AccessError", method)
        self.authenticate("ccs_rpc_internal", "ccs_rpc_internal")
        self.assertIn("slots", self.call_kw(model, "find_slots", ask))
        # the event form's busy bar: the times of the owner's meeting, not its title
        answer = self.call_kw(model, "attendee_busy", bar)
        self.assertEqual(answer["attendees"][0]["busy"][0]["start"], "2030-01-07 09:00:00")
        self.assertNotIn("Owner's meeting", str(answer))
        with self.assertRaises(JsonRpcException) as caught, mute_logger("odoo.http"):
            self.call_kw(model, "book", book)
        self.assertEqual(str(caught.exception), "odoo.exceptions.AccessError")
        self.assertFalse(self.env["calendar.event"].search([("name", "=", "Intrusion")]))

    def test_admin_only_methods_are_refused_to_portal_and_internal_users(self):
        def ids_for(model, method):
            return [[]] if method == "default_get" else [[], [self.records[model]]]

        wrong = []
        for login in ("ccs_rpc_portal", "ccs_rpc_internal"):
            wrong += self.not_refused(login, ADMIN_ONLY, ids_for)
        self.assertEqual(wrong, [])
        self.assert_settings_intact()
        self.assertEqual(self.account.state, "connected")

    def test_owner_methods_are_refused_to_portal_users_and_other_users(self):
        wrong = []
        for login in ("ccs_rpc_portal", "ccs_rpc_internal"):
            wrong += self.not_refused(login, OWNER_ONLY, lambda m, _f: [[self.records[m]]])
        self.assertEqual(wrong, [])
        self.assertEqual(self.account.state, "connected")
        self.assertEqual(self.account.direction, "both")
        self.assertEqual(self.conflict.state, "open")
        self.assertFalse(self.conflict.line_ids.choice)

    def test_settings_answer_nothing_of_ours_to_non_administrators(self):
        for login in ("ccs_rpc_portal", "ccs_rpc_internal"):
            self.authenticate(login, login)
            values = self.call_kw("res.config.settings", "get_values", [])
            self.assertFalse([key for key in values if key.startswith("ccs_")], login)
            # other modules' settings stay readable as before
            self.call_kw("res.config.settings", "default_get", [["company_id"]])

    def test_administrators_keep_their_settings(self):
        self.authenticate("admin", "admin")
        values = self.call_kw(
            "res.config.settings",
            "default_get",
            [["ccs_google_client_id", "ccs_google_client_secret_set", "ccs_ca_bundle"]],
        )
        self.assertEqual(values["ccs_google_client_id"], "g-id")
        self.assertTrue(values["ccs_google_client_secret_set"])
        self.call_kw("res.config.settings", "action_ccs_clear_microsoft_secret", [[]])
        ICP = self.env["ir.config_parameter"].sudo()
        self.assertFalse(ICP.get_param("calendar_cloud_sync.microsoft_client_secret"))
        self.assertTrue(ICP.get_param("calendar_cloud_sync.google_client_secret"))
