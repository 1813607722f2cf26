# Fed to `odoo-bin shell` by tools/bench.sh in a database with Odoo's own module for
# CCS_BENCH_PROVIDER only (google_calendar or microsoft_calendar): the same steps as ours.py
# through the module's own entry points. Its endpoints are pointed at the emulator in this
# process only (module constants, nothing stored).
import os
import sys
from urllib.parse import parse_qs, urlparse

sys.path.insert(0, os.environ["CCS_BENCH_DIR"])

import benchlib as bl
import requests


class Google:
    """google_account / google_calendar."""

    @staticmethod
    def point_at(emulator):
        from odoo.addons.google_account.models import google_service
        from odoo.addons.google_calendar.models import res_users_settings

        base = f"{emulator.base_url}/google"
        google_service.GOOGLE_AUTH_ENDPOINT = f"{base}/o/oauth2/v2/auth"
        google_service.GOOGLE_TOKEN_ENDPOINT = f"{base}/token"
        google_service.GOOGLE_API_BASE_URL = base
        res_users_settings.GOOGLE_TOKEN_ENDPOINT = f"{base}/token"
        # _do_request(..., preuri=GOOGLE_API_BASE_URL, ...) bound the URL when it was defined
        do_request = google_service.GoogleService._do_request
        defaults = list(do_request.__defaults__)
        defaults[3] = base
        do_request.__defaults__ = tuple(defaults)

    @staticmethod
    def configure(env):
        from odoo.addons.calendar_cloud_sync.emulator import google as emulated

        params = env["ir.config_parameter"].sudo()
        params.set_param("google_calendar_client_id", emulated.DEMO_CLIENT_ID)
        params.set_param("google_calendar_client_secret", emulated.DEMO_CLIENT_SECRET)

    @staticmethod
    def connect(env, emulator, user, email):
        """What google_calendar stores after the user's consent: the tokens on their settings."""
        grant = emulator.providers["google"].grant(email)
        settings = env["res.users.settings"]._find_or_create_for_user(user)
        settings._set_google_auth_tokens(
            grant["access_token"], grant["refresh_token"], grant["expires_in"]
        )
        env.cr.commit()

    @staticmethod
    def sync(env, user):
        """One run of google_calendar's cron for ``user`` (_sync_all_google_calendar's body)."""
        from odoo.addons.google_calendar.utils.google_calendar import GoogleCalendarService

        service = GoogleCalendarService(env["google.service"])
        user.with_user(user).sudo()._sync_google_calendar(service)
        env.cr.commit()

    id_field = "google_id"


class Microsoft:
    """microsoft_account / microsoft_calendar."""

    @staticmethod
    def point_at(emulator):
        from odoo.addons.microsoft_account.models import microsoft_service

        login = f"{emulator.tls_base_url}/microsoft/login/common/oauth2/v2.0"
        graph = f"{emulator.base_url}/microsoft/graph"
        microsoft_service.DEFAULT_MICROSOFT_AUTH_ENDPOINT = f"{login}/authorize"
        microsoft_service.DEFAULT_MICROSOFT_TOKEN_ENDPOINT = f"{login}/token"
        microsoft_service.DEFAULT_MICROSOFT_GRAPH_ENDPOINT = graph
        # _do_request(..., preuri=DEFAULT_MICROSOFT_GRAPH_ENDPOINT, ...) bound it when defined
        do_request = microsoft_service.MicrosoftService._do_request
        defaults = list(do_request.__defaults__)
        defaults[3] = graph
        do_request.__defaults__ = tuple(defaults)
        # the module calls requests.request without verify=: trust the emulator's CA here only
        os.environ["REQUESTS_CA_BUNDLE"] = emulator.ca_file

    @staticmethod
    def configure(env):
        from odoo.addons.calendar_cloud_sync.emulator import microsoft as emulated

        params = env["ir.config_parameter"].sudo()
        params.set_param("microsoft_calendar_client_id", emulated.DEMO_CLIENT_ID)
        params.set_param("microsoft_calendar_client_secret", emulated.DEMO_CLIENT_SECRET)

    @staticmethod
    def connect(env, emulator, user, email):
        """microsoft_account's consent: its authorize URL (consent auto-approved), then its own
        code redemption, tokens stored on the user as its callback does."""
        emulator.providers["microsoft"].auto_approve = True
        redirect_uri = "http://127.0.0.1:1/microsoft_account/authentication"
        service = env["microsoft.service"].with_user(user)
        scope = service._get_calendar_scope()
        url = service._get_authorize_uri("/odoo", "calendar", scope, redirect_uri)
        answer = requests.get(
            f"{url}&login_hint={email}", allow_redirects=False, timeout=10, verify=emulator.ca_file
        )
        code = parse_qs(urlparse(answer.headers["Location"]).query)["code"][0]
        access, refresh, ttl = service._get_microsoft_tokens(code, "calendar", redirect_uri)
        user.sudo()._set_microsoft_auth_tokens(access, refresh, ttl)
        env.cr.commit()

    @staticmethod
    def sync(env, user):
        """One run of microsoft_calendar's cron for ``user`` (_sync_all_microsoft_calendar)."""
        user.with_user(user).sudo()._sync_microsoft_calendar()
        env.cr.commit()

    id_field = "microsoft_id"


NATIVE = {"google": Google, "microsoft": Microsoft}[bl.PROVIDER]


def synced(env, user):
    return env["calendar.event"].search_count(
        [("user_id", "=", user.id), (NATIVE.id_field, "!=", False)]
    )


def main(env):
    emulator = bl.start_emulator()
    NATIVE.point_at(emulator)
    NATIVE.configure(env)
    users = bl.ensure_users(env)
    alice, bob = users[bl.ALICE], users[bl.BOB]
    NATIVE.connect(env, emulator, alice, bl.ALICE)
    NATIVE.connect(env, emulator, bob, bl.BOB)
    results, checks = {}, {}

    def sync_bob():
        NATIVE.sync(env, bob)

    def sync_alice():
        NATIVE.sync(env, alice)

    ids = bl.seed(emulator, bl.BOB, 0, 1000)
    sync_bob()
    bl.measure_incremental(emulator, "incremental_1000", results, bl.BOB, ids, sync_bob)

    ids = bl.seed(emulator, bl.ALICE, 0, 2000)
    with bl.Measure(emulator, "import_2000", results):
        sync_alice()
    checks["events imported"] = (synced(env, alice), 2000)

    # both modules insert each new event after the commit that created it
    Event = env["calendar.event"].with_user(alice)
    with bl.Measure(emulator, "push_500", results):
        Event.create([bl.odoo_events(index, alice) for index in range(500)])
        env.cr.commit()
    checks["events pushed"] = (bl.remote_events(emulator, bl.ALICE) - 2000, 500)

    ids += bl.seed(emulator, bl.ALICE, 2000, 7500)
    sync_alice()
    checks["calendar size"] = (bl.remote_events(emulator, bl.ALICE), 10000)
    bl.measure_incremental(emulator, "incremental_10000", results, bl.ALICE, ids, sync_alice)
    checks["changes pulled"] = (bl.renamed(env), 10)
    bl.save(results, checks)
    emulator.stop()


main(env)  # noqa: F821 - provided by odoo-bin shell
