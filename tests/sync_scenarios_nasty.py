"""Random runs against the emulator in nasty mode (``emulator.nasty``): every unkind behaviour
the providers document, notifications lost, doubled and reordered, with or without API faults.
Written once for both providers; each run ends with one "Sync now" after the faults stop and
asserts: the same events on both sides, no duplicate, no failed job, no more API writes than
logical changes made in Odoo.

A provider's test class mixes ``NastyScenarios`` into its convergence case (``sync_scenarios``)
and gives, besides that case's hooks: ``remote_view()`` (every occurrence the provider shows,
as ``(title, location, UTC start)``), ``remote_delete_id(external_id)``,
``remote_series(title, start, count)``, ``remote_rename_series(rng)`` and
``remote_cancel_occurrence(rng, index=None)`` (the rename and cancel hooks return False
when the provider holds no series).
"""

import json
import logging
import os
import random
import threading
from collections import Counter
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from werkzeug.datastructures import Headers

_logger = logging.getLogger(__name__)


def nasty_overrides():
    """``CCS_NASTY_OVERRIDES="google:page_limit:null,notifier:p_drop:0"``: nasty mode with some
    options changed (JSON values), to find which behaviour a failing run depends on."""
    found = {}
    for spec in filter(None, os.environ.get("CCS_NASTY_OVERRIDES", "").split(",")):
        part, name, value = spec.split(":", 2)
        found.setdefault(part, {})[name] = json.loads(value)
    return found


class WebhookInbox:
    """Where the emulator's notifications arrive in a test whose data no HTTP request can
    see: it answers like the addon's routes (Graph's validation handshake included) and
    keeps each message, in arrival order, for the test to hand to the addon."""

    def __init__(self):
        self.received = []
        inbox = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                token = parse_qs(urlsplit(self.path).query).get("validationToken")
                if token:
                    data = token[0].encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                inbox.received.append((urlsplit(self.path).path, dict(self.headers), body))
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class NastyScenarios:
    WINDOW_DAYS = 120

    def setUp(self):
        super().setUp()
        self.inbox = WebhookInbox()
        self.addCleanup(self.inbox.close)
        self.env["ir.config_parameter"].sudo().set_param(
            "calendar_cloud_sync.webhook_base_url", self.inbox.url
        )
        self.handed = 0
        # notifications of the watched account the addon refused: none should be
        self.refused = []
        self.logical_changes = 0
        # writes the test made as the provider's own client (Outlook over Graph), not the sync
        self.own_writes = 0

    # -- jobs and notifications ------------------------------------------------------
    def _perform_job(self, row, fail_unexpected=False):
        # the runner's behaviour: an unexpected error fails the job, the run goes on
        return super()._perform_job(row, fail_unexpected=True)

    def deliver(self):
        """Hand the addon what reached its webhooks (the emulator lost, doubled or reordered
        some on the way), as its routes do, then run the jobs."""
        self.emulator.notifier.flush()
        accounts = self.env["calendar.sync.account"].sudo()
        for path, headers, body in self.inbox.received[self.handed :]:
            self.handed += 1
            if path.endswith("/google/notify"):
                status = accounts._receive_google_notification(Headers(headers))
            else:
                status = accounts._receive_microsoft_notifications(json.loads(body or b"{}"))
            if status not in (200, 202):
                self.refused.append(f"{path}: {status}")
        self.run_jobs(max_rounds=40)

    def writes_done(self):
        """Write operations the provider carried out (batch parts included)."""
        done = sum(
            self.emulator.count(self.PROVIDER, name, succeeded=True) for name in self.WRITE_OPS
        )
        return done - self.own_writes

    # -- the two sides -----------------------------------------------------------------
    def window(self):
        return self.START - timedelta(days=7), self.START + timedelta(days=self.WINDOW_DAYS)

    def odoo_events(self):
        bound = (
            self.env["calendar.sync.binding"].search([("account_id", "=", self.account.id)])
        ).event_id
        return self.env["calendar.event"].search(
            ["|", ("user_id", "=", self.alice.id), ("id", "in", bound.ids)]
        )

    def odoo_view(self):
        return sorted((e.name, e.location or "", e.start) for e in self.odoo_events())

    def singles(self):
        return self.odoo_events().filtered(lambda e: not e.recurrency)

    def occurrences(self):
        return self.odoo_events().filtered("recurrency")

    def state(self):
        """Both sides and what tells a run went wrong, for the assertions and the sweep."""
        odoo, remote = self.odoo_view(), self.remote_view()
        odoo_count, remote_count = Counter(odoo), Counter(remote)
        failed = self.env["queue.job"].search([("state", "=", "failed")])
        return {
            "odoo": len(odoo),
            "remote": len(remote),
            "odoo_only": sorted((odoo_count - remote_count).elements()),
            "remote_only": sorted((remote_count - odoo_count).elements()),
            "duplicates": sum(n - 1 for n in odoo_count.values() if n > 1)
            + sum(n - 1 for n in remote_count.values() if n > 1),
            "failed_jobs": len(failed),
            "notifications": self.handed,
            "refused": list(self.refused),
            "failures": sorted({f"{j.name}: {j.exc_message}"[:300] for j in failed}),
            "writes": self.writes_done(),
            "write_ops": {
                name: self.emulator.count(self.PROVIDER, name, succeeded=True)
                for name in self.WRITE_OPS
            },
            "logical_changes": self.logical_changes,
        }

    # -- what users do ---------------------------------------------------------------
    def odoo_change(self, rng, event):
        self.logical_changes += self.odoo_edit(rng, [event])

    def odoo_series(self, name, day):
        start = self.START + timedelta(days=day, hours=5)
        return self.new_event(
            name=name,
            start=start,
            stop=start + timedelta(hours=1),
            recurrency=True,
            rrule_type="weekly",
            interval=1,
            end_type="count",
            count=4,
            **{("mon", "tue", "wed", "thu", "fri", "sat", "sun")[start.weekday()]: True},
        )

    def step(self, rng, number):
        """One random thing a user does on one side; returns its name (for the log)."""
        singles = list(self.singles())
        roll = rng.random()
        if roll < 0.22 and singles:
            self.odoo_change(rng, rng.choice(singles))
            return "odoo edit"
        if roll < 0.40 and self.remote_view():
            self.remote_edit(rng)
            return "remote edit"
        if roll < 0.48:
            self.event_at(f"N{number}", rng.randrange(30))
            self.logical_changes += 1
            return "odoo create"
        if roll < 0.54 and len(singles) > 3:
            rng.choice(singles).unlink()
            self.logical_changes += 1
            return "odoo unlink"
        if roll < 0.60:
            day = rng.randrange(30)
            self.remote_create(f"R{number}", self.START + timedelta(days=day, hours=3))
            return "remote create"
        if roll < 0.65 and len(self.remote_view()) > 3:
            self.remote_delete(rng)
            return "remote delete"
        bound = [e for e in singles if self.binding(e).external_id]
        if roll < 0.71 and bound:
            # deleted at the provider, then edited in Odoo before any pull saw the delete
            event = rng.choice(bound)
            self.remote_delete_id(self.binding(event).external_id)
            self.odoo_change(rng, event)
            return "remote delete + odoo edit"
        if roll < 0.76:
            return "series rename at the provider" if self.remote_rename_series(rng) else "idle"
        occurrences = [e for e in self.occurrences() if e.recurrence_id.base_event_id != e]
        if roll < 0.81 and occurrences:
            rng.choice(occurrences).unlink()
            self.logical_changes += 1
            return "odoo occurrence unlink"
        if roll < 0.86:
            cancelled = self.remote_cancel_occurrence(rng)
            return "occurrence cancel at the provider" if cancelled else "idle"
        if roll < 0.89:
            self.odoo_series(f"S{number}", rng.randrange(20))
            self.logical_changes += 1
            return "odoo series"
        if roll < 0.91:
            start = self.START + timedelta(days=rng.randrange(20), hours=6)
            self.remote_series(f"RS{number}", start, 4)
            return "remote series"
        return "idle"

    def run_nasty(self, seed, steps=40, faults=False, fallback_every=10):
        """``steps`` random actions on both sides in nasty mode; with ``faults``, API calls
        also fail now and then (the provider's ``FAULTS``, in random turns). Then the faults
        stop, one "Sync now" runs, and the state of both sides is returned."""
        rng = random.Random(seed)
        self.start_nasty(seed)
        for index in range(3):
            self.event_at(f"E{index}", index * 3)
        self.odoo_series("S", 4)
        self.remote_series("RS", self.START + timedelta(days=2, hours=7), 4)
        self.deliver()
        self.logical_changes = self.own_writes = 0
        self.emulator.succeeded.clear()
        done = Counter()
        for number in range(steps):
            if faults and rng.random() < 0.3:
                spec = dict(rng.choice(self.FAULTS), times=rng.randint(1, 2))
                self.emulator.add_fault(self.PROVIDER, **spec)
            action = self.step(rng, number)
            done[action] += 1
            if os.environ.get("CCS_NASTY_TRACE"):
                _logger.info("step %s: %s", number, action)
            self.deliver()
            if number % fallback_every == fallback_every - 1:
                self.account._enqueue_pull()  # the fallback cron's pull
                self.run_jobs(max_rounds=40)
        result = self.finish()
        result["steps"] = dict(done)
        _logger.info(sweep_line(self.PROVIDER, seed, faults, result))
        return result

    def start_nasty(self, seed):
        """A watched account (its notifications reach ``deliver``), the emulator in nasty mode."""
        self.account._start_watch()
        self.emulator.nasty(seed=seed, **nasty_overrides())

    def finish(self):
        """The faults stop, the user presses "Sync now": the state both sides end in."""
        self.emulator.faults.clear()
        self.account.action_sync_now()
        self.run_jobs(max_rounds=40)
        return self.state()

    def assert_converged(self, result, seed):
        diff = "\n".join(
            [f"  only in Odoo:     {item}" for item in result["odoo_only"]]
            + [f"  only at provider: {item}" for item in result["remote_only"]]
            + [f"  failed job: {text}" for text in result["failures"]]
            + [f"  notification refused: {text}" for text in result["refused"]]
        )
        summary = (
            f"seed {seed}: {result['odoo']} events in Odoo, {result['remote']} at the provider, "
            f"{result['duplicates']} duplicates, {result['failed_jobs']} failed jobs, "
            f"{result['notifications']} notifications received, "
            f"{result['writes']} writes for {result['logical_changes']} logical changes "
            f"(carried out: {result['write_ops']}, own writes: {self.own_writes})\n{diff}"
        )
        converged = not (
            result["odoo_only"]
            or result["remote_only"]
            or result["duplicates"]
            or result["failed_jobs"]
            or result["refused"]
            or result["writes"] > result["logical_changes"]
        )
        if not converged:
            self.fail(summary)


class NastyCases:
    """The cases issue 9 names, one at a time in nasty mode (mixed in after NastyScenarios)."""

    def test_first_sync_in_nasty_mode_converges(self):
        self.assert_converged(self.run_nasty(seed=5, steps=0), "first sync")

    def test_remote_delete_then_odoo_edit_converges(self):
        self.start_nasty(seed=1)
        event = self.event_at("A", 1)
        self.deliver()
        self.emulator.succeeded.clear()
        self.own_writes = 0
        self.remote_delete_id(self.binding(event).external_id)
        event.write({"name": "A renamed"})
        self.logical_changes = 1
        self.deliver()
        self.assert_converged(self.finish(), "remote delete + odoo edit")

    def test_series_renamed_at_the_provider_keeps_its_occurrences(self):
        self.start_nasty(seed=2)
        rng = random.Random(2)
        self.remote_series("RS", self.START + timedelta(days=1, hours=6), 5)
        self.deliver()
        self.assertTrue(self.remote_cancel_occurrence(rng, index=2))
        self.deliver()
        kept = self.occurrences()
        self.emulator.succeeded.clear()
        self.own_writes = 0
        self.assertTrue(self.remote_rename_series(rng))
        self.deliver()
        result = self.finish()
        self.assert_converged(result, "series rename at the provider")
        self.assertFalse(self.occurrences() - kept, "renamed, not deleted and recreated")

    def test_occurrence_unlinked_in_odoo_goes_at_the_provider(self):
        self.start_nasty(seed=3)
        base = self.odoo_series("S", 2)
        self.deliver()
        self.emulator.succeeded.clear()
        (self.occurrences() - base)[:1].unlink()
        self.logical_changes = 1
        self.deliver()
        result = self.finish()
        self.assertEqual(result["odoo"], 3)
        self.assert_converged(result, "occurrence unlink in Odoo")

    def test_occurrence_cancelled_at_the_provider_goes_in_odoo(self):
        self.start_nasty(seed=4)
        self.remote_series("RS", self.START + timedelta(days=1, hours=6), 4)
        self.deliver()
        self.emulator.succeeded.clear()
        self.own_writes = 0
        self.assertTrue(self.remote_cancel_occurrence(random.Random(4), index=1))
        self.deliver()
        result = self.finish()
        self.assertEqual(result["remote"], 3)
        self.assert_converged(result, "occurrence cancel at the provider")

    def test_first_occurrence_cancelled_at_the_provider_keeps_the_series(self):
        self.start_nasty(seed=6)
        self.remote_series("RS", self.START + timedelta(days=1, hours=6), 4)
        self.deliver()
        self.emulator.succeeded.clear()
        self.own_writes = 0
        self.assertTrue(self.remote_cancel_occurrence(random.Random(6), index=0))
        self.deliver()
        result = self.finish()
        self.assertEqual(result["remote"], 3)
        self.assert_converged(result, "first occurrence cancel at the provider")

    def test_first_occurrence_unlinked_in_odoo_keeps_the_series(self):
        self.start_nasty(seed=7)
        base = self.odoo_series("S", 2)
        self.deliver()
        self.emulator.succeeded.clear()
        base.unlink()
        self.logical_changes = 1
        self.deliver()
        result = self.finish()
        self.assertEqual(result["odoo"], 3)
        self.assert_converged(result, "first occurrence unlink in Odoo")


def sweep_line(provider, seed, faults, result):
    """One seed's figures, as ``tools/seed_sweep.sh`` collects them."""
    return (
        f"SEED-SWEEP {provider} seed={seed} faults={'yes' if faults else 'no'} "
        f"odoo={result['odoo']} provider={result['remote']} "
        f"odoo_only={len(result['odoo_only'])} provider_only={len(result['remote_only'])} "
        f"duplicates={result['duplicates']} failed_jobs={result['failed_jobs']} "
        f"writes/logical={result['writes']}/{result['logical_changes']}"
    )


def add_sweep_tests(cls, provider):
    """One test per seed (``CCS_SWEEP_SEEDS``, default 10) of ``CCS_SWEEP_STEPS`` actions
    (default 300), API faults on even seeds; each logs its figures, then asserts."""
    seeds = int(os.environ.get("CCS_SWEEP_SEEDS", "10"))
    steps = int(os.environ.get("CCS_SWEEP_STEPS", "300"))

    def make(seed):
        def test(self):
            faults = seed % 2 == 0
            try:
                result = self.run_nasty(seed, steps=steps, faults=faults)
            except Exception as exc:
                _logger.info(
                    "SEED-SWEEP %s seed=%s faults=%s crashed: %s",
                    provider,
                    seed,
                    "yes" if faults else "no",
                    f"{type(exc).__name__}: {exc}"[:300],
                )
                raise
            self.assert_converged(result, seed)

        return test

    for seed in range(1, seeds + 1):
        setattr(cls, f"test_seed_{seed:03d}", make(seed))
