from datetime import timedelta

from odoo import fields
from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestSyncLog(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        user = new_test_user(cls.env, "ccs_log_user", groups="base.group_user")
        cls.account = cls.env["calendar.sync.account"].create(
            {"user_id": user.id, "provider": "microsoft"}
        )

    def test_log_never_stores_tokens_or_emails(self):
        log = self.env["calendar.sync.log"]._log(
            self.account,
            "push",
            "events.patch",
            "failure",
            error_type="BadRequest",
            message=(
                "attendee carol.smith@example.org rejected; Authorization: Bearer ya29.a0Abc-d_e; "
                'body {"refresh_token": "1//0gRt-xyz", "access_token":"at.123"} '
                "redirect /callback?state=s1&code=4/0AbCdE&scope=x"
            ),
        )
        for secret in (
            "carol.smith@example.org",
            "ya29.a0Abc-d_e",
            "1//0gRt-xyz",
            "at.123",
            "4/0AbCdE",
        ):
            self.assertNotIn(secret, log.message)
        self.assertIn("rejected", log.message)
        self.assertEqual((log.user_id, log.provider), (self.account.user_id, "microsoft"))

    def test_old_entries_are_removed_after_the_retention_period(self):
        Log = self.env["calendar.sync.log"]
        old = Log._log(self.account, "pull", "delta", "success")
        recent = Log._log(self.account, "pull", "delta", "success")
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE calendar_sync_log SET create_date = %s WHERE id = %s",
            [fields.Datetime.now() - timedelta(days=91), old.id],
        )
        self.env.invalidate_all()
        Log._gc_old_logs()
        self.assertFalse(old.exists())
        self.assertTrue(recent.exists())
