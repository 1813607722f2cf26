"""Long sync scenarios written once for every provider: random edits on both sides, and the
same under injected faults, must end with Odoo and the provider holding the same events, with
no duplicate and no API write that was not needed.

A provider's test class mixes ``ConvergenceScenarios`` into its sync case and gives the hooks:
``PROVIDER``, ``START`` (a datetime in the sync window), ``WRITE_OPS`` (the emulator's
endpoint names of API writes, batch parts included), ``FAULTS`` (``add_fault`` keyword sets,
used in turn), ``remote_side()``, ``remote_edit(rng)``, ``remote_create(title, start)``,
``remote_delete(rng)``, ``revoke_access()``, ``reconnect()`` and, if needed,
``before_fault_step(step)``.
"""

import random
from datetime import timedelta

from ..services.neutral import sync_hash

ROOMS = ("Room 1", "Room 2", "Room 3", "")


class ConvergenceScenarios:
    PROVIDER = None
    START = None
    WRITE_OPS = ()
    FAULTS = ()

    def setUp(self):
        super().setUp()
        # API writes made by the sync jobs (not by the provider's own UI in the tests)
        self.sync_writes = 0

    def api_writes(self):
        """Write operations the provider carried out (batch parts included)."""
        return sum(
            self.emulator.count(self.PROVIDER, name, operations=True) for name in self.WRITE_OPS
        )

    def sync(self):
        """What notifications and the fallback cron do: pull, then send what is pending."""
        before = self.api_writes()
        self.account._enqueue_pull()
        self.run_jobs()
        self.sync_writes += self.api_writes() - before

    def odoo_side(self):
        events = (
            self.env["calendar.sync.binding"]
            .search([("account_id", "=", self.account.id)])
            .event_id
        )
        return sorted((e.name, e.location or "", e.start) for e in events)

    def event_at(self, name, day, hour=0):
        start = self.START + timedelta(days=day, hours=hour)
        return self.new_event(name=name, start=start, stop=start + timedelta(hours=1))

    def odoo_edit(self, rng, events):
        """Edit a random event; returns 1 when the edit changed something that syncs."""
        event = rng.choice(events)
        before = sync_hash(event._ccs_to_neutral())
        change = rng.choice(("name", "location", "time"))
        if change == "name":
            event.write({"name": f"{event.name.split(' #')[0]} #{rng.randrange(1000)}"})
        elif change == "location":
            event.write({"location": rng.choice([r for r in ROOMS if r != event.location])})
        else:
            shift = timedelta(hours=rng.choice((1, 2, -1)))
            event.write({"start": event.start + shift, "stop": event.stop + shift})
        return int(sync_hash(event._ccs_to_neutral()) != before)

    @staticmethod
    def edited_title(title, rng):
        return f"{title.split(' #')[0]} #r{rng.randrange(1000)}"

    @staticmethod
    def other_room(rng, current):
        return rng.choice([r for r in ROOMS if r != (current or "")])

    def pulled_events(self, events):
        """The tracked events that still exist, and those the provider created meanwhile."""
        known = [e for e in events if e.exists()]
        return known + list(
            self.env["calendar.event"].search(
                [("sync_origin", "=", self.PROVIDER), ("id", "not in", [e.id for e in known])]
            )
        )

    def before_fault_step(self, step):
        """Provider hook: e.g. let access tokens expire so that refreshes meet faults too."""

    def run_round_trip(self, seed, steps=60):
        """``steps`` random edits, creations and deletions on both sides, a sync after each."""
        rng = random.Random(seed)
        events = [self.event_at(f"E{i}", i) for i in range(5)]
        self.sync()
        self.sync_writes = 0
        odoo_changes = 0
        for _step in range(steps):
            live = [e for e in events if e.exists()]
            roll = rng.random()
            if roll < 0.38:
                odoo_changes += self.odoo_edit(rng, live)
            elif roll < 0.72:
                self.remote_edit(rng)
            elif roll < 0.82:
                day = rng.randrange(20)
                events.append(self.event_at(f"N{day}", day))
                odoo_changes += 1
            elif roll < 0.89 and len(live) > 3:
                rng.choice(live).unlink()
                odoo_changes += 1
            elif roll < 0.95 or len(self.remote_side()) <= 3:
                day = rng.randrange(20)
                self.remote_create(f"R{day}", self.START + timedelta(days=day, hours=3))
            else:
                self.remote_delete(rng)
            self.sync()
            events = self.pulled_events(events)
        self.assertEqual(self.odoo_side(), self.remote_side())
        # one API write per change made in Odoo, none for changes that came from the provider
        self.assertEqual(self.sync_writes, odoo_changes)
        before = self.sync_writes
        for _round in range(3):
            self.sync()
        self.assertEqual(self.sync_writes, before, "quiet once converged")
        self.assertFalse(self.env["calendar.sync.conflict"].search([]))

    def run_faults(self, seed, steps=24, revoke_at=12):
        """Edits on both sides and creations in Odoo while calls fail in turn (throttled,
        unavailable, slow), the grant revoked half-way then given again, each pull asked twice:
        in the end every kind of fault was met, and nothing is lost or doubled."""
        rng = random.Random(seed)
        events = [self.event_at(f"F{i}", i) for i in range(6)]
        for step in range(steps):
            if step % 6 == 3:
                # a create that meets a fault must not end as two events
                events.append(self.event_at(f"C{step}", step % 10, hour=2))
            elif step % 2:
                self.odoo_edit(rng, [e for e in events if e.exists()])
            elif self.remote_side():
                self.remote_edit(rng)
            # after the user's own edit: the faults are the sync's to meet
            self.emulator.add_fault(self.PROVIDER, **self.FAULTS[step % len(self.FAULTS)])
            self.before_fault_step(step)
            if step == revoke_at:
                self.revoke_access()
                changed = self.odoo_edit(rng, events)
                self.sync()
                self.assertEqual(self.account.state, "needs_reauth")
                pending = self.env["calendar.sync.binding"].search_count(
                    [("account_id", "=", self.account.id), ("state", "=", "pending")]
                )
                self.assertEqual(bool(pending), bool(changed), "kept for the reconnect")
                self.reconnect()
            self.sync()
            # the same notification delivered twice: one pull, nothing doubled
            self.account._enqueue_pull()
            self.account._enqueue_pull()
            self.assertEqual(
                self.env["queue.job"].search_count(
                    [("method_name", "=", "_job_pull"), ("state", "=", "pending")]
                ),
                1,
            )
            self.run_jobs()
        met = {(f.endpoint, f.status) for f in self.emulator.faults if f.hits}
        self.assertEqual(met, {(f["endpoint"], f["status"]) for f in self.FAULTS}, "all met")
        self.emulator.faults.clear()
        self.sync()
        self.assertEqual(self.odoo_side(), self.remote_side())
        self.assertEqual(len(self.remote_side()), len(events), "no duplicate, nothing lost")
        self.assertFalse(
            self.env["calendar.sync.binding"].search([("state", "!=", "synced")]),
            "every change went through in the end",
        )
