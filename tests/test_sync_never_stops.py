"""An account never stops syncing (issue 9): each case is a sequence the real providers allow
that once stopped an account for good. Both providers where the case exists on both."""

import contextlib
import json
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from odoo import fields
from odoo.tests import HttpCase, tagged

from .test_sync_google import START, GoogleSyncCase
from .test_sync_microsoft import MicrosoftSyncCase


class _JobCrashed(Exception):
    """The worker died after the provider answered, before the job's transaction committed."""


class NeverStopsMixin:
    """What both providers' cases share: jobs that must neither fail nor be left behind."""

    def run_jobs_strictly(self):
        """Run every job as queue_job's runner would; no job may end failed."""
        ran = self.run_jobs()
        failed = self.env["queue.job"].search([("state", "=", "failed")])
        self.assertFalse(failed, failed.mapped("exc_info"))
        return ran

    def crash_after_push(self):
        """The push job runs and reaches the provider, then its transaction is lost."""
        with contextlib.suppress(_JobCrashed), self.env.cr.savepoint():
            self.account._job_push()
            self.env.flush_all()
            raise _JobCrashed
        self.env.invalidate_all()
        self.env["queue.job"].search([("state", "in", ("pending", "enqueued"))]).unlink()

    def odoo_events(self):
        return self.env["calendar.event"].search([("user_id", "=", self.alice.id)])


@tagged("post_install", "-at_install")
class TestNeverStopsGoogle(NeverStopsMixin, GoogleSyncCase):
    def test_an_edit_of_an_event_deleted_at_google_meanwhile_sends_it_again(self):
        # item 1 and 2: the PATCH gets 412, the event reads back cancelled; the job must not
        # crash, the other operation of the batch must keep its result, the event comes back
        event = self.new_event(name="Kept")
        self.run_jobs_strictly()
        self.google.remove_event("alice@example.com", self.binding(event).external_id)
        event.write({"name": "Kept, edited"})
        bystander = self.new_event(name="Bystander", start=START + timedelta(days=1))
        self.run_jobs_strictly()
        live = {e["summary"] for e in self.remote_events()}
        self.assertEqual(live, {"Kept, edited", "Bystander"})
        self.assertEqual(self.binding(event).state, "synced")
        self.assertEqual(self.binding(bystander).state, "synced")
        # and the account goes on syncing both ways
        [remote] = [e for e in self.remote_events() if e["summary"] == "Bystander"]
        self.google.change_event("alice@example.com", remote["id"], {"summary": "Bystander 2"})
        self.pull()
        self.assertEqual(bystander.name, "Bystander 2")
        self.assertFalse(self.env["queue.job"].search([("state", "=", "failed")]))

    def test_an_insert_accepted_by_a_job_that_rolled_back_is_bound_not_imported(self):
        # item 3: the pull recognises the id the addon chose for its own create
        event = self.new_event(name="Mine")
        self.crash_after_push()
        self.assertEqual(len(self.remote_events()), 1, "Google has it")
        self.assertFalse(self.binding(event).external_id, "Odoo does not know it")
        self.pull()
        self.run_jobs_strictly()
        self.assertEqual(len(self.odoo_events()), 1, "no duplicate in Odoo")
        self.assertEqual(len(self.remote_events()), 1, "no duplicate at Google")
        self.assertEqual(self.binding(event).external_id, self.remote_events()[0]["id"])
        self.assertEqual(self.binding(event).state, "synced")

    def test_renaming_a_series_keeps_its_moved_and_cancelled_occurrences(self):
        # item 4: only the master's summary changes; the exceptions stay what they are
        base = self.new_event(
            name="Standup", recurrency=True, rrule_type="daily", end_type="count", count=5
        )
        self.run_jobs_strictly()
        series_id = self.binding(base).external_id
        day = START.replace(tzinfo=ZoneInfo("UTC"))
        first, second, third = (day + timedelta(days=n) for n in range(3))
        self.google.remove_event("alice@example.com", f"{series_id}_{second:%Y%m%dT%H%M%SZ}")
        self.google.change_event(
            "alice@example.com",
            f"{series_id}_{third:%Y%m%dT%H%M%SZ}",
            {
                "start": {"dateTime": (third + timedelta(hours=1)).isoformat(), "timeZone": "UTC"},
                "end": {"dateTime": (third + timedelta(hours=2)).isoformat(), "timeZone": "UTC"},
            },
        )
        self.pull()
        before = self.env["calendar.event"].search([("recurrence_id", "=", base.recurrence_id.id)])
        self.assertEqual(len(before), 4)
        self.google.change_event("alice@example.com", series_id, {"summary": "Daily"})
        self.pull()
        self.run_jobs_strictly()
        after = self.env["calendar.event"].search([("recurrence_id", "=", base.recurrence_id.id)])
        self.assertEqual(after, before, "no occurrence deleted and created again")
        starts = sorted(e.start for e in after)
        self.assertIn(first.replace(tzinfo=None), starts)
        self.assertIn(third.replace(tzinfo=None) + timedelta(hours=1), starts, "moved stays moved")
        self.assertNotIn(second.replace(tzinfo=None), starts, "the cancelled one stays gone")
        self.assertEqual(base.name, "Daily")
        # every occurrence as Google shows it: same instants, same titles
        instances = self.account._adapter().client.instances("alice@example.com", series_id)
        at_google = sorted(
            (datetime.fromisoformat(i["start"]["dateTime"]), i["summary"]) for i in instances
        )
        in_odoo = sorted((e.start.replace(tzinfo=UTC), e.name) for e in after)
        self.assertEqual(in_odoo, at_google)

    def test_renaming_a_weekly_google_series_worded_without_byday_keeps_odoo_occurrences(self):
        # Google words "weekly on the start's day" without BYDAY; Odoo with it: same rule
        start = START.replace(tzinfo=ZoneInfo("UTC"))
        master = self.google.put_event(
            "alice@example.com",
            {
                "summary": "Review",
                "start": {"dateTime": start.isoformat(), "timeZone": "UTC"},
                "end": {"dateTime": (start + timedelta(hours=1)).isoformat(), "timeZone": "UTC"},
                "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=4"],
            },
        )
        self.pull()
        second = start + timedelta(days=7)
        self.google.remove_event("alice@example.com", f"{master['id']}_{second:%Y%m%dT%H%M%SZ}")
        self.pull()
        before = self.env["calendar.event"].search([("name", "=", "Review")])
        self.assertEqual(len(before), 3)
        self.google.change_event("alice@example.com", master["id"], {"summary": "Review v2"})
        self.pull()
        self.run_jobs_strictly()
        after = self.env["calendar.event"].search([("name", "like", "Review")])
        self.assertEqual(after, before, "renamed in place, none deleted and created again")
        self.assertEqual(set(after.mapped("name")), {"Review v2"})

    def test_deleting_one_occurrence_with_unlink_excludes_it_at_google(self):
        # item 5: the list view's Delete (unlink over RPC) of one occurrence
        base = self.new_event(
            name="Standup", recurrency=True, rrule_type="daily", end_type="count", count=5
        )
        self.run_jobs_strictly()
        occurrences = self.env["calendar.event"].search(
            [("recurrence_id", "=", base.recurrence_id.id)], order="start"
        )
        slot = occurrences[2].start
        occurrences[2].with_user(self.alice).unlink()
        self.run_jobs_strictly()
        [master] = [e for e in self.remote_events() if e.get("recurrence")]
        self.assertIn(f"EXDATE:{slot:%Y%m%dT%H%M%SZ}", master["recurrence"])
        self.assertEqual(len(self.odoo_events()), 4)

    def test_removing_the_first_occurrence_keeps_the_series_at_google(self):
        # the first event carries the series: Odoo moves the series to the next one, and
        # Google gets an EXDATE, not a deleted series (unlink) or a second series (archive)
        for remove in ("unlink", "action_archive"):
            with self.subTest(remove=remove):
                base = self.new_event(
                    name=f"Standup {remove}",
                    recurrency=True,
                    rrule_type="daily",
                    end_type="count",
                    count=4,
                )
                self.run_jobs_strictly()
                first = base.start
                getattr(base.with_user(self.alice), remove)()
                self.run_jobs_strictly()
                [master] = [e for e in self.remote_events() if e["summary"] == f"Standup {remove}"]
                self.assertIn(f"EXDATE:{first:%Y%m%dT%H%M%SZ}", master["recurrence"])
                self.assertIn("COUNT=4", master["recurrence"][-1] + master["recurrence"][0])
                self.assertEqual(
                    self.env["calendar.event"].search_count([("name", "=", f"Standup {remove}")]),
                    3,
                )

    def test_a_series_deleted_at_google_leaves_odoo_whole(self):
        base = self.new_event(
            name="Standup", recurrency=True, rrule_type="daily", end_type="count", count=4
        )
        self.run_jobs_strictly()
        recurrence = base.recurrence_id
        self.google.remove_event("alice@example.com", self.binding(base).external_id)
        self.pull()
        self.run_jobs_strictly()
        left = self.env["calendar.event"].with_context(active_test=False)
        self.assertFalse(left.search([("recurrence_id", "=", recurrence.id)]))
        self.assertFalse(left.search([("name", "=", "Standup")]))

    def test_a_pull_from_google_keeps_the_teams_meeting_google_cannot_hold(self):
        # the same user's Outlook gave the event its Teams meeting; Google carries no Teams
        # meeting, and its "no meeting" is not a change made at Google
        url = "https://teams.microsoft.com/l/meetup-join/abc"
        event = self.new_event(name="Review", online_meeting_provider="teams", teams_join_url=url)
        self.run_jobs_strictly()
        [remote] = self.remote_events()
        self.google.change_event("alice@example.com", remote["id"], {"summary": "Review v2"})
        self.pull()
        self.run_jobs_strictly()
        self.assertEqual(event.name, "Review v2")
        self.assertEqual((event.online_meeting_provider, event.teams_join_url), ("teams", url))

    def test_a_new_series_and_a_new_event_pulled_together_each_keep_their_own(self):
        # Odoo's create returns single events before series: the bindings must not swap
        start = START.replace(tzinfo=ZoneInfo("UTC"))
        self.pull()
        series = self.google.put_event(
            "alice@example.com",
            {
                "summary": "Weekly",
                "start": {"dateTime": start.isoformat(), "timeZone": "UTC"},
                "end": {"dateTime": (start + timedelta(hours=1)).isoformat(), "timeZone": "UTC"},
                "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=3"],
            },
        )
        single = self.google.put_event(
            "alice@example.com",
            {
                "summary": "Once",
                "start": {"dateTime": (start + timedelta(hours=3)).isoformat()},
                "end": {"dateTime": (start + timedelta(hours=4)).isoformat()},
            },
        )
        self.pull()
        bindings = self.env["calendar.sync.binding"].search([("account_id", "=", self.account.id)])
        by_id = {b.external_id: b.event_id for b in bindings}
        self.assertEqual(by_id[series["id"]].name, "Weekly")
        self.assertTrue(by_id[series["id"]].recurrency)
        self.assertEqual(by_id[single["id"]].name, "Once")
        self.google.change_event("alice@example.com", single["id"], {"summary": "Once v2"})
        self.pull()
        self.run_jobs_strictly()
        self.assertEqual(len(self.env["calendar.event"].search([("name", "=", "Weekly")])), 3)
        self.assertEqual(by_id[single["id"]].name, "Once v2")

    def test_a_series_whose_first_occurrence_google_cancelled_is_renamed_in_place(self):
        start = START.replace(tzinfo=ZoneInfo("UTC"))
        self.pull()
        master = self.google.put_event(
            "alice@example.com",
            {
                "summary": "Weekly",
                "start": {"dateTime": start.isoformat(), "timeZone": "UTC"},
                "end": {"dateTime": (start + timedelta(hours=1)).isoformat(), "timeZone": "UTC"},
                "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=4"],
            },
        )
        self.pull()
        self.google.remove_event("alice@example.com", f"{master['id']}_{start:%Y%m%dT%H%M%SZ}")
        self.pull()
        self.run_jobs_strictly()
        self.google.change_event("alice@example.com", master["id"], {"summary": "Weekly v2"})
        self.pull()
        self.run_jobs_strictly()
        events = self.env["calendar.event"].search([("name", "like", "Weekly")])
        self.assertEqual(len(events), 3, "the cancelled first one stays cancelled")
        self.assertEqual(set(events.mapped("name")), {"Weekly v2"})
        self.assertNotIn(START, events.mapped("start"))

    def test_renaming_a_series_whose_every_occurrence_was_cancelled_brings_none_back(self):
        start = START.replace(tzinfo=ZoneInfo("UTC"))
        self.pull()
        master = self.google.put_event(
            "alice@example.com",
            {
                "summary": "Twice",
                "start": {"dateTime": start.isoformat(), "timeZone": "UTC"},
                "end": {"dateTime": (start + timedelta(hours=1)).isoformat(), "timeZone": "UTC"},
                "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=2"],
            },
        )
        self.pull()
        for week in range(2):
            slot = start + timedelta(weeks=week)
            self.google.remove_event("alice@example.com", f"{master['id']}_{slot:%Y%m%dT%H%M%SZ}")
            self.pull()
            self.run_jobs_strictly()
        self.assertFalse(self.env["calendar.event"].search([("name", "=", "Twice")]))
        self.google.change_event("alice@example.com", master["id"], {"summary": "Twice v2"})
        self.pull()
        self.run_jobs_strictly()
        self.assertFalse(self.env["calendar.event"].search([("name", "like", "Twice")]))

    def outage(self, endpoint):
        """Google answers 503 (no Retry-After) on ``endpoint`` while the jobs retry for a
        quarter of an hour of their own pauses; returns the pauses."""
        self.emulator.add_fault("google", endpoint, status=503, times=10000)
        waited, waits = 0, []
        while waited < 15 * 60:
            [job] = self.env["queue.job"].search([("state", "=", "pending")])
            before = fields.Datetime.now()
            self._perform_job(job, fail_unexpected=True)
            self.assertNotEqual(job.state, "failed", job.exc_info)
            [job] = self.env["queue.job"].search([("state", "=", "pending")])
            wait = (job.eta - before).total_seconds()
            waits.append(wait)
            waited += wait
        self.emulator.faults.clear()
        return waits

    def test_a_push_refused_by_an_outage_backs_off_and_outlasts_fifteen_minutes(self):
        # item 8: without Retry-After the pauses grow; a quarter of an hour of 503s ends with
        # the change sent, not with a failed job
        event = self.new_event()
        waits = self.outage("batch")
        self.assertGreaterEqual(waits[0], 5, "not retried within a second")
        self.assertGreater(waits[-1], waits[0] * 4, f"the pauses grow: {waits}")
        self.run_jobs_strictly()
        self.assertEqual(self.binding(event).state, "synced")
        self.assertEqual(len(self.remote_events()), 1)

    def test_a_pull_during_an_outage_backs_off_and_outlasts_fifteen_minutes(self):
        self.pull()
        self.google.put_event(
            "alice@example.com",
            {
                "summary": "From Google",
                "start": {"dateTime": START.isoformat() + "Z"},
                "end": {"dateTime": (START + timedelta(hours=1)).isoformat() + "Z"},
            },
        )
        self.account._enqueue_pull()
        waits = self.outage("events.list")
        self.assertGreaterEqual(waits[0], 5, "not retried within a second")
        self.assertGreater(waits[-1], waits[0] * 4, f"the pauses grow: {waits}")
        self.run_jobs_strictly()
        self.assertEqual(self.odoo_events().mapped("name"), ["From Google"])

    def test_retry_after_from_google_is_honoured(self):
        self.new_event()
        self.emulator.add_fault("google", "batch", status=429, retry_after=120, times=1)
        [job] = self.env["queue.job"].search([("state", "=", "pending")])
        before = fields.Datetime.now()
        self._perform_job(job)
        [job] = self.env["queue.job"].search([("state", "=", "pending")])
        self.assertGreaterEqual((job.eta - before).total_seconds(), 119)


@tagged("post_install", "-at_install")
class TestNeverStopsMicrosoft(NeverStopsMixin, MicrosoftSyncCase):
    def test_an_edit_of_an_event_deleted_in_outlook_meanwhile_sends_it_again(self):
        # item 2 on Outlook: the stale PATCH answers 404; the recreate must not break the
        # account, and a bystander created meanwhile reaches Outlook too
        event = self.new_event(name="Kept")
        self.run_jobs_strictly()
        self.graph("DELETE", f"/me/events/{self.binding(event).external_id}")
        event.write({"name": "Kept, edited"})
        bystander = self.new_event(name="Bystander", start=START + timedelta(days=1))
        self.run_jobs_strictly()
        self.assertEqual(
            {e["subject"] for e in self.outlook_events()}, {"Kept, edited", "Bystander"}
        )
        self.assertEqual(self.binding(event).state, "synced")
        self.assertEqual(self.binding(bystander).state, "synced")
        self.pull()
        self.run_jobs_strictly()
        self.assertEqual(len(self.odoo_events()), 2)
        self.assertEqual(len(self.outlook_events()), 2)

    def test_a_create_accepted_by_a_job_that_rolled_back_is_bound_not_imported(self):
        event = self.new_event(name="Mine")
        self.crash_after_push()
        self.assertEqual(len(self.outlook_events()), 1)
        self.pull()
        self.run_jobs_strictly()
        self.assertEqual(len(self.odoo_events()), 1, "no duplicate in Odoo")
        self.assertEqual(len(self.outlook_events()), 1, "no duplicate in Outlook")
        self.assertEqual(self.binding(event).state, "synced")
        self.assertEqual(self.binding(event).external_id, self.outlook_events()[0]["id"])


class TokensKeptMixin:
    """Item 7: tokens refreshed by a job that then fails are kept, and the next job reuses
    the access token instead of refreshing again. An HttpCase: the token's own transaction
    (opened after the job's rollback) is then a cursor of the test's transaction."""

    def failing_pulls(self, endpoint, token_endpoint, runs=3):
        self.emulator.stats.clear()
        self.emulator.add_fault(self.provider_name, endpoint, status=503, times=1000)
        for _run in range(runs):
            self.account._enqueue_pull()
            [job] = self.env["queue.job"].search([("state", "=", "pending")])
            self._perform_job(job, fail_unexpected=True)
            self.assertEqual(job.state, "pending", "retried later, not failed")
            job.unlink()
        self.emulator.faults.clear()
        return self.emulator.count(self.provider_name, token_endpoint)


@tagged("post_install", "-at_install")
class TestTokensKeptGoogle(TokensKeptMixin, GoogleSyncCase, HttpCase):
    provider_name = "google"

    def test_a_token_refreshed_by_a_failing_job_is_kept_and_reused(self):
        data = self.account._get_secret("token_data")
        self.account._set_secret("token_data", {"refresh_token": data["refresh_token"]})
        refreshes = self.failing_pulls("events.list", "oauth.token")
        self.assertEqual(refreshes, 1, "one refresh for three jobs that failed")
        self.assertTrue(self.account._get_secret("token_data").get("access_token"))


@tagged("post_install", "-at_install")
class TestTokensKeptMicrosoft(TokensKeptMixin, MicrosoftSyncCase, HttpCase):
    provider_name = "microsoft"

    def test_a_token_rotated_by_a_failing_job_is_kept_and_reused(self):
        # an hour later: the access token in msal's cache has expired
        data = self.account._get_secret("token_data")
        cache = json.loads(data["msal_cache"])
        for token in cache["AccessToken"].values():
            token["expires_on"] = str(int(time.time()) - 60)
        cache_before = json.dumps(cache)
        self.account._set_secret("token_data", {**data, "msal_cache": cache_before})
        refreshes = self.failing_pulls("calendarView.delta", "login.token")
        self.assertEqual(refreshes, 1, "one refresh for three jobs that failed")
        self.assertNotEqual(self.account._get_secret("token_data")["msal_cache"], cache_before)


@tagged("post_install", "-at_install")
class TestOutlookOccurrenceCancelled(NeverStopsMixin, MicrosoftSyncCase):
    def test_an_occurrence_cancelled_in_outlook_and_reported_by_its_id_alone_leaves_odoo(self):
        # item 6: calendarView/delta names the cancelled occurrence {"id", "@removed"} only
        self.microsoft.bare_removed = True
        base = self.new_event(
            name="Standup", recurrency=True, rrule_type="daily", end_type="count", count=5
        )
        self.run_jobs_strictly()
        self.pull()  # the delta lists the new series and its occurrences
        series_id = self.binding(base).external_id
        instances = self.graph(
            "GET",
            f"/me/events/{series_id}/instances?startDateTime={START:%Y-%m-%dT00:00:00}Z"
            f"&endDateTime={START + timedelta(days=6):%Y-%m-%dT00:00:00}Z",
        )["value"]
        third = sorted(instances, key=lambda i: i["start"]["dateTime"])[2]
        self.graph("DELETE", f"/me/events/{third['id']}")
        before = self.emulator.count("microsoft")
        self.pull()
        self.run_jobs_strictly()
        occurrences = self.env["calendar.event"].search(
            [("recurrence_id", "=", base.recurrence_id.id)], order="start"
        )
        self.assertEqual(len(occurrences), 4, "the cancelled occurrence left Odoo")
        slot = datetime.fromisoformat(third["start"]["dateTime"][:19])
        self.assertNotIn(slot, occurrences.mapped("start"))
        self.assertLessEqual(self.emulator.count("microsoft") - before, 2, "no series re-read")
