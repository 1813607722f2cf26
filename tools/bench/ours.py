# Fed to `odoo-bin shell` by tools/bench.sh in a database with calendar_cloud_sync only: the
# benchmark steps on our engine for CCS_BENCH_PROVIDER, jobs run in-process the way
# queue_job's runner runs them.
import os
import sys
from urllib.parse import parse_qs, urlparse

sys.path.insert(0, os.environ["CCS_BENCH_DIR"])

import benchlib as bl
import requests

from odoo.addons.calendar_cloud_sync.tools import emulator_settings
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import Job


def run_jobs(env, max_rounds=50):
    """Perform pending jobs until none is left, committing after each like the runner."""
    ran = 0
    for _round in range(max_rounds):
        rows = env["queue.job"].search(
            [("state", "in", ("pending", "enqueued"))], order="date_created, id"
        )
        if not rows:
            return ran
        for row in rows:
            job = Job.load(env, row.uuid)
            job.set_started()
            job.store()
            env.cr.commit()
            try:
                job.perform()
            except RetryableJobError as err:
                env.cr.rollback()
                job.postpone(result=str(err), seconds=err.seconds)
                job.set_pending(reset_retry=False)
            else:
                job.set_done()
            job.store()
            env.cr.commit()
            ran += 1
    raise RuntimeError(f"jobs still pending after {max_rounds} rounds")


def microsoft_token_data(emulator, connector, email):
    """msal's authorization code flow through the emulator's TLS login, consent auto-approved
    (as tests/common.py SyncCaseMixin.connect does)."""
    emulator.providers["microsoft"].auto_approve = True
    url, flow = connector.begin(
        "http://127.0.0.1:1/calendar_cloud_sync/microsoft/callback", "state", login_hint=email
    )
    # the emulator's own CA: a real login would go through the browser
    redirect = requests.get(url, allow_redirects=False, timeout=10, verify=emulator.ca_file)
    query = parse_qs(urlparse(redirect.headers["Location"]).query)
    return connector.finish(flow, {k: v[0] for k, v in query.items()}).token_data


def connect(env, emulator, user, email):
    """An account as the connect flow leaves it (as tests/common.py connects)."""
    account = env["calendar.sync.account"].create({"user_id": user.id, "provider": bl.PROVIDER})
    connector = account._ccs_connector(bl.PROVIDER)
    if bl.PROVIDER == "google":
        token_data = {"refresh_token": emulator.providers["google"].grant(email)["refresh_token"]}
    else:
        token_data = microsoft_token_data(emulator, connector, email)
    calendars, token_data = connector.calendars(token_data)
    [primary] = [c for c in calendars if c.is_default]
    account._set_secret("token_data", token_data)
    account.write(
        {
            "state": "connected",
            "remote_email": email,
            "remote_calendar_id": primary.id,
            "remote_calendar_name": primary.name,
            "remote_calendar_tz": primary.timezone,
        }
    )
    env.cr.commit()
    return account


def pull(env, account):
    account._ccs_enqueue_pull()
    env.cr.commit()
    run_jobs(env)


def bound(env, account):
    return env["calendar.sync.binding"].search_count(
        [("account_id", "=", account.id), ("state", "=", "synced")]
    )


def main(env):
    emulator = bl.start_emulator()
    odoo_url = "http://127.0.0.1:8069"
    env["ir.config_parameter"].sudo().set_param("web.base.url", odoo_url)
    emulator_settings.configure(
        env, emulator.base_url, emulator.tls_base_url, emulator.ca_file, odoo_url
    )
    users = bl.ensure_users(env)
    alice = connect(env, emulator, users[bl.ALICE], bl.ALICE)
    bob = connect(env, emulator, users[bl.BOB], bl.BOB)
    results, checks = {}, {}

    # incremental pulls in Bob's 1,000-event calendar
    ids = bl.seed(emulator, bl.BOB, 0, 1000)
    pull(env, bob)
    bl.measure_incremental(
        emulator, "incremental_1000", results, bl.BOB, ids, lambda: pull(env, bob)
    )

    # first full sync of Alice's 2,000 remote events
    ids = bl.seed(emulator, bl.ALICE, 0, 2000)
    with bl.Measure(emulator, "import_2000", results):
        pull(env, alice)
    checks["events imported"] = (bound(env, alice), 2000)

    # 500 new Odoo events of Alice, until they are on the provider
    Event = env["calendar.event"].with_user(users[bl.ALICE])
    with bl.Measure(emulator, "push_500", results):
        Event.create([bl.odoo_events(index, users[bl.ALICE]) for index in range(500)])
        env.cr.commit()
        run_jobs(env)
    checks["events pushed"] = (bl.remote_events(emulator, bl.ALICE) - 2000, 500)

    # incremental pulls once Alice's calendar holds 10,000 events
    ids += bl.seed(emulator, bl.ALICE, 2000, 7500)
    pull(env, alice)
    checks["calendar size"] = (bl.remote_events(emulator, bl.ALICE), 10000)
    bl.measure_incremental(
        emulator, "incremental_10000", results, bl.ALICE, ids, lambda: pull(env, alice)
    )
    checks["changes pulled"] = (bl.renamed(env), 10)
    bl.save(results, checks)
    emulator.stop()


main(env)  # noqa: F821 - provided by odoo-bin shell
