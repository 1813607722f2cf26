"""What a series changed at the provider costs to pull: requests in proportion to what changed,
not to the series' length in the sync window (issue 14, item 7). A daily series without an end
has about 700 occurrences in the default window; renaming it in Outlook must not read them
again one page of ``/instances`` at a time, and its moved and cancelled occurrences stay."""

from datetime import UTC, timedelta

from odoo.tests import tagged

from .test_sync_google import START
from .test_sync_microsoft import MicrosoftSyncCase
from .test_sync_microsoft_recurrence import BRUSSELS

# the target of issue 14: a pulled rename of a daily series in at most 5 requests
RENAME_REQUESTS = 5


@tagged("post_install", "-at_install")
class TestSeriesChangeCostMicrosoft(MicrosoftSyncCase):
    def daily_series(self, subject):
        """A daily series without an end, made in Outlook (Brussels wall time)."""
        local = START.replace(tzinfo=UTC).astimezone(BRUSSELS).replace(tzinfo=None)
        return self.graph(
            "POST",
            "/me/events",
            json={
                "subject": subject,
                "start": {"dateTime": local.isoformat(), "timeZone": "Romance Standard Time"},
                "end": {
                    "dateTime": (local + timedelta(minutes=15)).isoformat(),
                    "timeZone": "Romance Standard Time",
                },
                "recurrence": {
                    "pattern": {"type": "daily", "interval": 1},
                    "range": {"type": "noEnd", "startDate": local.date().isoformat()},
                },
            },
        )

    def instances(self, master_id, days):
        params = {
            "startDateTime": f"{START - timedelta(days=1):%Y-%m-%dT%H:%M:%SZ}",
            "endDateTime": f"{START + timedelta(days=days):%Y-%m-%dT%H:%M:%SZ}",
        }
        return self.graph("GET", f"/me/events/{master_id}/instances", params=params)["value"]

    def series_events(self, subject):
        base = self.env["calendar.event"].search(
            [("name", "=", subject), ("recurrency", "=", True)], order="start", limit=1
        )
        self.assertTrue(base, f"{subject} reached Odoo")
        return self.env["calendar.event"].search(
            [("recurrence_id", "=", base.recurrence_id.id)], order="start"
        )

    def pulled_requests(self):
        """Graph requests of one pull (a $batch is one)."""
        before = self.emulator.count("microsoft")
        self.pull()
        return self.emulator.count("microsoft") - before

    def test_a_pulled_rename_of_a_daily_series_costs_a_few_requests(self):
        master = self.daily_series("Standup")
        self.pull()
        events = self.series_events("Standup")
        self.assertGreater(len(events), 600, "the whole window's occurrences")
        self.assertEqual(self.pulled_requests(), 1, "nothing changed: one delta page")

        self.graph("PATCH", f"/me/events/{master['id']}", json={"subject": "Daily standup"})
        requests = self.pulled_requests()

        self.assertLessEqual(requests, RENAME_REQUESTS)
        self.assertEqual(self.series_events("Daily standup"), events, "no event recreated")
        self.assertEqual(set(events.mapped("name")), {"Daily standup"})
        self.assertEqual(self.pulled_requests(), 1, "and quiet again")

    def test_a_renamed_series_keeps_its_moved_and_cancelled_occurrences(self):
        master = self.daily_series("Standup")
        self.pull()
        events = self.series_events("Standup")
        first = self.instances(master["id"], 5)
        moved_to = START + timedelta(days=1, hours=2)
        self.graph(
            "PATCH",
            f"/me/events/{first[1]['id']}",
            json={
                "subject": "Standup (late)",
                "start": {"dateTime": moved_to.isoformat(), "timeZone": "UTC"},
                "end": {
                    "dateTime": (moved_to + timedelta(minutes=15)).isoformat(),
                    "timeZone": "UTC",
                },
            },
        )
        self.graph("DELETE", f"/me/events/{first[3]['id']}")
        self.pull()
        self.assertFalse(events[3].active, "the cancelled occurrence left the series")
        self.assertEqual(events[1].start, moved_to)

        self.graph("PATCH", f"/me/events/{master['id']}", json={"subject": "Daily standup"})
        requests = self.pulled_requests()

        self.assertLessEqual(requests, RENAME_REQUESTS)
        self.assertFalse(events[3].active, "still cancelled")
        self.assertEqual(events[1].start, moved_to, "still moved")
        self.assertEqual(events[1].name, "Standup (late)", "its own title is its own")
        kept = events - events[1] - events[3]
        self.assertEqual(set(kept.mapped("name")), {"Daily standup"})
        self.assertTrue(all(kept.mapped("active")))
        self.assertFalse(self.env["calendar.sync.conflict"].search([]))

    def test_an_occurrence_cancelled_after_the_rename_is_still_seen(self):
        """The delta's own listing stands for /instances only where it is complete."""
        master = self.daily_series("Standup")
        self.pull()
        events = self.series_events("Standup")
        first = self.instances(master["id"], 5)
        self.graph("PATCH", f"/me/events/{master['id']}", json={"subject": "Daily standup"})
        self.graph("DELETE", f"/me/events/{first[2]['id']}")
        self.assertLessEqual(self.pulled_requests(), RENAME_REQUESTS)
        self.assertFalse(events[2].active)
        self.assertEqual(set((events - events[2]).mapped("name")), {"Daily standup"})
