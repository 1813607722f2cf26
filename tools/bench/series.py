# Fed to `odoo-bin shell` by tools/bench.sh (BENCH_ONLY=series, or last in `make bench`) in a
# database with calendar_cloud_sync only: what a series renamed at the provider costs to pull
# (issue 14, item 7). A daily series without an end, made in the provider's own UI, fills the
# default sync window (about 730 occurrences ahead); it is pulled once, then renamed there and
# pulled again, 3 times; the figures are the medians of those pulls.
import os
import statistics
import sys
from datetime import datetime, timedelta

sys.path.insert(0, os.environ["CCS_BENCH_DIR"])

import benchlib as bl
from ourslib import connect, pull

from odoo.addons.calendar_cloud_sync.tools import emulator_settings

RUNS = 3
# issue 14's target for a pulled rename of a daily series
MAX_REQUESTS = 5


def daily_series(emulator, email):
    """A daily series without an end at 09:00 in Brussels, from tomorrow; its id."""
    day = (datetime.now() + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    end = day + timedelta(minutes=15)
    if bl.PROVIDER == "google":
        body = {
            "summary": "Standup",
            "start": {"dateTime": day.isoformat(), "timeZone": "Europe/Brussels"},
            "end": {"dateTime": end.isoformat(), "timeZone": "Europe/Brussels"},
            "recurrence": ["RRULE:FREQ=DAILY"],
        }
        return emulator.providers["google"].put_event(email, body)["id"]
    body = {
        "subject": "Standup",
        "start": {"dateTime": day.isoformat(), "timeZone": "Romance Standard Time"},
        "end": {"dateTime": end.isoformat(), "timeZone": "Romance Standard Time"},
        "recurrence": {
            "pattern": {"type": "daily", "interval": 1},
            "range": {"type": "noEnd", "startDate": day.date().isoformat()},
        },
    }
    return emulator.providers["microsoft"].put_event(email, body)


def series_names(env):
    """{name: count} of the Odoo events of the pulled series."""
    events = env["calendar.event"].search([("recurrency", "=", True)])
    names = {}
    for name in events.mapped("name"):
        names[name] = names.get(name, 0) + 1
    return names


def main(env):
    emulator = bl.start_emulator()
    odoo_url = "http://127.0.0.1:8069"
    env["ir.config_parameter"].sudo().set_param("web.base.url", odoo_url)
    emulator_settings.configure(
        env, emulator.base_url, emulator.tls_base_url, emulator.ca_file, odoo_url
    )
    users = bl.ensure_users(env)
    alice = connect(env, emulator, users[bl.ALICE], bl.ALICE)
    series_id = daily_series(emulator, bl.ALICE)
    pull(env, alice)
    occurrences = sum(series_names(env).values())
    bl.log(f"series pulled: {occurrences} occurrences in Odoo")

    results, runs = {}, {}
    for run in range(RUNS):
        bl.change_one(emulator, bl.ALICE, series_id, f"series {run}")
        with bl.Measure(emulator, f"series_rename #{run + 1}", runs):
            pull(env, alice)
    figures = list(runs.values())
    results["series_rename"] = {
        key: statistics.median(run[key] for run in figures)
        for key in ("requests", "operations", "sql", "seconds")
    }
    results["series_rename"]["runs"] = figures
    checks = {
        "occurrences pulled": (occurrences > 700, True),
        "every occurrence renamed": (
            series_names(env),
            {f"Renamed series {RUNS - 1}": occurrences},
        ),
        f"rename pulled in at most {MAX_REQUESTS} requests": (
            results["series_rename"]["requests"] <= MAX_REQUESTS,
            True,
        ),
    }
    bl.save(results, checks)
    emulator.stop()


main(env)  # noqa: F821 - provided by odoo-bin shell
