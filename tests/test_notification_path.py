"""Which of the addon's files a Google notification goes through before the event is written:
a measure of the layout (README "Architecture"), not a test of behaviour, so it runs only when
asked: ``tools/odoo_tests.sh ccs_trace/calendar_cloud_sync``.

The notification is checked and enqueued, its pull job runs, and the trace stops at the first
write of the Odoo event. It prints the files in the order they were first entered, how many
there are, and the calls between them: a pair of files that call each other (A calls B and B
calls A) is a path that goes back and forth instead of one way."""

import logging
import sys
from datetime import datetime, timedelta
from pathlib import Path

from odoo.tests import TransactionCase, new_test_user, tagged

from .common import EmulatorMixin, JobRunnerMixin, SyncCaseMixin

# the addon as Odoo loaded it (a link in the addons path) and as the checkout holds it
ADDON = (str(Path(__file__).parents[1]) + "/", str(Path(__file__).resolve().parents[1]) + "/")
_logger = logging.getLogger(__name__)
DAY = (datetime.now() + timedelta(days=20)).date()


class Stop(BaseException):  # not an error the engine would set aside
    pass


@tagged("post_install", "-at_install", "-standard", "ccs_trace")
class TestNotificationPath(SyncCaseMixin, EmulatorMixin, JobRunnerMixin, TransactionCase):
    def test_the_files_a_google_notification_crosses_to_the_event_write(self):
        alice = new_test_user(self.env, "ccs_trace_alice", email="alice@example.com")
        google = self.emulator.providers["google"]
        account = self.connect(alice, "alice@example.com")
        item = google.put_event(
            "alice@example.com",
            {
                "summary": "Traced",
                "start": {"dateTime": f"{DAY}T10:00:00Z"},
                "end": {"dateTime": f"{DAY}T11:00:00Z"},
            },
        )
        account._start_sync()
        self.run_jobs()
        event = self.env["calendar.event"].search([("name", "=", "Traced")])
        self.assertEqual(len(event), 1)
        google.change_event("alice@example.com", item["id"], {"summary": "Traced again"})
        headers = {
            "X-Goog-Channel-ID": account.channel_id,
            "X-Goog-Channel-Token": account._get_secret("channel_secret"),
            "X-Goog-Resource-ID": account.channel_resource_id,
            "X-Goog-Resource-State": "exists",
        }
        path = ["controllers/webhooks.py"]
        edges = set()

        def short(frame):
            name = frame.f_code.co_filename
            root = next((root for root in ADDON if name.startswith(root)), None)
            if root and "/tests/" not in name:
                return name[len(root) :]
            return None

        def profile(frame, kind, _arg):
            if kind != "call":
                return
            callee = short(frame)
            if not callee:
                return
            caller, back = None, frame.f_back
            while back is not None and caller is None:
                caller = short(back)
                back = back.f_back
            path.append(callee)
            if caller and caller != callee:
                edges.add((caller, callee))
            if frame.f_code.co_name == "write" and callee.startswith("models/calendar_event"):
                raise Stop

        sys.setprofile(profile)
        stopped = False
        try:
            self.env["calendar.sync.account"].sudo()._receive_google_notification(headers)
            self.run_jobs()
        except Stop:
            stopped = True
        finally:
            sys.setprofile(None)
        self.assertTrue(stopped, "the pull wrote the event")
        files = list(dict.fromkeys(path))
        both_ways = sorted({tuple(sorted(e)) for e in edges if (e[1], e[0]) in edges})
        _logger.info(
            "the files a Google notification crosses to the event write:\n%s\n"
            "called both ways: %s\n%s files, %s caller-callee pairs, %s both ways",
            "\n".join(files),
            "; ".join(" <-> ".join(pair) for pair in both_ways) or "none",
            len(files),
            len(edges),
            len(both_ways),
        )
