"""Our engine's side of the benchmark scripts (ours.py, series.py): connecting an account the
way the connect flow leaves it, and running its jobs the way queue_job's runner does."""

from urllib.parse import parse_qs, urlparse

import benchlib as bl
import requests

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
    connector = account._connector(bl.PROVIDER)
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
    account._enqueue_pull()
    env.cr.commit()
    run_jobs(env)
