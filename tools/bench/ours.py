# Fed to `odoo-bin shell` by tools/bench.sh in a database with calendar_cloud_sync only: the
# benchmark steps on our engine for CCS_BENCH_PROVIDER, jobs run in-process the way
# queue_job's runner runs them.
import os
import sys

sys.path.insert(0, os.environ["CCS_BENCH_DIR"])

import benchlib as bl
from ourslib import connect, pull, run_jobs

from odoo.addons.calendar_cloud_sync.tools import emulator_settings


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
