# Fed to `odoo-bin shell` (issue 13; last step of `make bench`, or BENCH_ONLY=availability):
# free slots common to 10 users over 2 weeks, half of them connected to Google, half to
# Microsoft, each with 20 Odoo events and 20 provider events, all against the local emulator:
# provider requests, SQL queries and milliseconds of one cold find_slots (providers asked) and
# one warm (their answers cached), the event form's busy bar of the 10 users for a day (cold,
# cached; printed only), then 3 bookings (median). Rolled back. By hand:
#   . tools/env.sh; odoo_bin shell -d <db> --no-http --log-level=warn < tools/bench/availability.py
# (with CCS_BENCH_OUT=<file.json> set, as bench.sh does, the figures also go to that file)
import json
import os
import statistics
import time
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlparse

import requests

import odoo.sql_db

from odoo.addons.calendar_cloud_sync.emulator import Emulator
from odoo.addons.calendar_cloud_sync.tools import emulator_settings

USERS, DAYS, EVENTS = 10, 14, 20
START = datetime(2030, 1, 7)
REDIRECT = "http://127.0.0.1:1/calendar_cloud_sync/microsoft/callback"
env = globals()["env"]  # provided by odoo-bin shell

emulator = Emulator()
emulator.start()
emulator_settings.configure(
    env, emulator.base_url, emulator.tls_base_url, emulator.ca_file, "http://127.0.0.1:9"
)
env["ir.config_parameter"].sudo().set_param(
    "calendar_cloud_sync.webhook_base_url", "http://127.0.0.1:9"
)


def connect(user, email, provider):
    account = env["calendar.sync.account"].create({"user_id": user.id, "provider": provider})
    connector = account._connector(provider)
    if provider == "google":
        token_data = {"refresh_token": emulator.providers["google"].grant(email)["refresh_token"]}
    else:
        emulator.providers["microsoft"].auto_approve = True
        url, flow = connector.begin(REDIRECT, "state", login_hint=email)
        location = requests.get(url, allow_redirects=False, timeout=10).headers["Location"]
        query = {k: v[0] for k, v in parse_qs(urlparse(location).query).items()}
        token_data = connector.finish(flow, query).token_data
    calendars, token_data = connector.calendars(token_data)
    [default] = [c for c in calendars if c.is_default]
    account._set_secret("token_data", token_data)
    account.write({"state": "connected", "remote_email": email, "remote_calendar_id": default.id})


users = env["res.users"]
for index in range(USERS):
    provider = "google" if index % 2 else "microsoft"
    email = f"bench{index}@example.com"
    user = (
        env["res.users"]
        .with_context(no_reset_password=True, mail_create_nolog=True)
        .create({"name": f"Bench {index}", "login": f"bench_avail_{index}", "tz": "UTC"})
    )
    users |= user
    connect(user, email, provider)
    for n in range(EVENTS):
        day = START + timedelta(days=n % DAYS, hours=8 + (n + index) % 9)
        env["calendar.event"].with_context(
            mail_create_nolog=True, no_mail_to_attendees=True
        ).create(
            {
                "name": "Busy",
                "start": day,
                "stop": day + timedelta(minutes=30),
                "user_id": user.id,
                "partner_ids": [(6, 0, user.partner_id.ids)],
            }
        )
        moment = START + timedelta(days=n % DAYS, hours=9 + (2 * n + index) % 8, minutes=30)
        end = moment + timedelta(minutes=30)
        if provider == "google":
            emulator.providers["google"].put_event(
                email,
                {
                    "summary": "Remote",
                    "start": {"dateTime": moment.isoformat() + "Z"},
                    "end": {"dateTime": end.isoformat() + "Z"},
                },
            )
        else:
            emulator.providers["microsoft"].put_event(
                email,
                {
                    "subject": "Remote",
                    "start": {"dateTime": moment.isoformat(), "timeZone": "UTC"},
                    "end": {"dateTime": end.isoformat(), "timeZone": "UTC"},
                },
            )
env.flush_all()
# the users' Odoo events are at their providers already, as after the first sync: a booking's
# push then sends the booking alone (not 20 events waiting since the set-up)
for account in env["calendar.sync.account"].search([("user_id", "in", users.ids)]):
    account._job_push()
env.flush_all()
Availability = env["calendar.sync.availability"]


figures = {}


def measure(label, call, key=None):
    env.invalidate_all()
    emulator.stats.clear()
    queries, started = odoo.sql_db.sql_counter, time.monotonic()
    answer = call()
    env.flush_all()
    run = {
        "ms": round(1000 * (time.monotonic() - started)),
        "sql": odoo.sql_db.sql_counter - queries,
        "requests": emulator.count(),
    }
    print(f"{label}: {run['ms']} ms, {run['sql']} SQL, {run['requests']} provider requests")
    print(f"  requests by endpoint: {dict(emulator.stats)}")
    if key:
        figures.setdefault(key, []).append(run)
    return answer


def ask():
    return Availability.find_slots(
        users.ids, "2030-01-07 00:00:00", "2030-01-21 00:00:00", 30, step_minutes=15
    )


answer = measure("availability 10 users x 2 weeks, cold", ask, "availability_cold")
print(f"  {len(answer['slots'])} slots, degraded={answer['degraded']}")
cached = measure("availability 10 users x 2 weeks, cached", ask, "availability_cached")


def bar():
    """The event form's busy bar for a meeting of the 10 users: their busy time that day."""
    return Availability.attendee_busy(
        users.partner_id.ids, "2030-01-07 00:00:00", "2030-01-08 00:00:00"
    )


# the bar's own day is not in the cache of the two weeks asked above
measure("busy bar of 10 attendees for a day, cold", bar)
measure("busy bar of 10 attendees for a day, cached", bar)
statuses = []
# the first free slot, booked for three users (Google, Microsoft, Google): none is taken
for index in (1, 0, 3):
    slot = answer["slots"][0]
    booked = measure(
        f"booking one slot for a {'Google' if index % 2 else 'Microsoft'} user "
        "(re-check, create, push)",
        lambda slot=slot, index=index: Availability.book(
            users[index].id, slot["start"], slot["end"], "Bench booking"
        ),
        "booking",
    )
    statuses.append(booked["status"])
print(f"  {statuses}")
env.cr.rollback()
emulator.stop()
if os.environ.get("CCS_BENCH_OUT"):
    results = {
        name: {
            key: statistics.median(run[key] for run in runs) for key in ("ms", "sql", "requests")
        }
        for name, runs in figures.items()
    }
    checks = {
        "slots found": (bool(answer["slots"]), True),
        "not degraded": (answer["degraded"], False),
        "cached answer asks no provider": (results["availability_cached"]["requests"], 0),
        "cached answer is the same": (cached["slots"] == answer["slots"], True),
        "every booking booked": (statuses, ["booked"] * 3),
    }
    with open(os.environ["CCS_BENCH_OUT"], "w") as out:
        json.dump({"figures": results, "checks": checks}, out, indent=1, sort_keys=True)
