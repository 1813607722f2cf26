"""Connecting Google and Microsoft accounts: OAuth with PKCE and a signed state, over real HTTP
from Odoo's routes to the emulator's consent and token endpoints and back."""

from urllib.parse import parse_qs, urlparse

from odoo.tests import HttpCase, new_test_user, tagged

from .common import EmulatorMixin, JobRunnerMixin


@tagged("post_install", "-at_install")
class TestConnect(EmulatorMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = new_test_user(
            cls.env, "ccs_connect", groups="base.group_user", email="ada@example.com"
        )
        cls.other = new_test_user(cls.env, "ccs_connect_other", groups="base.group_user")

    def setUp(self):
        super().setUp()
        for provider in self.emulator.providers.values():
            provider.auto_approve = True
        self.authenticate(self.user.login, self.user.login)

    def _start(self, provider):
        """GET /connect as the logged-in user: the redirect to the provider's consent."""
        response = self.url_open(f"/calendar_cloud_sync/{provider}/connect", allow_redirects=False)
        self.assertEqual(response.status_code, 303, response.text[:300])
        return response.headers["Location"]

    def _consent(self, consent_url):
        """The provider's consent page approves and sends the browser back with a code."""
        response = self.opener.get(
            consent_url, allow_redirects=False, timeout=30, verify=self.emulator.ca_file
        )
        self.assertIn(response.status_code, (302, 303), response.text[:300])
        return response.headers["Location"]

    def _callback(self, callback_url):
        return self.url_open(callback_url, allow_redirects=False)

    def _account(self, provider, user=None):
        return self.env["calendar.sync.account"].search(
            [("user_id", "=", (user or self.user).id), ("provider", "=", provider)]
        )

    def _connect(self, provider):
        callback = self._consent(self._start(provider))
        response = self._callback(callback)
        self.assertEqual(response.status_code, 303, response.text[:300])
        return response

    def test_google_connect_uses_pkce_and_stores_encrypted_tokens(self):
        consent = self._start("google")
        query = parse_qs(urlparse(consent).query)
        self.assertTrue(consent.startswith(self.emulator.base_url + "/google/o/oauth2/v2/auth"))
        self.assertEqual(query["code_challenge_method"], ["S256"])
        self.assertEqual(query["access_type"], ["offline"])
        self.assertEqual(query["login_hint"], ["ada@example.com"])
        self.assertEqual(
            query["redirect_uri"][0].split("/calendar_cloud_sync")[1], "/google/callback"
        )
        response = self._callback(self._consent(consent))
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].endswith("/odoo/calendar-sync-connected"))

        account = self._account("google")
        self.assertEqual(account.state, "connected")
        self.assertEqual(account.remote_email, "ada@example.com")
        self.assertEqual(account.remote_calendar_id, "ada@example.com")  # primary calendar
        self.assertTrue(account.remote_calendar_tz, "kept for events that carry no zone")
        tokens = account._get_secret("token_data")
        self.assertTrue(tokens["refresh_token"])
        self.env.cr.execute(
            "SELECT token_data FROM calendar_sync_account WHERE id = %s", [account.id]
        )
        self.assertNotIn(tokens["refresh_token"], self.env.cr.fetchone()[0])
        self.assertFalse(account._get_secret("auth_flow_data"), "the PKCE verifier is single-use")
        self.assertEqual(self.emulator.count("google", "oauth.token"), 1)
        log = self.env["calendar.sync.log"].search([("account_id", "=", account.id)])
        self.assertEqual(log.mapped("status"), ["success"])

    def test_connecting_lists_every_calendar_with_the_default_one_two_way(self):
        google = self.emulator.providers["google"]
        side = google.add_calendar("ada@example.com", "Side projects")
        team = google.add_calendar("bob@example.com", "Bob's team")
        google.share_calendar("bob@example.com", team, "ada@example.com", "reader")
        self._connect("google")
        account = self._account("google")
        self.assertEqual(
            {c.remote_id: (c.kind, c.access, c.mode) for c in account.calendar_ids},
            {
                "ada@example.com": ("own", "owner", "two_way"),
                side: ("own", "owner", "off"),
                team: ("shared", "reader", "off"),
            },
        )

    def test_microsoft_connect_through_msal_keeps_the_token_cache(self):
        consent = self._start("microsoft")
        # the consent page is the emulator's plain listener; msal talks to the https one
        self.assertTrue(consent.startswith(self.emulator.base_url + "/microsoft/login/"))
        self.assertIn("code_challenge=", consent)
        self._callback(self._consent(consent))
        account = self._account("microsoft")
        self.assertEqual(account.state, "connected", account.last_error)
        self.assertEqual(account.remote_email, "ada@example.com")
        self.assertTrue(account.remote_calendar_id)
        self.assertEqual(account.remote_calendar_name, "Calendar")
        self.assertIn("RefreshToken", account._get_secret("token_data")["msal_cache"])

    def test_tampered_state_is_refused_and_stores_nothing(self):
        callback = self._consent(self._start("google"))
        parts = urlparse(callback)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        payload, signature = query["state"].split(".")
        query["state"] = payload + "." + ("A" if signature[0] != "A" else "B") + signature[1:]
        tampered = parts._replace(query="&".join(f"{k}={v}" for k, v in query.items())).geturl()
        response = self._callback(tampered)
        self.assertEqual(response.status_code, 400)
        self.assertIn("invalid or has expired", response.text)
        self.assertEqual(self._account("google").state, "draft")
        self.assertFalse(self._account("google")._get_secret("token_data"))
        self.assertEqual(self.emulator.count("google", "oauth.token"), 0)

    def test_state_of_another_user_is_refused(self):
        callback = self._consent(self._start("google"))
        self.authenticate(self.other.login, self.other.login)
        response = self._callback(callback)
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self._account("google", self.other))
        self.assertEqual(self._account("google").state, "draft")

    def test_replayed_callback_does_not_connect_twice(self):
        callback = self._consent(self._start("google"))
        self._callback(callback)
        self.assertEqual(self.emulator.count("google", "oauth.token"), 1)
        response = self._callback(callback)
        self.assertNotEqual(response.status_code, 303)
        self.assertEqual(self.emulator.count("google", "oauth.token"), 1)

    def test_refused_consent_is_shown_on_the_account(self):
        consent = self._start("google")
        state = parse_qs(urlparse(consent).query)["state"][0]
        self._callback(f"/calendar_cloud_sync/google/callback?error=access_denied&state={state}")
        account = self._account("google")
        self.assertEqual(account.state, "error")
        self.assertIn("not approved", account.last_error)
        self.assertFalse(account._get_secret("token_data"))

    def test_revoked_client_secret_is_an_error_not_a_crash(self):
        callback = self._consent(self._start("google"))
        self.emulator.providers["google"].register_client(
            "demo-google-client.apps.googleusercontent.com", "another-secret"
        )
        response = self._callback(callback)
        self.assertEqual(response.status_code, 303)
        account = self._account("google")
        self.assertEqual(account.state, "error")
        self.assertTrue(account.last_error)

    def _connect_as(self, user, provider):
        self.authenticate(user.login, user.login)
        return self._connect(provider)

    def _assert_second_user_refused(self, provider):
        colleague = new_test_user(
            self.env, f"ccs_same_{provider}", groups="base.group_user", email="ADA@example.com"
        )
        self._connect_as(self.user, provider)
        first = self._account(provider)
        self.assertEqual(first.state, "connected", first.last_error)
        jobs_before = self.env["queue.job"].search_count([])

        # the colleague signs in at the provider with the same account: refused, nothing kept
        self._connect_as(colleague, provider)
        second = self._account(provider, colleague)
        self.assertEqual(second.state, "error")
        self.assertIn("already connected", second.last_error)
        self.assertIn(self.user.name, second.last_error)
        self.assertFalse(second.remote_email)
        self.assertFalse(second._get_secret("token_data"))
        self.assertEqual(self.env["queue.job"].search_count([]), jobs_before, "no sync started")
        self.assertEqual(first.state, "connected")
        self.assertTrue(first._get_secret("token_data"))

        # once the first user disconnects, the colleague may connect that account
        first.action_disconnect()
        self._connect_as(colleague, provider)
        self.assertEqual(second.state, "connected", second.last_error)

    def test_google_account_of_another_user_is_refused(self):
        self._assert_second_user_refused("google")

    def test_microsoft_account_of_another_user_is_refused(self):
        self._assert_second_user_refused("microsoft")

    def test_landing_says_what_happened(self):
        self._connect("google")
        Account = self.env["calendar.sync.account"].with_user(self.user)
        notice = Account._connect_notice()
        self.assertEqual(notice["tag"], "display_notification")
        self.assertEqual(notice["params"]["type"], "success")
        self.assertEqual(
            notice["params"]["message"],
            "Connected to Google as ada@example.com — first import running.",
        )
        self.assertEqual(notice["params"]["next"]["xml_id"], "calendar.action_calendar_event")

        colleague = new_test_user(
            self.env, "ccs_same_notice", groups="base.group_user", email="ada@example.com"
        )
        self._connect_as(colleague, "google")
        notice = Account.with_user(colleague)._connect_notice()
        self.assertEqual(notice["params"]["type"], "danger")
        self.assertIn("already connected", notice["params"]["message"])

    def test_unconfigured_provider_says_what_to_do(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "calendar_cloud_sync.microsoft_client_id", False
        )
        response = self.url_open("/calendar_cloud_sync/microsoft/connect", allow_redirects=False)
        self.assertNotEqual(response.status_code, 303)
        self.assertIn("not configured yet", response.text)

    def test_unknown_provider_is_404(self):
        response = self.url_open("/calendar_cloud_sync/yahoo/connect", allow_redirects=False)
        self.assertEqual(response.status_code, 404)


@tagged("post_install", "-at_install")
class TestConnectTour(EmulatorMixin, JobRunnerMixin, HttpCase):
    def _connect_and_create_a_meeting(self, provider, email, meeting, event_name):
        """In Chromium: connect through Preferences (the consent approves itself), sync, then a
        new event asking for the provider's meeting, pushed. Returns the user and the event."""
        user = new_test_user(
            self.env, f"ccs_tour_{provider}", groups="base.group_user", email=email
        )
        self.emulator.providers[provider].auto_approve = True
        self.start_tour("/odoo", f"calendar_cloud_sync_connect_{provider}", login=user.login)
        account = self.env["calendar.sync.account"].search([("user_id", "=", user.id)])
        self.assertEqual(account.provider, provider)
        self.assertEqual(account.state, "connected", account.last_error)
        self.assertEqual(account.remote_email, email)
        self.run_jobs()  # the first sync

        self.start_tour(
            "/odoo/action-calendar.action_calendar_event?view_type=list",
            f"calendar_cloud_sync_new_{meeting}_event",
            login=user.login,
        )
        event = self.env["calendar.event"].search([("name", "=", event_name)])
        self.run_jobs()  # the push, then any meeting follow-up
        return user, event

    def test_connect_google_then_a_meet_event_carries_its_join_link(self):
        user, event = self._connect_and_create_a_meeting(
            "google", "grace@example.com", "meet", "Tour Meet"
        )
        self.assertEqual(event.online_meeting_provider, "google_meet")
        self.assertTrue(event.google_meet_url.startswith("https://meet.google.com/"))
        [remote] = self.emulator.providers["google"].events_of("grace@example.com")
        self.assertEqual(remote["hangoutLink"], event.google_meet_url)
        self.start_tour("/odoo/calendar", "calendar_cloud_sync_join_meet_popover", login=user.login)

    def test_connect_microsoft_then_a_teams_event_carries_its_join_link(self):
        microsoft = self.emulator.providers["microsoft"]
        user, event = self._connect_and_create_a_meeting(
            "microsoft", "alan@example.com", "teams", "Tour Teams"
        )
        with self.emulator.lock:
            subscriptions = list(microsoft.subscriptions.values())
            [remote] = [dict(e) for e in microsoft.mailbox("alan@example.com").events.values()]
        # the first sync subscribed to changes: Graph's handshake reached Odoo and was echoed
        self.assertEqual([s["_email"] for s in subscriptions], ["alan@example.com"])
        self.assertEqual(event.online_meeting_provider, "teams")
        self.assertTrue(event.teams_join_url.startswith("https://teams.microsoft.com/"))
        self.assertTrue(remote["isOnlineMeeting"])
        self.assertEqual(remote["onlineMeeting"]["joinUrl"], event.teams_join_url)
        self.start_tour(
            "/odoo/calendar", "calendar_cloud_sync_join_teams_popover", login=user.login
        )
