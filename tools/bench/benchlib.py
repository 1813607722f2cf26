"""Shared by the benchmark scripts that tools/bench.sh feeds to ``odoo-bin shell``: the
emulator, the provider-side data set, and one measurement = API requests + SQL queries + time.

The same steps run against calendar_cloud_sync (ours.py) and Odoo's own module (native.py:
google_calendar or microsoft_calendar), each in its own database, for the provider named by
``CCS_BENCH_PROVIDER`` (google or microsoft); report.py turns the JSON files into figures.
"""

import json
import os
import statistics
import sys
import time
from datetime import datetime, timedelta

import odoo.sql_db

from odoo.addons.calendar_cloud_sync.emulator import Emulator

PROVIDER = os.environ.get("CCS_BENCH_PROVIDER", "google")
ALICE = "alice@example.com"
BOB = "bob@example.com"
COLLEAGUES = [f"colleague{i}@example.com" for i in range(20)]
# every Google-side event lies inside both modules' default sync windows
DAYS_AHEAD = 300


def log(message):
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def start_emulator():
    emulator = Emulator()
    emulator.start()
    log(f"emulator on {emulator.base_url}")
    return emulator


def google_body(index, prefix="Bench"):
    """A timed event in Europe/Brussels; every other one invites a known colleague."""
    day = datetime.now().replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(
        days=1 + index % DAYS_AHEAD
    )
    start = day + timedelta(hours=7 + (index // DAYS_AHEAD) % 12, minutes=5 * (index % 12))
    body = {
        "summary": f"{prefix} event {index}",
        "description": f"Agenda of {prefix.lower()} event {index}",
        "location": f"Room {index % 7}",
        "start": {"dateTime": start.isoformat(), "timeZone": "Europe/Brussels"},
        "end": {
            "dateTime": (start + timedelta(minutes=45)).isoformat(),
            "timeZone": "Europe/Brussels",
        },
    }
    if index % 2 == 0:
        body["attendees"] = [{"email": COLLEAGUES[index % len(COLLEAGUES)]}]
    return body


def microsoft_body(index, prefix="Bench"):
    """google_body's event as Graph writes it."""
    body = google_body(index, prefix)
    return {
        "subject": body["summary"],
        "body": {"contentType": "text", "content": body["description"]},
        "location": {"displayName": body["location"]},
        # Outlook writes Windows zone ids (Graph refuses most IANA names): Brussels' one
        "start": {**body["start"], "timeZone": "Romance Standard Time"},
        "end": {**body["end"], "timeZone": "Romance Standard Time"},
        "attendees": [
            {"emailAddress": {"address": a["email"]}, "type": "required"}
            for a in body.get("attendees", ())
        ],
    }


def seed(emulator, email, first, count, prefix="Bench"):
    """Events created in the provider's own UI (emulator hooks: no API request is counted)."""
    started = time.monotonic()
    if PROVIDER == "google":
        google = emulator.providers["google"]
        ids = [
            google.put_event(email, google_body(index, prefix))["id"]
            for index in range(first, first + count)
        ]
    else:
        graph = emulator.providers["microsoft"]
        ids = [
            graph.put_event(email, microsoft_body(index, prefix))
            for index in range(first, first + count)
        ]
    log(f"seeded {count} {PROVIDER} events for {email} in {time.monotonic() - started:.1f}s")
    return ids


def change_one(emulator, email, event_id, label):
    """The user renames one event in Google or Outlook."""
    if PROVIDER == "google":
        emulator.providers["google"].change_event(email, event_id, {"summary": f"Renamed {label}"})
    else:
        emulator.providers["microsoft"].change_event(
            email, event_id, {"subject": f"Renamed {label}"}
        )


def odoo_events(index, user):
    """Values of new Odoo events of ``user`` (their own, no other attendee)."""
    start = datetime.now().replace(minute=0, second=0, microsecond=0) + timedelta(
        days=2 + index % DAYS_AHEAD, hours=index % 5
    )
    return {
        "name": f"Odoo event {index}",
        "description": f"Prepared in Odoo ({index})",
        "location": "Office",
        "start": start,
        "stop": start + timedelta(minutes=30),
        "user_id": user.id,
        "partner_ids": [(6, 0, user.partner_id.ids)],
    }


def ensure_users(env):
    """Alice and Bob (internal users in Brussels) and the colleagues' contacts."""
    users = {}
    for login, email in (("bench_alice", ALICE), ("bench_bob", BOB)):
        user = env["res.users"].search([("login", "=", login)])
        if not user:
            user = (
                env["res.users"]
                .with_context(no_reset_password=True)
                .create(
                    {
                        "name": login.split("_")[1].title(),
                        "login": login,
                        "email": email,
                        "tz": "Europe/Brussels",
                        "groups_id": [(6, 0, env.ref("base.group_user").ids)],
                    }
                )
            )
        users[email] = user
    for email in COLLEAGUES:
        if not env["res.partner"].search_count([("email", "=", email)]):
            env["res.partner"].create({"name": email.split("@")[0].title(), "email": email})
    env.cr.commit()
    return users


class Measure:
    """API requests (HTTP requests that reached the emulator), batch sub-operations, SQL
    queries (every cursor of this process) and wall time of the block."""

    def __init__(self, emulator, name, results):
        self.emulator = emulator
        self.name = name
        self.results = results

    def __enter__(self):
        log(f"{self.name}: measuring")
        with self.emulator.lock:
            self.emulator.stats.clear()
            self.emulator.operations.clear()
        self.sql = odoo.sql_db.sql_counter
        self.started = time.perf_counter()
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            return False
        seconds = time.perf_counter() - self.started
        with self.emulator.lock:
            by_endpoint = dict(self.emulator.stats)
            operations_by_endpoint = dict(self.emulator.operations)
            requests = self.emulator.count(PROVIDER)
            operations = self.emulator.count(PROVIDER, operations=True) - self.emulator.count(
                PROVIDER, "batch", operations=True
            )
        self.results[self.name] = {
            "requests": requests,
            "operations": operations,
            "sql": odoo.sql_db.sql_counter - self.sql,
            "seconds": round(seconds, 2),
            "by_endpoint": by_endpoint,
            "operations_by_endpoint": operations_by_endpoint,
        }
        log(f"{self.name}: {json.dumps(self.results[self.name])}")
        return False


def measure_incremental(emulator, name, results, email, ids, pull, times=5):
    """``times`` incremental pulls, each after one event changed remotely; the figures are
    the medians (one pull takes milliseconds: a single run would be noise)."""
    runs = {}
    for run in range(times):
        change_one(emulator, email, ids[(run + 1) * len(ids) // (times + 1)], f"{name} {run}")
        with Measure(emulator, f"{name} #{run + 1}", runs):
            pull()
    figures = list(runs.values())
    results[name] = {
        key: statistics.median(run[key] for run in figures)
        for key in ("requests", "operations", "sql", "seconds")
    }
    results[name]["runs"] = figures


def remote_events(emulator, email):
    """How many events the user's calendar holds on the provider."""
    if PROVIDER == "google":
        return len(emulator.providers["google"].events_of(email))
    with emulator.lock:
        return len(emulator.providers["microsoft"].mailbox(email).events)


def renamed(env):
    """Odoo events that carry a name given remotely by measure_incremental."""
    return env["calendar.event"].search_count([("name", "=like", "Renamed incremental%")])


def save(results, checks):
    """Write the figures and the checks (``{what: (got, expected)}``) that they are about
    work really done."""
    for what, (got, expected) in checks.items():
        log(f"check {what}: {got} (expected {expected})")
    path = os.environ["CCS_BENCH_OUT"]
    with open(path, "w") as out:
        json.dump({"figures": results, "checks": checks}, out, indent=1, sort_keys=True)
    log(f"results written to {path}")
