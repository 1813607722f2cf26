"""Long runs: random edits on both sides, and the same under injected faults, end with Odoo and
Google holding the same events, with no duplicate and no API write that was not needed."""

import random
from datetime import timedelta

from odoo.tests import tagged

from ..services.neutral import sync_hash
from .test_sync_google import START, GoogleSyncCase

WRITE_OPS = ("events.insert", "events.patch", "events.update", "events.delete")
ROOMS = ("Room 1", "Room 2", "Room 3", "")


class ConvergenceMixin:
    def sync(self):
        """What notifications and the fallback cron do: pull, then send what is pending."""
        self.account._ccs_enqueue_pull()
        self.run_jobs()

    def api_writes(self):
        """Write operations Google carried out (batch parts included)."""
        return sum(self.emulator.count("google", name, operations=True) for name in WRITE_OPS)

    def odoo_side(self):
        events = (
            self.env["calendar.sync.binding"]
            .search([("account_id", "=", self.account.id)])
            .event_id
        )
        return sorted((e.name, e.location or "", e.start) for e in events)

    def google_side(self):
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

    def odoo_edit(self, rng, events):
        """Edit a random event; returns 1 when the edit changed something that syncs."""
        event = rng.choice(events)
        before = sync_hash(event._ccs_to_neutral())
        self._edit(rng, event)
        return int(sync_hash(event._ccs_to_neutral()) != before)

    def _edit(self, rng, event):
        change = rng.choice(("name", "location", "time"))
        if change == "name":
            event.write({"name": f"{event.name.split(' #')[0]} #{rng.randrange(1000)}"})
        elif change == "location":
            event.write({"location": rng.choice([r for r in ROOMS if r != event.location])})
        else:
            shift = timedelta(hours=rng.choice((1, 2, -1)))
            event.write({"start": event.start + shift, "stop": event.stop + shift})

    def google_edit(self, rng):
        item = rng.choice(self.remote_events())
        if rng.random() < 0.5:
            changes = {"summary": f"{item['summary'].split(' #')[0]} #g{rng.randrange(1000)}"}
        else:
            changes = {"location": rng.choice([r for r in ROOMS if r != item.get("location")])}
        self.google.change_event("alice@example.com", item["id"], changes)


@tagged("post_install", "-at_install")
class TestRoundTripGoogle(ConvergenceMixin, GoogleSyncCase):
    def test_sixty_random_edits_on_both_sides_converge_without_a_loop(self):
        rng = random.Random(20261121)
        events = [
            self.new_event(
                name=f"E{i}",
                start=START + timedelta(days=i),
                stop=START + timedelta(days=i, hours=1),
            )
            for i in range(5)
        ]
        self.sync()
        self.emulator.operations.clear()
        odoo_changes = 0
        for _step in range(60):
            live = [e for e in events if e.exists()]
            roll = rng.random()
            if roll < 0.40:
                odoo_changes += self.odoo_edit(rng, live)
            elif roll < 0.75:
                self.google_edit(rng)
            elif roll < 0.85:
                day = rng.randrange(20)
                events.append(
                    self.new_event(
                        name=f"N{day}",
                        start=START + timedelta(days=day),
                        stop=START + timedelta(days=day, hours=1),
                    )
                )
                odoo_changes += 1
            elif roll < 0.92 and len(live) > 3:
                rng.choice(live).unlink()
                odoo_changes += 1
            else:
                day = rng.randrange(20)
                moment = START + timedelta(days=day, hours=3)
                self.google.put_event(
                    "alice@example.com",
                    {
                        "summary": f"G{day}",
                        "start": {"dateTime": moment.isoformat() + "Z", "timeZone": "UTC"},
                        "end": {
                            "dateTime": (moment + timedelta(hours=1)).isoformat() + "Z",
                            "timeZone": "UTC",
                        },
                    },
                )
            self.sync()
            events = [e for e in events if e.exists()] + list(
                self.env["calendar.event"].search(
                    [("sync_origin", "=", "google"), ("id", "not in", [e.id for e in events])]
                )
            )
        self.assertEqual(self.odoo_side(), self.google_side())
        # one API write per change made in Odoo, none for changes that came from Google
        self.assertEqual(self.api_writes(), odoo_changes)
        before = self.api_writes()
        for _round in range(3):
            self.sync()
        self.assertEqual(self.api_writes(), before, "quiet once converged")
        self.assertFalse(self.env["calendar.sync.conflict"].search([]))


@tagged("post_install", "-at_install")
class TestFaultsGoogle(ConvergenceMixin, GoogleSyncCase):
    def test_faults_delay_sync_but_nothing_is_lost_or_duplicated(self):
        rng = random.Random(7)
        events = [
            self.new_event(
                name=f"F{i}",
                start=START + timedelta(days=i),
                stop=START + timedelta(days=i, hours=1),
            )
            for i in range(6)
        ]
        faults = [
            dict(endpoint="batch", status=429, retry_after=3),
            dict(endpoint="batch", status=503),
            dict(endpoint="events.list", status=500),
            dict(endpoint="events.list", status=429, retry_after=1),
            dict(endpoint="events.patch", status=503),
            dict(endpoint="events.insert", status=500),
            dict(endpoint="batch", status=0, delay=0.5),  # slow, then fine
        ]
        for step in range(24):
            fault = faults[step % len(faults)]
            self.emulator.add_fault("google", **fault)
            if step % 2:
                self.odoo_edit(rng, [e for e in events if e.exists()])
            elif self.remote_events():
                self.google_edit(rng)
            if step == 12:
                # the user revokes access mid-run, then reconnects
                self.google.revoke_refresh_tokens("alice@example.com")
                self.odoo_edit(rng, events)
                self.sync()
                self.assertEqual(self.account.state, "needs_reauth")
                grant = self.google.grant("alice@example.com")
                self.account._set_secret("token_data", {"refresh_token": grant["refresh_token"]})
                self.account.sudo().state = "connected"
                self.account._ccs_start_sync()
            self.sync()
            # the same notification delivered twice: one pull, nothing doubled
            self.account._ccs_enqueue_pull()
            self.account._ccs_enqueue_pull()
            self.assertEqual(
                self.env["queue.job"].search_count(
                    [("method_name", "=", "_ccs_job_pull"), ("state", "=", "pending")]
                ),
                1,
            )
            self.run_jobs()
        self.emulator.faults.clear()
        self.sync()
        self.assertEqual(self.odoo_side(), self.google_side())
        self.assertEqual(len(self.remote_events()), 6, "no duplicate, nothing lost")
        self.assertFalse(
            self.env["calendar.sync.binding"].search([("state", "!=", "synced")]),
            "every change went through in the end",
        )
