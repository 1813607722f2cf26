"""A busy-only calendar never leaks a title into Odoo (issue 13): not in the database (the
event, its attendees, messages and tracking, jobs, logs), not over JSON-RPC to its user nor
to another internal user; and a Graph subscription of an imported calendar notifies Odoo for
real (HTTP both ways), which pulls that calendar."""

from datetime import timedelta

from odoo.tests import HttpCase, new_test_user, tagged

from .common import EmulatorMixin, JobRunnerMixin, SyncCaseMixin
from .test_sync_google import DAY, START

ALICE = "alice@example.com"
BOB = "bob@example.com"
TITLE = "Zebra acquisition 7Q"
DETAILS = "Yak price list 4K"
# the tables an imported event, its attendees, messages, followers and jobs are written to
SCANNED = r"^(calendar_|mail_|queue_job|ir_attachment|bus_bus)"


@tagged("post_install", "-at_install")
class TestBusyCalendarPrivacy(SyncCaseMixin, EmulatorMixin, JobRunnerMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alice = new_test_user(
            cls.env,
            "ccs_busy_alice",
            password="ccs_busy_alice",
            groups="base.group_user",
            email=ALICE,
        )
        cls.colleague = new_test_user(
            cls.env,
            "ccs_busy_colleague",
            password="ccs_busy_colleague",
            groups="base.group_user",
        )

    def setUp(self):
        super().setUp()
        self.google = self.emulator.providers["google"]
        self.account = self.connect(self.alice, ALICE)
        shared = self.google.add_calendar(BOB, "Bob's board")
        self.google.share_calendar(BOB, shared, ALICE, "reader")
        self.google.put_event(
            BOB,
            {
                "summary": TITLE,
                "description": DETAILS,
                "location": DETAILS,
                "start": {"dateTime": f"{DAY}T10:00:00Z", "timeZone": "UTC"},
                "end": {"dateTime": f"{DAY}T11:00:00Z", "timeZone": "UTC"},
                "attendees": [{"email": BOB}, {"email": "zed@example.com"}],
            },
            calendar_id=shared,
        )
        self.account.action_refresh_calendars()
        self.calendar = self.account.calendar_ids.filtered(lambda c: c.remote_id == shared)
        self.calendar.with_user(self.alice).write({"mode": "busy"})
        self.run_jobs()
        self.event = self.env["calendar.event"].search(
            [("cloud_calendar_id", "=", self.calendar.id)]
        )

    def leaks_in_database(self, needle):
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            """SELECT table_name, array_agg(column_name::text)
                 FROM information_schema.columns
                WHERE table_schema = 'public' AND table_name ~ %s
                  AND data_type IN ('text', 'character varying', 'jsonb')
             GROUP BY table_name""",
            [SCANNED],
        )
        found = []
        for table, columns in cr.fetchall():
            condition = " OR ".join(f'"{c}"::text ILIKE %s' for c in columns)
            cr.execute(
                f'SELECT count(*) FROM "{table}" WHERE {condition}',
                [f"%{needle}%"] * len(columns),
            )
            if cr.fetchone()[0]:
                found.append(table)
        return found

    def rpc(self, login, method, args, kwargs=None):
        self.authenticate(login, login)
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {"model": "calendar.event", "method": method, "args": args, "kwargs": kwargs or {}},
        )

    def test_the_title_is_nowhere_in_odoo(self):
        self.assertEqual(len(self.event), 1)
        self.assertEqual(self.event.name, "Busy")
        self.assertEqual((self.event.start.hour, self.event.stop.hour), (10, 11))
        for needle in (TITLE, DETAILS, "zed@example.com"):
            self.assertEqual(self.leaks_in_database(needle), [], needle)
        for login in ("ccs_busy_alice", "ccs_busy_colleague"):
            answers = [
                self.rpc(login, "read", [self.event.ids]),
                self.rpc(login, "search_read", [[("id", "=", self.event.id)]]),
                self.rpc(
                    login,
                    "web_search_read",
                    [[("id", "=", self.event.id)]],
                    {
                        "specification": {
                            "name": {},
                            "description": {},
                            "location": {},
                            "display_name": {},
                            "partner_ids": {},
                        }
                    },
                ),
            ]
            for answer in answers:
                for needle in (TITLE, DETAILS, "zed@"):
                    self.assertNotIn(needle, str(answer), (login, needle))
        # an import of the same calendar would show it: the needle is a real one
        self.calendar.with_user(self.alice).write({"mode": "import"})
        self.run_jobs()
        self.assertIn("calendar_event", self.leaks_in_database(TITLE))


@tagged("post_install", "-at_install")
class TestImportedCalendarNotifications(SyncCaseMixin, EmulatorMixin, JobRunnerMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alice = new_test_user(
            cls.env, "ccs_calnotify_alice", groups="base.group_user", email=ALICE
        )

    def test_a_graph_subscription_per_calendar_pulls_that_calendar(self):
        microsoft = self.emulator.providers["microsoft"]
        microsoft.handshake_timeout = 3
        self.account = self.connect(self.alice, ALICE, "microsoft")
        self.account._start_sync()
        self.run_jobs()
        microsoft.add_user(BOB)
        shared = microsoft.add_calendar(BOB, "Bob's team")
        microsoft.share_calendar(BOB, shared, ALICE)
        start = START + timedelta(days=1)
        body = {
            "subject": "Planning",
            "start": {"dateTime": start.isoformat(), "timeZone": "UTC"},
            "end": {"dateTime": (start + timedelta(hours=1)).isoformat(), "timeZone": "UTC"},
        }
        item = microsoft.put_event_in(BOB, shared, body)
        self.account.action_refresh_calendars()
        calendar = self.account.calendar_ids.filtered(lambda c: c.remote_id == shared)
        calendar.with_user(self.alice).write({"mode": "import"})
        self.run_jobs()
        self.assertTrue(calendar.channel_id, calendar.last_error)
        [subscription] = [s for s in microsoft.subscriptions.values() if s["_cal"] == shared]
        self.assertEqual(subscription["id"], calendar.channel_resource_id)
        self.assertEqual(subscription["resource"], f"me/calendars/{shared}/events")
        event = self.env["calendar.event"].search([("cloud_calendar_id", "=", calendar.id)])
        self.assertEqual(event.name, "Planning")
        account_cursor = self.account.sync_cursor
        # Bob renames it in Outlook: Graph notifies Odoo, whose webhook enqueues the pull
        microsoft.change_event(BOB, item, {"subject": "Planning (new room)"})
        self.emulator.notifier.flush()
        pulls = self.env["queue.job"].search(
            [
                ("identity_key", "=", f"calendar_cloud_sync-pull-calendar-{calendar.id}"),
                ("state", "=", "pending"),
            ]
        )
        self.assertEqual(len(pulls), 1)
        self.run_jobs()
        self.assertEqual(event.name, "Planning (new room)")
        self.assertEqual(self.account.sync_cursor, account_cursor)
