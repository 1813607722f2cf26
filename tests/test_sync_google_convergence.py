"""Long runs against Google: random edits on both sides, and the same under injected faults,
end with Odoo and Google holding the same events, with no duplicate and no API write that
was not needed (the scenarios are in ``sync_scenarios``, shared with Microsoft)."""

from datetime import timedelta

from odoo.tests import tagged

from .sync_scenarios import ConvergenceScenarios
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
        self.account._ccs_start_sync()


@tagged("post_install", "-at_install")
class TestRoundTripGoogle(GoogleConvergenceCase):
    def test_sixty_random_edits_on_both_sides_converge_without_a_loop(self):
        self.run_round_trip(seed=20261121, steps=60)


@tagged("post_install", "-at_install")
class TestFaultsGoogle(GoogleConvergenceCase):
    def test_faults_delay_sync_but_nothing_is_lost_or_duplicated(self):
        self.run_faults(seed=7)
