# Fed to `odoo-bin shell` by tools/bench_notify.sh (issue 10 item 8): with 100, then 1,000
# connected accounts (half Google, half Microsoft, all quiet and with channels ending soon), the
# SQL queries and seconds of the 15-minute fallback cron, the channel renewal cron and the Sync
# Health dashboard's list; every run is rolled back.
import json
import os
import time
import uuid
from datetime import timedelta

import odoo.sql_db
from odoo import fields

FIELDS = [
    "name",
    "state",
    "last_pull_at",
    "ccs_pending_binding_count",
    "ccs_pending_job_count",
    "ccs_failed_job_count",
    "ccs_channel_expired",
    "ccs_needs_attention",
]


def make_accounts(env, count, offset):
    users = (
        env["res.users"]
        .with_context(no_reset_password=True, mail_create_nolog=True)
        .create(
            [
                {
                    "name": f"Many {offset + i}",
                    "login": f"bench_many_{offset + i}",
                    "groups_id": [(6, 0, env.ref("base.group_user").ids)],
                }
                for i in range(count)
            ]
        )
    )
    quiet = fields.Datetime.now() - timedelta(hours=1)
    env["calendar.sync.account"].create(
        [
            {
                "user_id": user.id,
                "provider": "google" if index % 2 else "microsoft",
                "state": "connected",
                "remote_calendar_id": "primary",
                "channel_id": str(uuid.uuid4()),
                "channel_resource_id": str(uuid.uuid4()),
                "channel_expiration": fields.Datetime.now() + timedelta(hours=2),
                "last_notification_at": quiet,
            }
            for index, user in enumerate(users)
        ]
    )
    env.flush_all()


def measure(env, run):
    env.flush_all()
    env.invalidate_all()
    with env.cr.savepoint(flush=False) as savepoint:
        before, started = odoo.sql_db.sql_counter, time.monotonic()
        run()
        env.flush_all()
        figures = (odoo.sql_db.sql_counter - before, time.monotonic() - started)
        savepoint.rollback()
    env.invalidate_all()
    return figures


def main(env):
    Account = env["calendar.sync.account"]

    def health():
        Account.search([("ccs_needs_attention", "=", True)])
        Account.search([]).read(FIELDS)

    runs = {
        "fallback_cron": Account._cron_pull_quiet_accounts,
        "renewal_cron": Account._cron_renew_channels,
        "health_dashboard": health,
    }
    results = {}
    with env.cr.savepoint(flush=False) as accounts:
        for total, new in ((100, 100), (1000, 900)):
            make_accounts(env, new, total - new)
            for name, run in runs.items():
                queries, seconds = measure(env, run)
                results[f"many_{name}_{total}_queries"] = queries
                results[f"many_{name}_{total}_seconds"] = seconds
        accounts.rollback()
    with open(os.environ["CCS_BENCH_OUT"], "w") as out:
        json.dump(results, out, indent=1)


main(env)  # noqa: F821 - provided by odoo-bin shell
