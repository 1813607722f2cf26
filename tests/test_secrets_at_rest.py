"""Nothing secret is stored in clear, anywhere, at any time; and each connection attempt keeps
its own OAuth flow. Both through the real routes: Odoo's connect and callback, the emulator's
consent and token endpoints, the jobs that open the push channels, the Settings form's save."""

from urllib.parse import parse_qs, urlparse

from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import SQL

from ..emulator import google, microsoft
from .common import EmulatorMixin, JobRunnerMixin

TEXT_TYPES = ("text", "character varying", "jsonb", "json", "bytea")


@tagged("post_install", "-at_install")
class TestSecretsAtRest(EmulatorMixin, JobRunnerMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = new_test_user(
            cls.env, "ccs_at_rest", groups="base.group_user", email="rest@example.com"
        )

    def setUp(self):
        super().setUp()
        for provider in self.emulator.providers.values():
            provider.auto_approve = True
        self.authenticate(self.user.login, self.user.login)

    def start(self, provider):
        response = self.url_open(f"/calendar_cloud_sync/{provider}/connect", allow_redirects=False)
        self.assertEqual(response.status_code, 303, response.text[:300])
        return response.headers["Location"]

    def consent(self, consent_url):
        response = self.opener.get(
            consent_url, allow_redirects=False, timeout=30, verify=self.emulator.ca_file
        )
        self.assertIn(response.status_code, (302, 303), response.text[:300])
        return response.headers["Location"]

    def callback(self, callback_url):
        return self.url_open(callback_url, allow_redirects=False)

    def account(self, provider):
        return self.env["calendar.sync.account"].search(
            [("user_id", "=", self.user.id), ("provider", "=", provider)]
        )

    def clear_values(self, value):
        """The strings of a secret worth looking for (long enough to be one)."""
        if isinstance(value, dict):
            return [s for v in value.values() for s in self.clear_values(v)]
        if isinstance(value, list):
            return [s for v in value for s in self.clear_values(v)]
        return [value] if isinstance(value, str) and len(value) >= 16 else []

    def columns_holding(self, needles):
        """[(table, column, needle)] of every text column of the database holding a needle."""
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT c.table_name, c.column_name
                 FROM information_schema.columns c
                 JOIN information_schema.tables t
                   ON t.table_schema = c.table_schema AND t.table_name = c.table_name
                WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
                  AND c.data_type = ANY(%s)""",
            [list(TEXT_TYPES)],
        )
        columns = self.env.cr.fetchall()
        self.assertGreater(len(columns), 300)
        found = []
        for table, column in columns:
            for needle in needles:
                self.env.cr.execute(
                    SQL(
                        "SELECT 1 FROM %s WHERE strpos(%s::text, %s) > 0 LIMIT 1",
                        SQL.identifier(table),
                        SQL.identifier(column),
                        needle,
                    )
                )
                if self.env.cr.fetchone():
                    found.append((table, column, needle[:6] + "..."))
        return found

    def test_no_secret_in_clear_in_any_column(self):
        for provider in ("google", "microsoft"):
            response = self.callback(self.consent(self.start(provider)))
            self.assertEqual(response.status_code, 303)
            self.assertEqual(self.account(provider).state, "connected")
        self.run_jobs()  # first pulls, pushes, and the channels with their secret tokens
        # a connection attempt under way keeps its PKCE verifier until its callback
        self.start("google")
        # an administrator types the client secrets into Settings and saves
        admin = self.env.ref("base.user_admin")
        settings = (
            self.env["res.config.settings"]
            .with_user(admin)
            .create(
                {
                    "ccs_google_client_secret": google.DEMO_CLIENT_SECRET,
                    "ccs_microsoft_client_secret": microsoft.DEMO_CLIENT_SECRET,
                }
            )
        )
        settings.execute()

        needles = {google.DEMO_CLIENT_SECRET, microsoft.DEMO_CLIENT_SECRET}
        for provider in ("google", "microsoft"):
            account = self.account(provider)
            self.assertTrue(account.channel_id, f"{provider}: a channel was opened")
            for field in ("token_data", "channel_secret", "auth_flow_data"):
                needles.update(self.clear_values(account._get_secret(field)))
        self.assertGreater(len(needles), 6)
        self.assertEqual(self.columns_holding(sorted(needles)), [])

    def test_two_connect_attempts_keep_their_own_flows(self):
        for provider in ("google", "microsoft"):
            first = self.consent(self.start(provider))
            second = self.consent(self.start(provider))  # Connect clicked again, in another tab
            response = self.callback(first)
            self.assertEqual(response.status_code, 303, response.text[:300])
            account = self.account(provider)
            self.assertEqual(account.state, "connected", account.last_error)
            self.assertFalse(account.last_error)
            response = self.callback(second)
            self.assertEqual(response.status_code, 303, response.text[:300])
            self.assertEqual(account.state, "connected", account.last_error)
            self.assertFalse(account.last_error)
            # each flow is redeemed once
            self.assertNotEqual(self.callback(first).status_code, 303)
            self.assertFalse(account._get_secret("auth_flow_data"))

    def test_a_flow_is_not_redeemed_with_another_attempts_state(self):
        first = self.consent(self.start("google"))
        second = self.consent(self.start("google"))
        # the code of one attempt with the (valid, signed) state of the other
        code = parse_qs(urlparse(first).query)["code"][0]
        state = parse_qs(urlparse(second).query)["state"][0]
        self.callback(f"/calendar_cloud_sync/google/callback?code={code}&state={state}")
        self.assertNotEqual(self.account("google").state, "connected")
