"""Outlook takes 4 concurrent requests per app and mailbox, batch steps included (issue 14,
item 8): a push to one calendar is not throttled by its own batch, a step left unrun behind a
throttled one is sent again, and being throttled never uses up a job's retries."""

from datetime import timedelta

from odoo.tests import tagged

from .test_sync_google import START
from .test_sync_microsoft import MicrosoftSyncCase

ALICE = "alice@example.com"


@tagged("post_install", "-at_install")
class TestGraphMailboxLimits(MicrosoftSyncCase):
    def setUp(self):
        super().setUp()
        # Graph sends 4 steps of a batch at a time, each in one of the mailbox's 4 slots
        self.microsoft.batch_parallel = 4

    def create_events(self, count):
        return (
            self.env["calendar.event"]
            .with_user(self.alice)
            .create(
                [
                    {
                        "name": f"Event {i}",
                        "start": START + timedelta(days=i),
                        "stop": START + timedelta(days=i, hours=1),
                        "user_id": self.alice.id,
                    }
                    for i in range(count)
                ]
            )
        )

    def failed_jobs(self):
        return self.env["queue.job"].search([("state", "=", "failed")])

    def test_forty_creates_reach_a_mailbox_busy_elsewhere_once_and_unthrottled(self):
        events = self.create_events(40)
        # three requests of the same app (other workers, another database) hold 3 of the
        # mailbox's 4 slots the whole time
        self.microsoft._inflight[ALICE] += 3
        try:
            self.run_jobs()
        finally:
            self.microsoft._inflight[ALICE] -= 3
        self.assertEqual(self.microsoft.throttled[ALICE], 0, "no step came back 429")
        self.assertEqual(self.emulator.count("microsoft", "batch"), 2, "two batches of 20")
        self.assertEqual(self.emulator.count("microsoft", "events.create", succeeded=True), 40)
        subjects = sorted(item["subject"] for item in self.outlook_events())
        self.assertEqual(subjects, sorted(events.mapped("name")), "each event once")
        self.assertEqual(set(events.mapped("cloud_sync_state")), {"synced"})
        self.assertFalse(self.failed_jobs())

    def test_steps_left_unrun_behind_a_throttled_step_are_sent_again(self):
        events = self.create_events(40)
        # the first create is throttled: the 19 chained after it in its batch fail with 424
        self.emulator.add_fault("microsoft", "events.create", status=429, retry_after=1)
        [job] = self.env["queue.job"].search([("state", "=", "pending")])
        self._perform_job(job, fail_unexpected=True)
        self.assertEqual(len(self.outlook_events()), 20, "the second batch went through")
        [later] = self.env["queue.job"].search([("state", "=", "pending")])
        self.assertEqual(later.retry, 0, "being throttled used no retry")
        self.run_jobs()
        subjects = sorted(item["subject"] for item in self.outlook_events())
        self.assertEqual(subjects, sorted(events.mapped("name")), "each event once")
        self.assertEqual(set(events.mapped("cloud_sync_state")), {"synced"})
        self.assertEqual(self.emulator.count("microsoft", "events.create", succeeded=True), 40)
        self.assertFalse(self.failed_jobs())

    def test_a_pull_throttled_for_long_uses_none_of_its_retries(self):
        self.pull()
        self.graph("POST", "/me/events", json=self.outlook_body("From Outlook"))
        # throttled 20 times in a row (more than the job's 15 retries), Retry-After 1 s
        self.emulator.add_fault(
            "microsoft", "calendarView.delta", status=429, retry_after=1, times=20
        )
        self.account._enqueue_pull()
        for _attempt in range(20):
            [job] = self.env["queue.job"].search([("state", "=", "pending")])
            self._perform_job(job, fail_unexpected=True)
            self.assertEqual(job.state, "pending", job.exc_info)
            self.assertEqual(job.retry, 0)
        [job] = self.env["queue.job"].search([("state", "=", "pending")])
        self._perform_job(job, fail_unexpected=True)
        self.assertEqual(job.state, "done")
        self.assertTrue(self.env["calendar.event"].search([("name", "=", "From Outlook")]))

    @staticmethod
    def outlook_body(subject):
        start = START + timedelta(days=2)
        return {
            "subject": subject,
            "start": {"dateTime": start.isoformat(), "timeZone": "UTC"},
            "end": {"dateTime": (start + timedelta(hours=1)).isoformat(), "timeZone": "UTC"},
        }
