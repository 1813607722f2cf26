# Fed to `odoo-bin shell` by tools/bench_notify.sh while an Odoo server with queue_job's runner
# serves the same database at CCS_BENCH_ODOO_URL: notifications over real HTTP, pulls run by
# the server's job runner against the Google emulator started here.
# CCS_BENCH_PHASES: "storm" (issue 10 item 6) and/or "endpoint" (item 7).
import json
import os
import queue
import statistics
import sys
import threading
import time

sys.path.insert(0, os.environ["CCS_BENCH_DIR"])

import benchlib as bl
import requests

import odoo.sql_db

from odoo.addons.calendar_cloud_sync.tools import emulator_settings

ODOO = os.environ["CCS_BENCH_ODOO_URL"]
PHASES = os.environ.get("CCS_BENCH_PHASES", "storm,endpoint").split(",")
LABEL = os.environ.get("CCS_BENCH_LABEL", "threaded")
RATE, SECONDS = 100, 20  # notifications per second, for this long
SENDERS = 4  # connections posting the storm
ENDPOINT_CALLS = 400  # per route, one connection, alternating
NOTIFY = "/calendar_cloud_sync/google/notify"


def wait_jobs(env, timeout=180):
    """Until the server's runner has no job of ours left to run."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        env.cr.rollback()
        left = env["queue.job"].search_count([("state", "in", ("pending", "enqueued", "started"))])
        if not left:
            return
        time.sleep(0.2)
    raise RuntimeError("jobs still pending: is the server's job runner on?")


def connect(env, emulator, user):
    """A connected Google account with its first sync done and its channel open."""
    Account = env["calendar.sync.account"]
    account = Account.search([("user_id", "=", user.id), ("provider", "=", "google")])
    account = account or Account.create({"user_id": user.id, "provider": "google"})
    token = emulator.providers["google"].grant(bl.ALICE)["refresh_token"]
    account._set_secret("token_data", {"refresh_token": token})
    account.write(
        {
            "state": "connected",
            "remote_email": bl.ALICE,
            "remote_calendar_id": bl.ALICE,
            "remote_calendar_name": bl.ALICE,
            "sync_cursor": False,
            "channel_id": False,
        }
    )
    account._start_sync()
    env.cr.commit()
    wait_jobs(env)
    [channel] = emulator.providers["google"].channels_of(bl.ALICE)
    return account, {
        "X-Goog-Channel-ID": channel.id,
        "X-Goog-Channel-Token": channel.token,
        "X-Goog-Resource-ID": channel.resource_id,
        "X-Goog-Resource-URI": channel.resource_uri,
        "X-Goog-Resource-State": "exists",
    }


def storm(env, emulator, account, headers, results):
    """RATE renames per second in Google for SECONDS, each followed by its notification:
    how many pulls ran, and how long until Odoo's event showed each rename."""
    [event_id] = bl.seed(emulator, bl.ALICE, 0, 1, prefix="Storm")
    requests.post(ODOO + NOTIFY, headers=headers, timeout=10)
    wait_jobs(env)
    binding = env["calendar.sync.binding"].search([("external_id", "=", event_id)])
    odoo_event_id = binding.event_id.id
    google = emulator.providers["google"]
    with emulator.notifier._lock:
        emulator.notifier.mode.drop = 10**9  # the storm's notifications are posted below
    env.cr.execute("SELECT now() AT TIME ZONE 'UTC'")
    [storm_start] = env.cr.fetchone()
    env.cr.commit()

    sent_at, seen_at, statuses = {}, {}, []
    outbox = queue.Queue()
    changing = threading.Lock()
    counter = iter(range(RATE * SECONDS))

    def sender():
        # as a provider does: the change, then its notification; the labels follow the order
        # of the changes, whichever sender makes them
        session = requests.Session()
        while outbox.get() is not None:
            with changing:
                label = next(counter)
                google.change_event(bl.ALICE, event_id, {"summary": f"Renamed {label}"})
                sent_at[label] = time.monotonic()
            statuses.append(session.post(ODOO + NOTIFY, headers=headers, timeout=30).status_code)

    def watcher(stop):
        with odoo.sql_db.db_connect(env.cr.dbname).cursor() as cr:
            while not stop.is_set():
                cr.execute("SELECT name FROM calendar_event WHERE id = %s", [odoo_event_id])
                name = cr.fetchone()[0] or ""
                cr.rollback()
                if name.startswith("Renamed "):
                    shown = int(name.split()[-1])
                    now = time.monotonic()
                    for label in [i for i in list(sent_at) if i <= shown and i not in seen_at]:
                        seen_at[label] = now
                time.sleep(0.02)

    threads = [threading.Thread(target=sender) for _i in range(SENDERS)]
    stop = threading.Event()
    watch = threading.Thread(target=watcher, args=(stop,))
    for thread in [*threads, watch]:
        thread.start()
    started = time.monotonic()
    for index in range(RATE * SECONDS):
        delay = started + index / RATE - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        outbox.put(index)
    for _thread in threads:
        outbox.put(None)
    for thread in threads:
        thread.join()
    duration = time.monotonic() - started
    bl.log(f"storm: {len(statuses)} notifications in {duration:.1f}s")
    deadline = time.monotonic() + 60
    while len(seen_at) < len(sent_at) and time.monotonic() < deadline:
        time.sleep(0.1)
    stop.set()
    watch.join()
    wait_jobs(env)
    env.cr.execute(
        "SELECT count(*) FROM queue_job WHERE method_name = '_job_pull' AND date_created >= %s",
        [storm_start],
    )
    [pulls] = env.cr.fetchone()
    latencies = sorted(seen_at[i] - sent_at[i] for i in seen_at)
    results["storm_notifications"] = len(statuses)
    results["storm_seconds"] = duration
    results["storm_non_2xx"] = sum(1 for s in statuses if not 200 <= s < 300)
    results["storm_pull_jobs"] = pulls
    results["storm_unseen_changes"] = len(sent_at) - len(seen_at)
    results["storm_latency_median_s"] = statistics.median(latencies)
    results["storm_latency_p95_s"] = percentile(latencies, 0.95)
    with emulator.notifier._lock:
        emulator.notifier.mode.drop = 0


def percentile(values, share):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * share))]


def endpoint(env, headers, results):
    """One connection, alternating: Odoo's /web/health and a valid Google notification."""
    session = requests.Session()
    timings = {"health": [], "notify": []}
    for _i in range(20):  # warm-up: routing map, registry, connection
        session.get(ODOO + "/web/health", timeout=10)
        session.post(ODOO + NOTIFY, headers=headers, timeout=10)
    for _i in range(ENDPOINT_CALLS):
        began = time.perf_counter()
        answer = session.get(ODOO + "/web/health", timeout=10)
        timings["health"].append(time.perf_counter() - began)
        assert answer.status_code == 200, answer.status_code
        began = time.perf_counter()
        answer = session.post(ODOO + NOTIFY, headers=headers, timeout=10)
        timings["notify"].append(time.perf_counter() - began)
        assert answer.status_code == 200, answer.status_code
    for route, values in timings.items():
        results[f"endpoint_{LABEL}_{route}_p50_ms"] = percentile(values, 0.50) * 1000
        results[f"endpoint_{LABEL}_{route}_p99_ms"] = percentile(values, 0.99) * 1000
    wait_jobs(env)


def main(env):
    emulator = bl.start_emulator()
    env["ir.config_parameter"].sudo().set_param("web.base.url", ODOO)
    emulator_settings.configure(
        env, emulator.base_url, emulator.tls_base_url, emulator.ca_file, ODOO
    )
    users = bl.ensure_users(env)
    account, headers = connect(env, emulator, users[bl.ALICE])
    results = {}
    if "storm" in PHASES:
        storm(env, emulator, account, headers, results)
    if "endpoint" in PHASES:
        endpoint(env, headers, results)
    with open(os.environ["CCS_BENCH_OUT"], "w") as out:
        json.dump(results, out, indent=1)
    emulator.stop()


main(env)  # noqa: F821 - provided by odoo-bin shell
