# Fed to `odoo-bin shell` by tools/bench.sh in a database with Odoo's google_calendar only:
# the same steps as ours.py through the module's own entry points. Its Google endpoints are
# pointed at the emulator in this process only (module constants, nothing stored).
import os
import sys

sys.path.insert(0, os.environ["CCS_BENCH_DIR"])

import benchlib as bl

from odoo.addons.calendar_cloud_sync.emulator import google as emulated_google
from odoo.addons.google_account.models import google_service
from odoo.addons.google_calendar.models import res_users_settings
from odoo.addons.google_calendar.utils.google_calendar import GoogleCalendarService


def point_at(emulator):
    """Replace Google's endpoints in google_account / google_calendar by the emulator's."""
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


def connect(env, emulator, user, email):
    """What google_calendar stores after the user's consent: the tokens on their settings."""
    grant = emulator.providers["google"].grant(email)
    settings = env["res.users.settings"]._find_or_create_for_user(user)
    settings._set_google_auth_tokens(
        grant["access_token"], grant["refresh_token"], grant["expires_in"]
    )
    env.cr.commit()


def sync(env, user):
    """One run of google_calendar's cron for ``user`` (_sync_all_google_calendar's body)."""
    service = GoogleCalendarService(env["google.service"])
    user.with_user(user).sudo()._sync_google_calendar(service)
    env.cr.commit()


def synced(env, user):
    return env["calendar.event"].search_count(
        [("user_id", "=", user.id), ("google_id", "!=", False)]
    )


def main(env):
    emulator = bl.start_emulator()
    point_at(emulator)
    params = env["ir.config_parameter"].sudo()
    params.set_param("google_calendar_client_id", emulated_google.DEMO_CLIENT_ID)
    params.set_param("google_calendar_client_secret", emulated_google.DEMO_CLIENT_SECRET)
    users = bl.ensure_users(env)
    alice, bob = users[bl.ALICE], users[bl.BOB]
    connect(env, emulator, alice, bl.ALICE)
    connect(env, emulator, bob, bl.BOB)
    results, checks = {}, {}

    ids = bl.seed_google(emulator, bl.BOB, 0, 1000)
    sync(env, bob)
    bl.measure_incremental(
        emulator, "incremental_1000", results, bl.BOB, ids, lambda: sync(env, bob)
    )

    ids = bl.seed_google(emulator, bl.ALICE, 0, 2000)
    with bl.Measure(emulator, "import_2000", results):
        sync(env, alice)
    checks["events imported"] = (synced(env, alice), 2000)

    # google_calendar inserts each new event after the commit that created it
    Event = env["calendar.event"].with_user(alice)
    with bl.Measure(emulator, "push_500", results):
        Event.create([bl.odoo_events(index, alice) for index in range(500)])
        env.cr.commit()
    checks["events pushed"] = (len(bl.remote_events(emulator, bl.ALICE)) - 2000, 500)

    ids += bl.seed_google(emulator, bl.ALICE, 2000, 7500)
    sync(env, alice)
    checks["calendar size"] = (len(bl.remote_events(emulator, bl.ALICE)), 10000)
    bl.measure_incremental(
        emulator, "incremental_10000", results, bl.ALICE, ids, lambda: sync(env, alice)
    )
    checks["changes pulled"] = (bl.renamed(env), 10)
    bl.save(results, checks)
    emulator.stop()


main(env)  # noqa: F821 - provided by odoo-bin shell
