"""Busy mirroring (issue 13 item 2) through real jobs and real HTTP to the emulator: a user's
busy time written as marked, private blocks into another calendar, at the rule's privacy
level; blocks follow their source; a block never comes back into Odoo nor is mirrored again,
also with Google and Microsoft connected and rules both ways."""

from datetime import datetime, timedelta

import requests

import odoo
from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, new_test_user, tagged

from ..services.mirror import GRAPH_MARK_ID, MARK_KEY
from .common import EmulatorMixin, JobRunnerMixin, SyncCaseMixin

EMAIL = "alice@example.com"
START = (datetime.now() + timedelta(days=20)).replace(hour=9, minute=0, second=0, microsecond=0)
GOOGLE_WRITES = ("events.insert", "events.patch", "events.update", "events.delete")


class MirrorCase(SyncCaseMixin, EmulatorMixin, JobRunnerMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alice = new_test_user(
            cls.env, "ccs_mirror_alice", groups="base.group_user", email=EMAIL, tz="UTC"
        )
        cls.bob = new_test_user(
            cls.env, "ccs_mirror_bob", groups="base.group_user", email="bob@example.com"
        )

    def setUp(self):
        super().setUp()
        self.google = self.emulator.providers["google"]
        self.microsoft = self.emulator.providers["microsoft"]
        self.google_account = self.connect(self.alice, EMAIL, "google")
        self.microsoft_account = self.connect(self.alice, EMAIL, "microsoft")
        self.g_side_id = self.google.add_calendar(EMAIL, "Shared with my team")
        self.m_side_id = self.microsoft.add_calendar(EMAIL, "Family")
        # the calendars as the connection lists them (two-way: the account's; the others off)
        self.google_account._refresh_calendars()
        self.microsoft_account._refresh_calendars()
        self.g_primary = self.listed(self.google_account, self.google_account.remote_calendar_id)
        self.m_primary = self.listed(
            self.microsoft_account, self.microsoft_account.remote_calendar_id
        )
        self.g_side = self.listed(self.google_account, self.g_side_id)
        self.m_side = self.listed(self.microsoft_account, self.m_side_id)
        self.assertEqual((self.g_primary.mode, self.g_side.mode), ("two_way", "off"))

    @staticmethod
    def listed(account, remote_id):
        return account.calendar_ids.filtered(lambda c: c.remote_id == remote_id).ensure_one()

    def calendar(self, account, mode, remote_id=None, name=None):
        """A calendar row as a listing would leave it."""
        return (
            self.env["calendar.sync.calendar"]
            .sudo()
            .create(
                {
                    "account_id": account.id,
                    "remote_id": remote_id or account.remote_calendar_id,
                    "name": name or account.remote_calendar_name or "Calendar",
                    "mode": mode,
                    "access": "owner",
                    "is_default": not remote_id,
                }
            )
        )

    def rule(self, target, privacy="busy", source=None):
        return (
            self.env["calendar.sync.mirror"]
            .with_user(self.alice)
            .create(
                {
                    "source": "calendar" if source else "odoo",
                    "source_calendar_id": source.id if source else False,
                    "target_calendar_id": target.id,
                    "privacy": privacy,
                }
            )
        )

    def event(self, **values):
        values.setdefault("stop", values.get("start", START) + timedelta(hours=1))
        return self.new_event(self.alice, values.pop("start", START), **values)

    def google_items(self, calendar_id):
        return self.google.events_of(EMAIL, calendar_id)

    @staticmethod
    def marked(items):
        return [
            i for i in items if (i.get("extendedProperties") or {}).get("private", {}).get(MARK_KEY)
        ]

    def outlook(self, path):
        token = self.microsoft.add_user(EMAIL)
        response = requests.get(
            f"{self.emulator.tls_base_url}/microsoft/graph/v1.0{path}",
            headers={"Authorization": f"Bearer {token}", "Prefer": 'outlook.timezone="UTC"'},
            params={"$expand": f"singleValueExtendedProperties($filter=id eq '{GRAPH_MARK_ID}')"},
            verify=self.emulator.ca_file,
            timeout=10,
        )
        response.raise_for_status()
        return response.json()["value"]

    def outlook_items(self, calendar_id):
        return self.outlook(f"/me/calendars/{calendar_id}/events")

    @staticmethod
    def outlook_marks(items):
        return [
            p["value"]
            for item in items
            for p in item.get("singleValueExtendedProperties") or []
            if p["id"].lower() == GRAPH_MARK_ID.lower()
        ]


@tagged("post_install", "-at_install")
class TestMirrorBlocks(MirrorCase):
    def test_busy_block_shows_the_times_only_and_carries_the_mark(self):
        self.rule(self.g_side)
        self.event(
            name="Salary review",
            description="<p>Numbers</p>",
            location="HR office",
            partner_ids=[(6, 0, (self.alice | self.bob).partner_id.ids)],
        )
        self.run_jobs()
        [block] = self.google_items(self.g_side_id)
        self.assertEqual(block["summary"], "Busy")
        self.assertEqual((block["visibility"], block.get("transparency")), ("private", "opaque"))
        for leaked in ("description", "location", "attendees", "conferenceData"):
            self.assertFalse(block.get(leaked), leaked)
        self.assertEqual(
            datetime.fromisoformat(block["start"]["dateTime"]).replace(tzinfo=None), START
        )
        self.assertTrue(block["extendedProperties"]["private"][MARK_KEY])
        self.assertFalse(self.google.sent_updates, "a block mails nobody")

    def test_a_first_rule_hears_the_next_change_in_the_same_transaction(self):
        # before any rule: the change asks who has rules (nobody) and runs nothing
        event = self.event(name="Dentist")
        self.run_jobs()
        self.assertFalse(self.google_items(self.g_side_id))
        self.rule(self.g_side)
        self.run_jobs()
        self.assertEqual(len(self.google_items(self.g_side_id)), 1)
        # the answer "nobody has rules" was forgotten when the rule came: the move is heard
        event.write({"start": START + timedelta(hours=2), "stop": START + timedelta(hours=3)})
        self.run_jobs()
        [block] = self.google_items(self.g_side_id)
        moved = datetime.fromisoformat(block["start"]["dateTime"]).replace(tzinfo=None)
        self.assertEqual(moved, START + timedelta(hours=2))

    def test_privacy_levels_rewrite_the_blocks(self):
        rule = self.rule(self.g_side)
        self.event(name="Dentist", description="<p>Bring the card</p>", location="Main St 1")
        self.run_jobs()
        [busy] = self.google_items(self.g_side_id)
        rule.privacy = "title"
        self.run_jobs()
        [titled] = self.google_items(self.g_side_id)
        self.assertEqual((titled["id"], titled["summary"]), (busy["id"], "Dentist"))
        self.assertFalse(titled.get("description"))
        rule.privacy = "full"
        self.run_jobs()
        [full] = self.google_items(self.g_side_id)
        self.assertEqual(
            (full["summary"], full["description"], full["location"]),
            ("Dentist", "Bring the card", "Main St 1"),
        )
        self.assertFalse(full.get("attendees"))

    def test_a_private_event_stays_busy_whatever_the_level(self):
        self.rule(self.g_side, privacy="full")
        self.event(name="Therapy", privacy="private", description="<p>Room 4</p>")
        self.event(name="Planning", start=START + timedelta(days=1))
        self.run_jobs()
        titles = sorted(i["summary"] for i in self.google_items(self.g_side_id))
        self.assertEqual(titles, ["Busy", "Planning"])
        self.assertNotIn("Room 4", str(self.google_items(self.g_side_id)))

    def test_moving_declining_and_deleting_the_source_follow(self):
        self.rule(self.g_side)
        event = self.event()
        self.run_jobs()
        [block] = self.google_items(self.g_side_id)
        event.write({"start": START + timedelta(hours=3), "stop": START + timedelta(hours=4)})
        self.run_jobs()
        [moved] = self.google_items(self.g_side_id)
        self.assertEqual(moved["id"], block["id"])
        self.assertEqual(
            datetime.fromisoformat(moved["start"]["dateTime"]).replace(tzinfo=None),
            START + timedelta(hours=3),
        )
        mine = event.attendee_ids.filtered(lambda a: a.partner_id == self.alice.partner_id)
        mine.write({"state": "declined"})
        self.run_jobs()
        self.assertEqual(self.google_items(self.g_side_id), [], "declined: no block")
        mine.write({"state": "accepted"})
        self.run_jobs()
        self.assertEqual(len(self.google_items(self.g_side_id)), 1, "accepted again: back")
        event.unlink()
        self.run_jobs()
        self.assertEqual(self.google_items(self.g_side_id), [])

    def test_an_outlook_block_is_private_all_day_and_marked(self):
        self.rule(self.m_side, privacy="full")
        self.event(
            name="Conference",
            allday=True,
            start=START,
            stop=START,
            location="Lyon",
            partner_ids=[(6, 0, (self.alice | self.bob).partner_id.ids)],
        )
        self.run_jobs()
        [block] = self.outlook_items(self.m_side_id)
        self.assertEqual((block["subject"], block["isAllDay"]), ("Conference", True))
        self.assertEqual((block["sensitivity"], block["showAs"]), ("private", "busy"))
        self.assertEqual(block["location"]["displayName"], "Lyon")
        self.assertEqual(block["attendees"], [])
        self.assertFalse(block["isOnlineMeeting"])
        self.assertFalse(block["isReminderOn"])
        self.assertEqual(len(self.outlook_marks([block])), 1)
        self.assertEqual(block["start"]["dateTime"][:10], START.date().isoformat())
        self.assertEqual(
            block["end"]["dateTime"][:10], (START + timedelta(days=1)).date().isoformat()
        )
        self.assertFalse(
            [m for m in self.microsoft.sent_mails if m["event"] == block["id"]], "nobody mailed"
        )
        rule = self.env["calendar.sync.mirror"].search([])
        rule.privacy = "busy"
        self.run_jobs()
        [busy] = self.outlook_items(self.m_side_id)
        self.assertEqual((busy["id"], busy["subject"]), (block["id"], "Busy"))
        self.assertEqual(busy["location"]["displayName"], "")
        self.assertEqual(self.outlook_marks([busy]), self.outlook_marks([block]))

    def test_a_block_deleted_by_hand_comes_back_with_its_source_next_change(self):
        self.rule(self.g_side)
        self.rule(self.m_side)
        event = self.event()
        self.run_jobs()
        [google_block] = self.google_items(self.g_side_id)
        [outlook_block] = self.outlook_items(self.m_side_id)
        self.google.remove_event(EMAIL, google_block["id"], calendar_id=self.g_side_id)
        token = self.microsoft.add_user(EMAIL)
        requests.delete(
            f"{self.emulator.tls_base_url}/microsoft/graph/v1.0/me/events/{outlook_block['id']}",
            headers={"Authorization": f"Bearer {token}"},
            verify=self.emulator.ca_file,
            timeout=10,
        ).raise_for_status()
        event.write({"start": START + timedelta(hours=1), "stop": START + timedelta(hours=2)})
        self.run_jobs()
        self.assertEqual(len(self.google_items(self.g_side_id)), 1)
        self.assertEqual(len(self.outlook_items(self.m_side_id)), 1)

    def test_a_rule_deactivated_or_deleted_removes_its_blocks(self):
        google_rule = self.rule(self.g_side)
        outlook_rule = self.rule(self.m_side)
        self.event()
        self.event(start=START + timedelta(days=1))
        self.run_jobs()
        self.assertEqual(len(self.google_items(self.g_side_id)), 2)
        self.assertEqual(len(self.outlook_items(self.m_side_id)), 2)
        google_rule.active = False
        outlook_rule.unlink()
        self.run_jobs()
        self.assertEqual(self.google_items(self.g_side_id), [])
        self.assertEqual(self.outlook_items(self.m_side_id), [])
        self.assertFalse(
            self.env["calendar.sync.mirror.block"].search([("remote_id", "!=", False)])
        )

    def test_one_changed_event_costs_one_operation(self):
        # these connections only bring events in: the requests counted are the mirror's
        (self.google_account | self.microsoft_account).direction = "remote_to_odoo"
        self.rule(self.g_side)
        events = [self.event(start=START + timedelta(days=day)) for day in range(20)]
        self.run_jobs()
        self.assertEqual(len(self.google_items(self.g_side_id)), 20)
        self.emulator.stats.clear()
        self.emulator.operations.clear()
        events[7].write({"stop": events[7].stop + timedelta(minutes=30)})
        self.run_jobs()
        # one request (a batch) holding one patch, out of 20 blocks
        self.assertEqual(dict(self.emulator.stats), {"google:batch": 1})
        self.assertEqual(
            sum(self.emulator.count("google", name, operations=True) for name in GOOGLE_WRITES), 1
        )
        self.assertEqual(self.emulator.count("google", "events.patch", operations=True), 1)
        self.emulator.stats.clear()
        self.emulator.operations.clear()
        self.env["calendar.sync.mirror"].search([])._enqueue_mirror()
        self.run_jobs()
        self.assertEqual(self.emulator.count("google"), 0, "nothing changed: no request")

    def test_the_queries_of_a_run_do_not_grow_with_the_calendar(self):
        (self.google_account | self.microsoft_account).direction = "remote_to_odoo"
        self.rule(self.g_side, privacy="full")

        def queries_for_one_change(count):
            events = [self.event(start=START + timedelta(days=day)) for day in range(count)]
            self.run_jobs()
            events[0].write({"name": f"Renamed {count}"})
            self.env.flush_all()
            before = odoo.sql_db.sql_counter
            self.run_jobs()
            return odoo.sql_db.sql_counter - before

        small = queries_for_one_change(3)
        large = queries_for_one_change(30)
        self.assertEqual(len(self.google_items(self.g_side_id)), 33)
        self.assertGreater(small, 0)
        self.assertEqual(large, small, "a run costs the same queries for 3 or 33 events")

    def test_rules_stay_between_the_users_own_writable_calendars(self):
        reader = self.calendar(self.google_account, "off", "reader@example.com", "Boss")
        reader.sudo().access = "reader"
        with self.assertRaises(ValidationError):
            self.rule(reader)
        with self.assertRaises(ValidationError):
            self.rule(self.g_side, source=self.g_side)
        with self.assertRaises(ValidationError):
            self.env["calendar.sync.mirror"].with_user(self.bob).create(
                {"target_calendar_id": self.g_side.id}
            )
        rule = self.rule(self.g_side)
        self.assertFalse(self.env["calendar.sync.mirror"].with_user(self.bob).search([]))
        self.assertEqual(self.env["calendar.sync.mirror"].with_user(self.alice).search([]), rule)


@tagged("post_install", "-at_install")
class TestMirrorNeverComesBack(MirrorCase):
    def test_two_providers_rules_both_ways_one_block_per_source_event(self):
        # each connection only brings its calendar in, so the other provider's events reach
        # it through the rules alone, as blocks
        (self.google_account | self.microsoft_account).direction = "remote_to_odoo"
        self.rule(self.m_primary, source=self.g_primary)
        self.rule(self.g_primary, privacy="title", source=self.m_primary)
        when = {
            "start": {"dateTime": START.isoformat() + "Z"},
            "end": {"dateTime": (START + timedelta(hours=1)).isoformat() + "Z"},
        }
        self.google.put_event(EMAIL, {"summary": "Standup", **when})
        self.google.put_event(EMAIL, {"summary": "Review", **when})
        self.microsoft.put_event(
            EMAIL,
            {
                "subject": "School run",
                "start": {"dateTime": (START + timedelta(hours=2)).isoformat(), "timeZone": "UTC"},
                "end": {"dateTime": (START + timedelta(hours=3)).isoformat(), "timeZone": "UTC"},
            },
        )
        for _round in range(3):
            self.pull(self.google_account)
            self.pull(self.microsoft_account)
            self.run_jobs()
        names = sorted(
            self.env["calendar.event"].search([("user_id", "=", self.alice.id)]).mapped("name")
        )
        self.assertEqual(names, ["Review", "School run", "Standup"], "no block became an event")
        at_google = self.google_items("primary")
        self.assertEqual(sorted(i["summary"] for i in self.marked(at_google)), ["School run"])
        self.assertEqual(len(at_google), 3)
        at_outlook = self.outlook_items(self.microsoft_account.remote_calendar_id)
        self.assertEqual(len(at_outlook), 3)
        self.assertEqual(len(self.outlook_marks(at_outlook)), 2)
        self.assertEqual(sorted(i["subject"] for i in at_outlook), ["Busy", "Busy", "School run"])
        self.assertFalse(
            self.env["calendar.sync.binding"].search(
                [("external_id", "in", [i["id"] for i in self.marked(at_google)])]
            )
        )

    def test_each_occurrence_of_a_synced_series_gets_its_block(self):
        (self.google_account | self.microsoft_account).direction = "remote_to_odoo"
        self.rule(self.m_side, source=self.g_primary)
        self.google.put_event(
            EMAIL,
            {
                "summary": "Daily",
                "start": {"dateTime": START.isoformat(), "timeZone": "UTC"},
                "end": {"dateTime": (START + timedelta(hours=1)).isoformat(), "timeZone": "UTC"},
                "recurrence": ["RRULE:FREQ=DAILY;COUNT=3"],
            },
        )
        self.pull(self.google_account)
        self.run_jobs()
        blocks = self.outlook_items(self.m_side_id)
        self.assertEqual(
            sorted(b["start"]["dateTime"][:10] for b in blocks),
            [(START + timedelta(days=day)).date().isoformat() for day in range(3)],
        )
        self.assertEqual({b["type"] for b in blocks}, {"singleInstance"})

    def test_blocks_in_an_imported_calendar_are_not_imported(self):
        (self.google_account | self.microsoft_account).direction = "remote_to_odoo"
        self.g_side.with_user(self.alice).mode = "import"
        self.rule(self.m_side, source=self.g_side)
        self.rule(self.g_side)
        self.google.put_event(
            EMAIL,
            {
                "summary": "Team offsite",
                "start": {"dateTime": START.isoformat() + "Z"},
                "end": {"dateTime": (START + timedelta(hours=2)).isoformat() + "Z"},
            },
            calendar_id=self.g_side_id,
        )
        self.event(name="Doctor", start=START + timedelta(days=1))
        for _round in range(3):
            self.g_side._enqueue_pull()
            self.pull(self.microsoft_account)
            self.run_jobs()
        names = self.env["calendar.event"].search([("user_id", "=", self.alice.id)]).mapped("name")
        self.assertEqual(sorted(names), ["Doctor", "Team offsite"])
        at_team = self.google_items(self.g_side_id)
        self.assertEqual(sorted(i["summary"] for i in at_team), ["Busy", "Team offsite"])
        self.assertEqual(len(self.marked(at_team)), 1)
        self.assertEqual([i["subject"] for i in self.outlook_items(self.m_side_id)], ["Busy"])
