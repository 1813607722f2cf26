"""The three webhook routes under hostile input: malformed, oversized, forged, NUL and control
characters, wrong content types, deep JSON. Whatever arrives: no 5xx, no job, no change to any
account, no ERROR line. The accounts' channels are set directly (nothing here calls a
provider), so the routes are the only thing exercised."""

import json
import random
import uuid

from odoo.tests import HttpCase, new_test_user, tagged

GOOGLE = "/calendar_cloud_sync/google/notify"
NOTIFY = "/calendar_cloud_sync/microsoft/notify"
LIFECYCLE = "/calendar_cloud_sync/microsoft/lifecycle"
WATCHED_FIELDS = [
    "state",
    "channel_id",
    "channel_resource_id",
    "last_error",
    "last_notification_at",
    "write_date",
]
# the characters an attacker tries first in an id
NASTY = ["\x00", "\x01", "\x7f", "\t", " ", "'", '"', "\\", "%", "_", "*", "é", "\u202e", "\ufeff"]


@tagged("post_install", "-at_install")
class TestWebhookFuzz(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Account = cls.env["calendar.sync.account"]
        user = new_test_user(cls.env, "ccs_fuzz_user", groups="base.group_user")
        cls.google = Account.create(
            {
                "user_id": user.id,
                "provider": "google",
                "state": "connected",
                "remote_calendar_id": "primary",
                "channel_id": str(uuid.uuid4()),
                "channel_resource_id": "res-" + uuid.uuid4().hex,
            }
        )
        cls.google._set_secret("channel_secret", "google-channel-token")
        cls.microsoft = Account.create(
            {
                "user_id": user.id,
                "provider": "microsoft",
                "state": "connected",
                "remote_calendar_id": "AAMkCalendar",
                "channel_id": str(uuid.uuid4()),
                "channel_resource_id": str(uuid.uuid4()),
            }
        )
        cls.microsoft._set_secret("channel_secret", "graph-client-state")

    def setUp(self):
        super().setUp()
        self.jobs_before = self.env["queue.job"].search_count([])
        self.accounts_before = self.snapshot()

    def snapshot(self):
        self.env.invalidate_all()
        return (self.google | self.microsoft).read(WATCHED_FIELDS)

    def post(self, path, data=b"", headers=None, params=None):
        # what is not Latin-1 travels as UTF-8 bytes, as a hostile client would send it
        headers = {
            key: value.encode() if isinstance(value, str) and not value.isascii() else value
            for key, value in (headers or {}).items()
        }
        return self.opener.post(
            self.base_url() + path, data=data, headers=headers, params=params, timeout=30
        )

    def post_json(self, path, payload, **kwargs):
        headers = {"Content-Type": "application/json"}
        return self.post(path, json.dumps(payload).encode(), headers=headers, **kwargs)

    def google_headers(self, **overrides):
        headers = {
            "X-Goog-Channel-ID": self.google.channel_id,
            "X-Goog-Channel-Token": "google-channel-token",
            "X-Goog-Resource-ID": self.google.channel_resource_id,
            "X-Goog-Resource-State": "exists",
            "X-Goog-Message-Number": "3",
        }
        headers.update(overrides)
        return {k: v for k, v in headers.items() if v is not None}

    def graph_item(self, **overrides):
        item = {
            "subscriptionId": self.microsoft.channel_resource_id,
            "clientState": "graph-client-state",
            "changeType": "updated",
            "resource": "Users/x/Events/y",
        }
        item.update(overrides)
        return item

    def assert_nothing_happened(self):
        self.assertEqual(self.env["queue.job"].search_count([]), self.jobs_before)
        self.assertEqual(self.snapshot(), self.accounts_before)

    # -- NUL bytes and malformed ids (unknown before any query) ------------------------------
    def test_a_nul_in_a_google_channel_id_is_unknown(self):
        with self.assertNoLogs(level="ERROR"):
            for channel_id in ("abc\x00def", self.google.channel_id + "\x00", "\x00"):
                headers = self.google_headers(**{"X-Goog-Channel-ID": channel_id})
                self.assertEqual(self.post(GOOGLE, headers=headers).status_code, 404)
        self.assert_nothing_happened()

    def test_a_nul_in_a_graph_subscription_id_is_unknown(self):
        with self.assertNoLogs(level="ERROR"):
            for path in (NOTIFY, LIFECYCLE):
                for subscription_id in ("abc\x00def", self.microsoft.channel_resource_id + "\x00"):
                    payload = {"value": [self.graph_item(subscriptionId=subscription_id)]}
                    self.assertEqual(self.post_json(path, payload).status_code, 404)
        self.assert_nothing_happened()

    def test_the_echoed_validation_token_is_capped(self):
        with self.assertNoLogs(level="ERROR"):
            short = self.post(NOTIFY, params={"validationToken": "Validation: abc"})
            self.assertEqual((short.status_code, short.text), (200, "Validation: abc"))
            for path in (NOTIFY, LIFECYCLE):
                answer = self.post(path, params={"validationToken": "x" * 20000})
                self.assertEqual(answer.status_code, 400)
                self.assertNotIn("xxxx", answer.text)
        self.assert_nothing_happened()

    # -- the fuzz -------------------------------------------------------------------------
    def google_cases(self, rng):
        good = self.google.channel_id
        # HTTP itself strips leading white space and forbids line breaks in a header
        ids = [good + c for c in NASTY] + [c + good for c in NASTY if not c.isspace()]
        ids += [c for c in NASTY if not c.isspace()] + ["x" * n for n in (65, 129, 1000, 8000)]
        latin1 = [chr(n) for n in range(1, 256) if chr(n) not in "\r\n"]
        ids += ["!" + "".join(rng.choice(latin1) for _i in range(40)) for _j in range(20)]
        for channel_id in ids:
            yield {"headers": self.google_headers(**{"X-Goog-Channel-ID": channel_id})}
        forged = [
            {"X-Goog-Channel-Token": "guessed"},
            {"X-Goog-Channel-Token": None},
            {"X-Goog-Channel-Token": "google-channel-token\x00"},
            {"X-Goog-Channel-Token": "x" * 8000},
            {"X-Goog-Resource-ID": "someone-elses"},
            {"X-Goog-Resource-ID": None},
            {"X-Goog-Resource-ID": "\x00"},
            {"X-Goog-Channel-ID": None},
            {"X-Goog-Channel-ID": str(uuid.uuid4())},
            {"X-Goog-Channel-ID": self.microsoft.channel_id},
        ]
        for overrides in forged:
            yield {"headers": self.google_headers(**overrides)}
        for state in ("\x00", "sync\x00", "x" * 5000, "EXISTS", ""):
            yield {
                "headers": self.google_headers(
                    **{"X-Goog-Resource-State": state, "X-Goog-Channel-Token": "wrong"}
                )
            }
        bad = self.google_headers(**{"X-Goog-Channel-Token": "wrong"})
        bodies = [
            (b"x" * (17 * 1024), "application/octet-stream"),
            (b"\x00" * 100, "application/octet-stream"),
            (b"{" * 50000, "application/json"),
            (b"a=" + b"\x00" * 200, "application/x-www-form-urlencoded"),
            (b"--b\r\nContent-Disposition: form-data; name=a\r\n\r\n\x00\r\n--b--\r\n", None),
            (b"<x/>", "text/xml"),
        ]
        for body, content_type in bodies:
            headers = dict(bad, **{"Content-Type": content_type or "multipart/form-data; b=b"})
            yield {"headers": headers, "data": body}

    def graph_cases(self, rng):
        good = self.microsoft.channel_resource_id
        ids = [good + c for c in NASTY] + [c + good for c in NASTY] + ["x" * 10000, "", 7, None]
        ids += [["list"], {"$ne": None}, True, 1e308]
        for subscription_id in ids:
            yield {"json": {"value": [self.graph_item(subscriptionId=subscription_id)]}}
        forged = [
            {"clientState": "guessed"},
            {"clientState": None},
            {"clientState": "graph-client-state\x00"},
            {"clientState": ["graph-client-state"]},
            {"clientState": {"a": 1}},
            {"subscriptionId": self.google.channel_resource_id},
            {"subscriptionId": str(uuid.uuid4())},
        ]
        for overrides in forged:
            yield {"json": {"value": [self.graph_item(**overrides)]}}
            bad = self.graph_item(**overrides, lifecycleEvent="subscriptionRemoved")
            yield {"json": {"value": [bad]}}
        payloads = [
            None,
            [],
            {},
            {"value": None},
            {"value": {}},
            {"value": "x"},
            {"value": [None, 1, "x", []]},
            {"value": [{}] * 2000},
            {"value\x00": [self.graph_item()]},
        ]
        for payload in payloads:
            yield {"json": payload}
        raw = [
            (b"", "application/json"),
            (b"\x00", "application/json"),
            (b"\xff\xfe\x00{", "application/json"),
            (b"[" * 100000, "application/json"),
            (b'{"value": ' + b"[" * 5000 + b"]" * 5000 + b"}", "application/json"),
            (b"x" * (257 * 1024), "application/json"),
            (b"value=1&subscriptionId=%00", "application/x-www-form-urlencoded"),
            (b"--b\r\nContent-Disposition: form-data; name=value\r\n\r\n\x00\r\n--b--\r\n", None),
            (b"<value/>", "text/xml"),
            (bytes(rng.randrange(256) for _i in range(500)), "application/json"),
        ]
        for body, content_type in raw:
            yield {
                "data": body,
                "headers": {"Content-Type": content_type or "multipart/form-data; boundary=b"},
            }
        for token in ("\x00", "\x01\x02", "a\x00b", "x" * 1025):
            yield {"params": {"validationToken": token}}

    def test_fuzzed_webhooks_never_fail_enqueue_or_change_an_account(self):
        rng = random.Random(10)
        sent, statuses = 0, {}
        with self.assertNoLogs(level="ERROR"):
            for case in self.google_cases(rng):
                answer = self.post(GOOGLE, data=case.get("data", b""), headers=case["headers"])
                statuses.setdefault(answer.status_code, []).append(("google", case))
                sent += 1
            for path in (NOTIFY, LIFECYCLE):
                for case in self.graph_cases(rng):
                    if "json" in case:
                        answer = self.post_json(path, case["json"])
                    else:
                        answer = self.post(
                            path,
                            data=case.get("data", b""),
                            headers=case.get("headers"),
                            params=case.get("params"),
                        )
                    statuses.setdefault(answer.status_code, []).append((path, case))
                    sent += 1
        server_errors = {s: cases[:3] for s, cases in statuses.items() if s >= 500}
        self.assertEqual(server_errors, {})
        self.assertGreater(sent, 200)
        self.assert_nothing_happened()
