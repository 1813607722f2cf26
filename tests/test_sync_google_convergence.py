"""Long runs against Google: random edits on both sides, and the same under injected faults,
end with Odoo and Google holding the same events, with no duplicate and no API write that
was not needed (the scenarios are in ``sync_scenarios``, shared with Microsoft)."""

from datetime import UTC, datetime, timedelta

from odoo.tests import tagged

from .sync_scenarios import ConvergenceScenarios
from .sync_scenarios_nasty import NastyCases, NastyScenarios, add_sweep_tests
from .test_sync_google import START, GoogleSyncCase

EMAIL = "alice@example.com"


class GoogleConvergenceCase(ConvergenceScenarios, GoogleSyncCase):
    PROVIDER = "google"
    START = START
    WRITE_OPS = ("events.insert", "events.patch", "events.update", "events.delete")
    FAULTS = (
        dict(endpoint="batch", status=429, retry_after=3),
        dict(endpoint="batch", status=503),
        dict(endpoint="events.list", status=500),
        dict(endpoint="events.list", status=429, retry_after=1),
        dict(endpoint="events.patch", status=503),
        dict(endpoint="events.insert", status=500),
        dict(endpoint="batch", status=0, delay=0.5),  # slow, then fine
    )

    def remote_side(self):
        odoo = self.env["calendar.event"]
        out = []
        for item in self.remote_events():
            start = item["start"]["dateTime"]
            moment = odoo._fields["start"].to_datetime(start[:19].replace("T", " "))
            if not start.endswith("Z"):
                offset = start[19:]
                sign = 1 if offset[0] == "+" else -1
                hours, minutes = int(offset[1:3]), int(offset[4:6])
                moment -= sign * timedelta(hours=hours, minutes=minutes)
            out.append((item.get("summary", ""), item.get("location", ""), moment))
        return sorted(out)

    def remote_edit(self, rng):
        item = rng.choice(self.remote_events())
        if rng.random() < 0.5:
            changes = {"summary": self.edited_title(item["summary"], rng)}
        else:
            changes = {"location": self.other_room(rng, item.get("location"))}
        self.google.change_event(EMAIL, item["id"], changes)

    def remote_create(self, title, start):
        end = start + timedelta(hours=1)
        self.google.put_event(
            EMAIL,
            {
                "summary": title,
                "start": {"dateTime": start.isoformat() + "Z", "timeZone": "UTC"},
                "end": {"dateTime": end.isoformat() + "Z", "timeZone": "UTC"},
            },
        )

    def remote_delete(self, rng):
        self.google.remove_event(EMAIL, rng.choice(self.remote_events())["id"])

    def revoke_access(self):
        self.google.revoke_refresh_tokens(EMAIL)

    def reconnect(self):
        grant = self.google.grant(EMAIL)
        self.account._set_secret("token_data", {"refresh_token": grant["refresh_token"]})
        self.account.sudo().state = "connected"
        self.account._start_sync()


@tagged("post_install", "-at_install")
class TestRoundTripGoogle(GoogleConvergenceCase):
    def test_sixty_random_edits_on_both_sides_converge_without_a_loop(self):
        self.run_round_trip(seed=20261121, steps=60)


@tagged("post_install", "-at_install")
class TestFaultsGoogle(GoogleConvergenceCase):
    def test_faults_delay_sync_but_nothing_is_lost_or_duplicated(self):
        self.run_faults(seed=7)


def utc_naive(when):
    moment = datetime.fromisoformat(when["dateTime"].replace("Z", "+00:00"))
    return moment.astimezone(UTC).replace(tzinfo=None)


class GoogleNastyCase(NastyScenarios, GoogleConvergenceCase):
    def remote_view(self):
        low, high = (moment.replace(tzinfo=UTC) for moment in self.window())
        google = self.google
        with self.emulator.lock:
            _box, calendar = google._hook_calendar(EMAIL, "primary")
            items = []
            for entry in list(calendar.entries.values()):
                items += google._items_of(calendar, entry, True, False, (low, high))
        return sorted(
            (i.get("summary", ""), i.get("location", ""), utc_naive(i["start"])) for i in items
        )

    def remote_delete_id(self, external_id):
        self.google.remove_event(EMAIL, external_id)

    def remote_series(self, title, start, count):
        end = start + timedelta(hours=1)
        self.google.put_event(
            EMAIL,
            {
                "summary": title,
                "start": {"dateTime": start.isoformat() + "Z", "timeZone": "UTC"},
                "end": {"dateTime": end.isoformat() + "Z", "timeZone": "UTC"},
                "recurrence": [f"RRULE:FREQ=WEEKLY;COUNT={count}"],
            },
        )

    def remote_masters(self):
        return [e for e in self.remote_events() if e.get("recurrence")]

    def remote_rename_series(self, rng):
        masters = self.remote_masters()
        if not masters:
            return False
        master = rng.choice(masters)
        self.google.change_event(
            EMAIL, master["id"], {"summary": self.edited_title(master["summary"], rng)}
        )
        return True

    def remote_cancel_occurrence(self, rng, index=None):
        masters = self.remote_masters()
        if not masters:
            return False
        master_id = rng.choice(masters)["id"]
        low, high = (moment.replace(tzinfo=UTC) for moment in self.window())
        google = self.google
        with self.emulator.lock:
            _box, calendar = google._hook_calendar(EMAIL, "primary")
            entry = calendar.entries[master_id]
            instances = google._items_of(calendar, entry, True, False, (low, high))
        if not instances:
            return False
        chosen = rng.choice(instances) if index is None else instances[index]
        google.remove_event(EMAIL, chosen["id"])
        return True


@tagged("post_install", "-at_install")
class TestNastyGoogle(GoogleNastyCase):
    def test_nasty_mode_random_run_converges(self):
        result = self.run_nasty(seed=101, steps=40)
        self.assert_converged(result, 101)

    def test_nasty_mode_with_api_faults_converges_after_sync_now(self):
        result = self.run_nasty(seed=202, steps=40, faults=True)
        self.assert_converged(result, 202)


@tagged("-standard", "ccs_sweep")
class TestSeedSweepGoogle(GoogleNastyCase):
    """``tools/seed_sweep.sh``: many seeds, long runs, one line of figures per seed."""


add_sweep_tests(TestSeedSweepGoogle, "google")


@tagged("post_install", "-at_install")
class TestNastyCasesGoogle(NastyCases, GoogleNastyCase):
    # the cases are written once, in NastyCases, for both providers
    allow_inherited_tests_method = True
