"""Several calendars per connection (issue 13 item 1), through the emulator: every calendar
the provider lists (own, shared with the user, rooms), each with a mode; import and busy
calendars pulled with their own cursor and channel into read-only Odoo events that are never
pushed; the two-way calendar untouched by whatever happens to the others."""

import importlib.util
from datetime import timedelta
from pathlib import Path

import odoo
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .test_sync_google import DAY, START, GoogleSyncCase
from .test_sync_microsoft import MicrosoftSyncCase

ALICE = "alice@example.com"
BOB = "bob@example.com"


def google_body(summary, hour=10, day=DAY, **extra):
    return {
        "summary": summary,
        "start": {"dateTime": f"{day}T{hour:02d}:00:00Z", "timeZone": "UTC"},
        "end": {"dateTime": f"{day}T{hour + 1:02d}:00:00Z", "timeZone": "UTC"},
        **extra,
    }


class CalendarsCaseMixin:
    def calendar(self, remote_id, account=None):
        return (account or self.account).calendar_ids.filtered(lambda c: c.remote_id == remote_id)

    def imported(self, calendar):
        return (
            self.env["calendar.event"]
            .with_context(active_test=False)
            .search([("cloud_calendar_id", "=", calendar.id)], order="start, id")
        )

    def set_mode(self, calendar, mode):
        calendar.with_user(self.alice).write({"mode": mode})
        self.run_jobs()


@tagged("post_install", "-at_install")
class TestCalendarsGoogle(CalendarsCaseMixin, GoogleSyncCase):
    def share_bob(self, role="reader", summary="Bob's team"):
        calendar_id = self.google.add_calendar(BOB, summary)
        self.google.share_calendar(BOB, calendar_id, ALICE, role)
        return calendar_id

    def test_refresh_lists_own_shared_and_room_calendars_with_their_access(self):
        own = self.google.add_calendar(ALICE, "Side projects")
        shared = self.share_bob("reader")
        writable = self.share_bob("writer", "Bob's writable")
        free_busy = self.google.share_calendar(BOB, "primary", ALICE, "freeBusyReader")
        room = self.google.add_room("Room Everest")
        self.google.share_calendar(room, "primary", ALICE, "reader")
        self.account.action_refresh_calendars()
        got = {
            c.remote_id: (c.kind, c.access, c.mode, c.owner_email or "")
            for c in self.account.calendar_ids
        }
        self.assertEqual(
            got,
            {
                ALICE: ("own", "owner", "two_way", ""),
                own: ("own", "owner", "off", ""),
                shared: ("shared", "reader", "off", ""),
                writable: ("shared", "writer", "off", ""),
                free_busy: ("shared", "free_busy", "off", BOB),
                room: ("room", "reader", "off", room),
            },
        )
        self.assertEqual(self.calendar(room).name, "Room Everest")
        with self.assertRaises(ValidationError):
            self.calendar(free_busy).with_user(self.alice).write({"mode": "import"})
        with self.assertRaises(ValidationError):
            self.calendar(shared).with_user(self.alice).write({"mode": "two_way"})

    def test_an_imported_calendar_comes_in_read_only_and_is_never_pushed(self):
        shared = self.share_bob()
        self.google.put_event(
            BOB,
            google_body(
                "Team offsite",
                description="Bring laptops",
                location="Ghent",
                attendees=[{"email": BOB, "displayName": "Bob"}, {"email": "carol@example.com"}],
            ),
            calendar_id=shared,
        )
        self.account.action_refresh_calendars()
        calendar = self.calendar(shared)
        self.set_mode(calendar, "import")
        [event] = self.imported(calendar)
        self.assertEqual(event.name, "Team offsite")
        self.assertEqual(event.location, "Ghent")
        self.assertIn("Bring laptops", str(event.description))
        self.assertIn("carol@example.com", str(event.description))
        self.assertEqual(event.partner_ids, self.alice.partner_id)
        self.assertEqual(event.user_id, self.alice)
        self.assertTrue(calendar.last_pull_at)
        self.assertFalse(calendar.last_error)
        # read-only in Odoo, with a message that says where to change it
        with self.assertRaisesRegex(UserError, "comes from Bob's team .*Google Calendar"):
            event.with_user(self.alice).write({"name": "Mine now"})
        with self.assertRaisesRegex(UserError, "comes from Bob's team"):
            event.with_user(self.alice).unlink()
        # never pushed: nothing reached Alice's own calendar, no binding
        self.run_jobs()
        self.assertEqual(self.remote_events(), [])
        self.assertFalse(event.cloud_sync_binding_ids)
        # changes at Google come in; a deletion removes it from Odoo
        [item] = self.google.events_of(BOB, shared)
        self.google.change_event(BOB, item["id"], {"summary": "Team offsite (moved)"}, shared)
        self.account.with_user(self.alice).action_sync_now()
        self.run_jobs()
        self.assertEqual(event.name, "Team offsite (moved)")
        self.google.remove_event(BOB, item["id"], shared)
        calendar._enqueue_pull()
        self.run_jobs()
        self.assertFalse(event.exists())

    def test_a_second_account_of_another_provider_never_receives_imported_events(self):
        shared = self.share_bob()
        self.google.put_event(BOB, google_body("Imported only"), calendar_id=shared)
        self.account.action_refresh_calendars()
        self.set_mode(self.calendar(shared), "import")
        self.assertEqual(len(self.imported(self.calendar(shared))), 1)
        # connecting Outlook afterwards sends the user's events there: not the imported one;
        # nor does reconnecting Google send it to her own calendar
        self.emulator.providers["microsoft"].auto_approve = True
        outlook = self.connect(self.alice, ALICE, "microsoft")
        outlook._start_sync()
        self.account._start_sync()
        self.run_jobs()
        self.assertFalse(
            self.env["calendar.sync.binding"].search([("account_id", "=", outlook.id)])
        )
        self.assertEqual(self.emulator.count("microsoft", "events.create"), 0)
        self.assertEqual(self.emulator.count("microsoft", "batch"), 0)
        self.assertEqual(self.remote_events(), [])

    def test_each_occurrence_of_a_series_is_one_event_and_a_cancelled_series_leaves(self):
        shared = self.share_bob()
        series = self.google.put_event(
            BOB,
            google_body("Weekly sync", recurrence=["RRULE:FREQ=WEEKLY;COUNT=3"]),
            calendar_id=shared,
        )
        self.account.action_refresh_calendars()
        calendar = self.calendar(shared)
        self.set_mode(calendar, "import")
        events = self.imported(calendar)
        self.assertEqual(events.mapped("name"), ["Weekly sync"] * 3)
        self.assertEqual(
            [e.start - events[0].start for e in events], [timedelta(0), timedelta(7), timedelta(14)]
        )
        self.assertFalse(events.recurrence_id)
        self.google.remove_event(BOB, series["id"], shared)
        calendar._enqueue_pull()
        self.run_jobs()
        self.assertFalse(self.imported(calendar))

    def test_a_meeting_already_synced_two_way_is_not_imported_twice(self):
        # Bob invites Alice: the meeting is on her primary calendar (two-way) and on Bob's
        self.google.put_event(BOB, google_body("Shared meeting", attendees=[{"email": ALICE}]))
        self.pull()
        self.assertEqual(
            self.env["calendar.event"].search_count([("name", "=", "Shared meeting")]), 1
        )
        self.google.share_calendar(BOB, "primary", ALICE, "reader")
        self.account.action_refresh_calendars()
        calendar = self.calendar(BOB)
        self.set_mode(calendar, "import")
        self.assertFalse(self.imported(calendar))
        self.assertEqual(
            self.env["calendar.event"].search_count([("name", "=", "Shared meeting")]), 1
        )

    def test_adding_and_removing_a_calendar_never_touches_the_two_way_one(self):
        self.new_event(name="Mine")
        self.run_jobs()
        self.pull()
        cursor, bindings = self.account.sync_cursor, self.account.binding_ids
        snapshot = [(b.id, b.external_id, b.etag, b.last_hash) for b in bindings]
        self.assertTrue(cursor and bindings)
        shared = self.share_bob()
        other = self.share_bob(summary="Bob's other")
        self.google.put_event(BOB, google_body("Theirs"), calendar_id=shared)
        self.google.put_event(BOB, google_body("Other"), calendar_id=other)
        self.account.action_refresh_calendars()
        self.set_mode(self.calendar(other), "import")
        other_state = (self.calendar(other).cursor, self.imported(self.calendar(other)))
        calendar = self.calendar(shared)
        self.set_mode(calendar, "busy")
        self.assertEqual(len(self.imported(calendar)), 1)
        self.assertTrue(calendar.cursor)
        self.set_mode(calendar, "off")
        self.assertFalse(self.imported(calendar))
        self.assertFalse(calendar.cursor or calendar.channel_id)
        self.assertEqual(self.account.sync_cursor, cursor)
        self.assertEqual(
            [(b.id, b.external_id, b.etag, b.last_hash) for b in self.account.binding_ids],
            snapshot,
        )
        self.assertEqual(self.calendar(ALICE).mode, "two_way")
        self.assertEqual(
            (self.calendar(other).cursor, self.imported(self.calendar(other))), other_state
        )
        self.assertEqual(self.imported(self.calendar(other)).mapped("name"), ["Other"])

    def test_the_two_way_calendar_changes_only_by_choosing_another(self):
        # a mode written straight over RPC, as the Sync settings dialog does not
        self.new_event(name="Mine")
        self.run_jobs()
        own = self.google.add_calendar(ALICE, "Side")
        self.account.action_refresh_calendars()
        primary = self.calendar(ALICE)
        # taking two-way away would leave the connection syncing a calendar shown as off
        with self.assertRaises(UserError):
            primary.with_user(self.alice).write({"mode": "off"})
        self.assertEqual(primary.mode, "two_way")
        # giving it to another calendar is a switch: the account syncs that one now
        self.set_mode(self.calendar(own), "two_way")
        self.assertEqual(self.account.remote_calendar_id, own)
        self.assertEqual((primary.mode, self.calendar(own).mode), ("off", "two_way"))
        self.assertEqual([e["summary"] for e in self.google.events_of(ALICE, own)], ["Mine"])

    def test_an_expired_cursor_relists_that_calendar_only(self):
        shared = self.share_bob()
        self.google.put_event(BOB, google_body("First"), calendar_id=shared)
        self.account.action_refresh_calendars()
        calendar = self.calendar(shared)
        self.set_mode(calendar, "import")
        self.pull()
        account_cursor = self.account.sync_cursor
        self.google.put_event(BOB, google_body("Second", hour=12), calendar_id=shared)
        self.google.expire_sync_tokens(BOB)
        self.emulator.stats.clear()
        calendar._enqueue_pull()
        self.run_jobs()
        self.assertEqual(self.imported(calendar).mapped("name"), ["First", "Second"])
        self.assertEqual(self.account.sync_cursor, account_cursor)
        self.assertEqual(self.emulator.count("google", "events.list"), 2)  # 410, then relist

    def test_a_calendar_the_provider_no_longer_lists_goes_off_and_is_kept(self):
        shared = self.share_bob()
        self.google.put_event(BOB, google_body("Soon unshared"), calendar_id=shared)
        self.account.action_refresh_calendars()
        calendar = self.calendar(shared)
        self.set_mode(calendar, "import")
        self.assertTrue(self.imported(calendar))
        self.google.share_calendar(BOB, shared, ALICE, None)
        self.account.action_refresh_calendars()
        self.assertTrue(calendar.exists())
        self.assertEqual((calendar.mode, calendar.missing), ("off", True))
        self.assertFalse(self.imported(calendar))
        self.assertEqual(self.calendar(ALICE).mode, "two_way")

    def test_each_calendar_has_its_channel_and_its_notifications_pull_it_alone(self):
        shared = self.share_bob()
        self.account.action_refresh_calendars()
        calendar = self.calendar(shared)
        self.set_mode(calendar, "import")
        self.assertTrue(calendar.channel_id and calendar.channel_expiration)
        [channel] = [c for c in self.google.channels_of(BOB) if c.calendar_id == shared]
        self.assertEqual(channel.id, calendar.channel_id)
        Account = self.env["calendar.sync.account"]
        headers = {
            "X-Goog-Channel-ID": calendar.channel_id,
            "X-Goog-Channel-Token": calendar._secret(),
            "X-Goog-Resource-ID": calendar.channel_resource_id,
            "X-Goog-Resource-State": "exists",
        }
        self.assertEqual(Account._receive_google_notification(headers), 200)
        jobs = self.env["queue.job"].search([("state", "=", "pending")])
        self.assertEqual(
            jobs.mapped("identity_key"), [f"calendar_cloud_sync-pull-calendar-{calendar.id}"]
        )
        wrong = dict(headers, **{"X-Goog-Channel-Token": "guess"})
        self.assertEqual(Account._receive_google_notification(wrong), 403)
        self.run_jobs()
        # the renewal cron replaces a channel about to end; off stops it at Google
        calendar.sudo().channel_expiration = calendar.channel_expiration - timedelta(days=30)
        old = calendar.channel_id
        Account._cron_renew_channels()
        self.run_jobs()
        self.assertNotEqual(calendar.channel_id, old)
        self.set_mode(calendar, "off")
        self.assertFalse([c for c in self.google.channels_of(BOB) if c.calendar_id == shared])
        # disconnecting stops an import calendar's channel too
        self.set_mode(calendar, "import")
        self.assertTrue([c for c in self.google.channels_of(BOB) if c.calendar_id == shared])
        self.account.with_user(self.alice).action_disconnect()
        self.run_jobs()
        self.assertFalse([c for c in self.google.channels_of(BOB) if c.calendar_id == shared])
        self.assertFalse(calendar.channel_id)

    def test_a_calendar_that_fails_to_pull_shows_on_its_account_health(self):
        shared = self.share_bob()
        self.account.action_refresh_calendars()
        calendar = self.calendar(shared)
        self.set_mode(calendar, "import")
        self.assertFalse(self.account.ccs_needs_attention)
        self.google.share_calendar(BOB, shared, ALICE, None)  # unshared since the listing
        calendar._enqueue_pull()
        job = self.env["queue.job"].search([("state", "=", "pending")])
        self.assertEqual(job.ccs_account_id, self.account)
        self.run_jobs()
        self.assertIn("Not Found", calendar.last_error)
        self.account.invalidate_recordset()
        self.assertTrue(self.account.ccs_needs_attention)
        self.assertEqual(self.calendar(ALICE).mode, "two_way")

    def test_one_change_costs_the_same_whatever_the_calendar_holds(self):
        shared = self.share_bob()
        self.account.action_refresh_calendars()
        calendar = self.calendar(shared)

        def queries_to_pull_one_change(round_, extra):
            for i in range(extra):
                day = DAY + timedelta(days=i + 1)
                self.google.put_event(
                    BOB, google_body(f"{round_}-{i}", day=day), calendar_id=shared
                )
            calendar._enqueue_pull()
            self.run_jobs()
            [item] = [
                e for e in self.google.events_of(BOB, shared) if e["summary"] == f"{round_}-0"
            ]
            self.google.change_event(BOB, item["id"], {"summary": f"{round_} changed"}, shared)
            calendar._enqueue_pull()
            self.env.flush_all()
            before = odoo.sql_db.sql_counter
            self.run_jobs()
            self.env.flush_all()
            return odoo.sql_db.sql_counter - before

        self.set_mode(calendar, "busy")
        queries_to_pull_one_change("warm", 1)  # caches filled once per process
        small = queries_to_pull_one_change("small", 3)
        large = queries_to_pull_one_change("large", 30)
        self.assertEqual(len(self.imported(calendar)), 34)
        self.assertEqual(small, large)

    def test_the_fallback_cron_pulls_a_quiet_calendar(self):
        shared = self.share_bob()
        self.account.action_refresh_calendars()
        calendar = self.calendar(shared)
        self.set_mode(calendar, "import")
        self.google.put_event(BOB, google_body("Missed notification"), calendar_id=shared)
        Account = self.env["calendar.sync.account"]
        Account._cron_pull_quiet_accounts()
        self.run_jobs()
        self.assertFalse(self.imported(calendar), "pulled a moment ago: not quiet")
        calendar.sudo().last_pull_at = calendar.last_pull_at - timedelta(hours=1)
        Account._cron_pull_quiet_accounts()
        self.run_jobs()
        self.assertEqual(self.imported(calendar).mapped("name"), ["Missed notification"])

    def test_the_sync_settings_set_a_mode_per_calendar(self):
        shared = self.share_bob()
        own = self.google.add_calendar(ALICE, "Side projects")
        action = self.account.with_user(self.alice).action_open_form()
        settings = self.env[action["res_model"]].with_user(self.alice).browse(action["res_id"])
        self.assertEqual(
            sorted(settings.calendar_ids.mapped("remote_id")), sorted([ALICE, own, shared])
        )
        settings.calendar_ids.filtered(lambda c: c.remote_id == shared).mode = "busy"
        settings.calendar_ids.filtered(lambda c: c.remote_id == own).mode = "two_way"
        settings.action_save()
        self.run_jobs()
        self.assertEqual(self.account.remote_calendar_id, own)
        self.assertEqual(
            {c.remote_id: c.mode for c in self.account.calendar_ids},
            {ALICE: "off", own: "two_way", shared: "busy"},
        )

    def test_upgrade_gives_each_account_its_two_way_calendar(self):
        self.account.calendar_ids.unlink()
        path = Path(__file__).parents[1] / "migrations" / "18.0.1.2.0" / "post-migration.py"
        spec = importlib.util.spec_from_file_location("ccs_migration_1_2", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        self.env.flush_all()
        module.migrate(self.env.cr, "18.0.1.1.0")
        module.migrate(self.env.cr, "18.0.1.1.0")  # twice changes nothing
        self.env.invalidate_all()
        [calendar] = self.account.calendar_ids
        self.assertEqual(
            (calendar.remote_id, calendar.mode, calendar.name, calendar.user_id),
            (ALICE, "two_way", self.account.remote_calendar_name, self.alice),
        )
        # the listing then adds the others beside it
        self.google.add_calendar(ALICE, "Side projects")
        self.account.action_refresh_calendars()
        self.assertEqual(len(self.account.calendar_ids), 2)


@tagged("post_install", "-at_install")
class TestCalendarsMicrosoft(CalendarsCaseMixin, MicrosoftSyncCase):
    def outlook_body(self, subject, hours=0, **extra):
        start = START + timedelta(days=2, hours=hours)
        return {
            "subject": subject,
            "start": {"dateTime": start.isoformat(), "timeZone": "UTC"},
            "end": {"dateTime": (start + timedelta(hours=1)).isoformat(), "timeZone": "UTC"},
            **extra,
        }

    def share_bob(self, can_edit=False):
        self.microsoft.add_user(BOB)
        cal_id = self.microsoft.add_calendar(BOB, "Bob's team")
        self.microsoft.share_calendar(BOB, cal_id, ALICE, can_edit=can_edit)
        return cal_id

    def test_shared_calendars_are_listed_with_their_owner_and_rights(self):
        shared = self.share_bob()
        writable = self.microsoft.share_calendar(BOB, None, ALICE, can_edit=True)
        self.account.action_refresh_calendars()
        got = {
            c.remote_id: (c.kind, c.access, c.mode, c.owner_email or "")
            for c in self.account.calendar_ids
        }
        self.assertEqual(got[self.account.remote_calendar_id], ("own", "owner", "two_way", ""))
        self.assertEqual(got[shared], ("shared", "reader", "off", BOB))
        self.assertEqual(got[writable], ("shared", "writer", "off", BOB))

    def test_a_busy_calendar_brings_times_only_and_follows_changes(self):
        shared = self.share_bob()
        first = self.microsoft.put_event_in(
            BOB,
            shared,
            self.outlook_body(
                "Secret merger",
                body={"contentType": "text", "content": "Acme"},
                location={"displayName": "Board room"},
            ),
        )
        self.account.action_refresh_calendars()
        calendar = self.calendar(shared)
        self.set_mode(calendar, "busy")
        [event] = self.imported(calendar)
        self.assertEqual(
            (event.name, event.privacy, event.show_as, event.location, event.description),
            ("Busy", "private", "busy", False, False),
        )
        self.assertEqual(event.start, START + timedelta(days=2))
        self.microsoft.change_event(BOB, first, self.outlook_body("Secret merger", hours=2))
        calendar._enqueue_pull()
        self.run_jobs()
        self.assertEqual(event.start, START + timedelta(days=2, hours=2))
        self.microsoft.remove_event(BOB, first)
        calendar._enqueue_pull()
        self.run_jobs()
        self.assertFalse(event.exists())
        self.assertEqual(self.outlook_events(), [])

    def test_import_then_off_leaves_the_two_way_calendar_alone(self):
        self.new_event(name="Mine")
        self.run_jobs()
        self.pull()
        cursor = self.account.sync_cursor
        bindings = [(b.id, b.external_id, b.change_key) for b in self.account.binding_ids]
        shared = self.share_bob()
        self.microsoft.put_event_in(BOB, shared, self.outlook_body("Theirs"))
        self.account.action_refresh_calendars()
        calendar = self.calendar(shared)
        self.set_mode(calendar, "import")
        self.assertEqual(self.imported(calendar).mapped("name"), ["Theirs"])
        self.set_mode(calendar, "off")
        self.assertFalse(self.imported(calendar))
        self.assertEqual(self.account.sync_cursor, cursor)
        self.assertEqual(
            [(b.id, b.external_id, b.change_key) for b in self.account.binding_ids], bindings
        )

    def test_each_occurrence_of_an_outlook_series_is_one_event_until_the_series_goes(self):
        shared = self.share_bob()
        start = START + timedelta(days=2)
        body = self.outlook_body(
            "Weekly sync",
            recurrence={
                "pattern": {
                    "type": "weekly",
                    "interval": 1,
                    "daysOfWeek": [start.strftime("%A").lower()],
                    "firstDayOfWeek": "sunday",
                },
                "range": {
                    "type": "numbered",
                    "numberOfOccurrences": 3,
                    "startDate": start.date().isoformat(),
                    "recurrenceTimeZone": "UTC",
                },
            },
        )
        series = self.microsoft.put_event_in(BOB, shared, body)
        self.account.action_refresh_calendars()
        calendar = self.calendar(shared)
        self.set_mode(calendar, "import")
        events = self.imported(calendar)
        self.assertEqual(events.mapped("name"), ["Weekly sync"] * 3)
        self.assertEqual(
            [e.start for e in events], [start + timedelta(days=7 * i) for i in range(3)]
        )
        self.assertEqual(set(events.mapped("cloud_series_id")), {series})
        self.microsoft.remove_event(BOB, series)
        calendar._enqueue_pull()
        self.run_jobs()
        self.assertFalse(self.imported(calendar))
