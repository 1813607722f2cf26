"""Long runs against Microsoft 365: random edits in Odoo and in Outlook (over Graph), and the
same under injected faults, end with Odoo and Outlook holding the same events, with no
duplicate and no Graph write that was not needed (scenarios shared with Google)."""

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import requests

from odoo import fields
from odoo.tests import tagged

from ..emulator.microsoft_event_model import render, window_items
from .sync_scenarios import ConvergenceScenarios
from .sync_scenarios_nasty import NastyCases, NastyScenarios, add_sweep_tests
from .test_sync_google import START
from .test_sync_microsoft import MicrosoftSyncCase

EMAIL = "alice@example.com"
REDIRECT = "http://127.0.0.1:1/calendar_cloud_sync/microsoft/callback"


class MicrosoftConvergenceCase(ConvergenceScenarios, MicrosoftSyncCase):
    PROVIDER = "microsoft"
    START = START
    WRITE_OPS = ("events.create", "events.update", "events.delete")
    FAULTS = (
        dict(endpoint="batch", status=429, retry_after=3),
        dict(endpoint="batch", status=503),
        dict(endpoint="calendarView.delta", status=503),
        dict(endpoint="calendarView.delta", status=429, retry_after=1),
        dict(endpoint="events.update", status=503),  # one part of a $batch
        dict(endpoint="login.token", status=503, reason="temporarily_unavailable"),
        dict(endpoint="events.update", status=429, retry_after=2),
        dict(endpoint="batch", status=0, delay=0.5),  # slow, then fine
    )

    def outlook(self, method, path, **kwargs):
        """A write in Outlook, which tries again when Graph is throttling or unavailable
        (faults left for the sync may meet it first)."""
        for _attempt in range(5):
            try:
                return self.graph(method, path, **kwargs)
            except requests.HTTPError as exc:
                if exc.response.status_code not in (429, 500, 502, 503, 504):
                    raise
        return self.graph(method, path, **kwargs)

    def remote_side(self):
        out = []
        for item in self.outlook_events():
            start = fields.Datetime.to_datetime(item["start"]["dateTime"][:19].replace("T", " "))
            location = (item.get("location") or {}).get("displayName") or ""
            out.append((item["subject"], location, start))
        return sorted(out)

    def remote_edit(self, rng):
        item = rng.choice(self.outlook_events())
        if rng.random() < 0.5:
            body = {"subject": self.edited_title(item["subject"], rng)}
        else:
            current = (item.get("location") or {}).get("displayName")
            body = {"location": {"displayName": self.other_room(rng, current)}}
        self.outlook("PATCH", f"/me/events/{item['id']}", json=body)

    def remote_create(self, title, start):
        self.outlook(
            "POST",
            "/me/events",
            json={
                "subject": title,
                "start": {"dateTime": start.isoformat(), "timeZone": "UTC"},
                "end": {"dateTime": (start + timedelta(hours=1)).isoformat(), "timeZone": "UTC"},
            },
        )

    def remote_delete(self, rng):
        self.outlook("DELETE", f"/me/events/{rng.choice(self.outlook_events())['id']}")

    def before_fault_step(self, step):
        if step % 3 == 2:
            # the hour is up: the next call refreshes, maybe against a failing token endpoint
            self.microsoft.expire_access_tokens(EMAIL)

    def revoke_access(self):
        self.microsoft.revoke_refresh_tokens(EMAIL)
        self.microsoft.expire_access_tokens(EMAIL)

    def reconnect(self):
        """The user signs in again (the authorization code flow through msal): the account
        gets a new token cache and sends what was kept meanwhile."""
        connector = self.account._connector("microsoft")
        url, flow = connector.begin(REDIRECT, "state", login_hint=EMAIL)
        redirect = requests.get(url, allow_redirects=False, timeout=10)
        query = {k: v[0] for k, v in parse_qs(urlparse(redirect.headers["Location"]).query).items()}
        self.account._set_secret("token_data", connector.finish(flow, query).token_data)
        self.account.sudo().state = "connected"
        self.account._enqueue_push()
        self.account._enqueue_pull()


@tagged("post_install", "-at_install")
class TestRoundTripMicrosoft(MicrosoftConvergenceCase):
    def test_sixty_random_edits_in_odoo_and_outlook_converge_without_a_loop(self):
        self.run_round_trip(seed=20261122, steps=60)


@tagged("post_install", "-at_install")
class TestFaultsMicrosoft(MicrosoftConvergenceCase):
    def test_faults_delay_sync_but_nothing_is_lost_or_duplicated(self):
        self.run_faults(seed=11)


class MicrosoftNastyCase(NastyScenarios, MicrosoftConvergenceCase):
    def outlook(self, method, path, **kwargs):
        answer = super().outlook(method, path, **kwargs)
        if method != "GET":
            self.own_writes += 1
        return answer

    def outlook_events(self, email=EMAIL):
        """Outlook's list, read again when Graph throttles (the mailbox is contended)."""
        page = self.outlook("GET", "/me/events")
        items = page["value"]
        while page.get("@odata.nextLink"):
            page = self.outlook("GET", page["@odata.nextLink"].split("/v1.0", 1)[1])
            items += page["value"]
        return items

    def remote_view(self):
        low, high = (moment.replace(tzinfo=UTC) for moment in self.window())
        out = []
        with self.emulator.lock:
            box = self.microsoft.mailbox(EMAIL)
            for record in list(box.events.values()):
                if record["type"] not in ("singleInstance", "seriesMaster"):
                    continue
                for _id, item in window_items(box, record, low, high):
                    view = render(box, item, "UTC")
                    if view["type"] == "seriesMaster" or view.get("isCancelled"):
                        continue
                    start = datetime.fromisoformat(view["start"]["dateTime"][:19])
                    location = (view.get("location") or {}).get("displayName") or ""
                    out.append((view["subject"], location, start))
        return sorted(out)

    def remote_delete_id(self, external_id):
        try:
            self.outlook("DELETE", f"/me/events/{external_id}")
        except requests.HTTPError as exc:
            # already deleted in Outlook, and Odoo has not heard of it yet
            if exc.response.status_code != 404:
                raise

    def remote_series(self, title, start, count):
        end = start + timedelta(hours=1)
        self.outlook(
            "POST",
            "/me/events",
            json={
                "subject": title,
                "start": {"dateTime": start.isoformat(), "timeZone": "UTC"},
                "end": {"dateTime": end.isoformat(), "timeZone": "UTC"},
                "recurrence": {
                    "pattern": {
                        "type": "weekly",
                        "interval": 1,
                        "daysOfWeek": [start.strftime("%A").lower()],
                    },
                    "range": {
                        "type": "numbered",
                        "startDate": start.date().isoformat(),
                        "numberOfOccurrences": count,
                    },
                },
            },
        )

    def remote_masters(self):
        return [e for e in self.outlook_events() if e.get("type") == "seriesMaster"]

    def remote_rename_series(self, rng):
        masters = self.remote_masters()
        if not masters:
            return False
        master = rng.choice(masters)
        body = {"subject": self.edited_title(master["subject"], rng)}
        self.outlook("PATCH", f"/me/events/{master['id']}", json=body)
        return True

    def remote_cancel_occurrence(self, rng, index=None):
        masters = self.remote_masters()
        if not masters:
            return False
        low, high = self.window()
        master_id = rng.choice(masters)["id"]
        window = f"startDateTime={low.isoformat()}Z&endDateTime={high.isoformat()}Z"
        found = self.outlook("GET", f"/me/events/{master_id}/instances?{window}&$top=100")
        instances = [i for i in found["value"] if i["type"] == "occurrence"]
        if not instances:
            return False
        chosen = rng.choice(instances) if index is None else instances[index]
        self.outlook("DELETE", f"/me/events/{chosen['id']}")
        return True


@tagged("post_install", "-at_install")
class TestNastyMicrosoft(MicrosoftNastyCase):
    def test_nasty_mode_random_run_converges(self):
        result = self.run_nasty(seed=303, steps=40)
        self.assert_converged(result, 303)

    def test_nasty_mode_with_api_faults_converges_after_sync_now(self):
        result = self.run_nasty(seed=404, steps=40, faults=True)
        self.assert_converged(result, 404)


@tagged("-standard", "ccs_sweep")
class TestSeedSweepMicrosoft(MicrosoftNastyCase):
    """``tools/seed_sweep.sh``: many seeds, long runs, one line of figures per seed."""


add_sweep_tests(TestSeedSweepMicrosoft, "microsoft")


@tagged("post_install", "-at_install")
class TestNastyCasesMicrosoft(NastyCases, MicrosoftNastyCase):
    # the cases are written once, in NastyCases, for both providers
    allow_inherited_tests_method = True
