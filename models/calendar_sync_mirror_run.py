"""The job of a busy mirroring rule: compare the blocks the rule's source asks for with the
blocks written (their hashes), and send only the differences to the target calendar through
its provider's adapter (batched by ``adapter.push``). Written once for both providers.

Work per run: a fixed number of queries (the source's events in the window, their bindings,
the rule's blocks) and one request per batch of changed blocks; an unchanged calendar costs no
request at all, one changed event one operation.
"""

import logging
import math
from datetime import UTC, datetime, timedelta

from odoo import api, fields, models

from ..services.adapter import PushOp
from ..services.exceptions import AuthRevoked, NotFoundError, TransientError
from ..services.mirror import block_event, block_hash, block_id, mark, transaction_id
from ..services.neutral import NeutralEvent
from ..services.timezones import known_zone
from .calendar_event_neutral import html_to_text

_logger = logging.getLogger(__name__)
# a block whose op failed for a while is sent again after this many seconds at least
RETRY_SECONDS = 30


def _when(event):
    if event.allday:
        start = event.start_date or event.start.date()
        return start, (event.stop_date or event.stop.date()) + timedelta(days=1)
    return event.start.replace(tzinfo=UTC), event.stop.replace(tzinfo=UTC)


def _naive(value):
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None)
    return datetime.combine(value, datetime.min.time())


class CalendarSyncMirror(models.Model):
    _inherit = "calendar.sync.mirror"

    # -- what the source asks for ---------------------------------------------------------
    def _source_events(self, window):
        """The source's busy events in ``window`` the user attends and has not declined,
        less those the target calendar already holds (synced there as real events)."""
        self.ensure_one()
        attendees = (
            self.env["calendar.attendee"]
            .sudo()
            .search(
                [
                    ("partner_id", "=", self.user_id.partner_id.id),
                    ("state", "!=", "declined"),
                    ("event_id.show_as", "=", "busy"),
                    ("event_id.stop", ">=", window[0]),
                    ("event_id.start", "<=", window[1]),
                ]
            )
        )
        events = attendees.event_id.filtered("active")
        if self.source == "calendar":
            events &= self._events_on(self.source_calendar_id, events)
        return events - self._events_on(self.target_calendar_id, events)

    def _events_on(self, calendar, events):
        """Which of ``events`` are on ``calendar``: for a connection's two-way calendar, the
        events bound to that connection; for an imported calendar, the events it brought."""
        Event = self.env["calendar.event"].sudo()
        if not calendar or not events:
            return Event
        account = calendar.account_id
        on = Event
        if calendar.remote_id == account.remote_calendar_id:
            bindings = (
                self.env["calendar.sync.binding"]
                .sudo()
                .search([("account_id", "=", account.id), ("event_id", "in", events.ids)])
            )
            # a series is bound once, through its base event: its occurrences are there too
            series = bindings.event_id.recurrence_id
            on |= bindings.event_id | events.filtered(lambda e: e.recurrence_id in series)
        on |= events.filtered(lambda e: e.cloud_calendar_id == calendar)
        return on

    def _level(self, event):
        """The rule's privacy level, but "busy" for a private event: whatever the rule, its
        title and details stay where they are."""
        return "busy" if event._ccs_is_private() else self.privacy

    def _neutral_source(self, event, level):
        tz = next((z for z in (event.event_tz, event.user_id.tz) if known_zone(z)), "UTC")
        start, end = _when(event)
        return NeutralEvent(
            title=(event.name or "") if level != "busy" else "",
            start=start,
            end=end,
            all_day=event.allday,
            timezone=tz,
            description=html_to_text(event.description) if level == "full" else "",
            location=(event.location or "") if level == "full" else "",
        )

    def _wanted_blocks(self, window):
        """{source key: (block event, mark)} of what the target should hold now."""
        self.ensure_one()
        if not self.active:
            return {}
        db_uuid = self.env["ir.config_parameter"].sudo().get_param("database.uuid")
        wanted = {}
        for event in self._source_events(window):
            key = f"event-{event.id}"
            level = self._level(event)
            wanted[key] = (
                block_event(self._neutral_source(event, level), level),
                mark(db_uuid, self.id, key),
            )
        return wanted

    # -- the job --------------------------------------------------------------------------
    def _job_mirror(self):
        """Bring the rule's blocks in its target calendar up to date."""
        rule = self.sudo().with_context(active_test=False).exists()
        if not rule:
            return "rule deleted"
        account = rule.target_calendar_id.account_id
        if account.state != "connected":
            return "target calendar not connected"
        account._lock()
        window = account._window()
        wanted = rule._wanted_blocks(window)
        Block = self.env["calendar.sync.mirror.block"].sudo()
        blocks = {b.source_key: b for b in Block.search([("mirror_id", "=", rule.id)])}
        new = Block.create(
            [
                {"mirror_id": rule.id, "calendar_id": rule.target_calendar_id.id, "source_key": k}
                for k in wanted
                if k not in blocks
            ]
        )
        blocks.update({b.source_key: b for b in new})
        ops = []
        for key, (event, mark_value) in wanted.items():
            block = blocks[key]
            written = block_hash(event, mark_value)
            if block.remote_id and block.block_hash == written:
                continue
            ops.append(rule._block_op(block, event, mark_value))
        for key, block in blocks.items():
            # a block out of the window stays: past busy time is history
            past = block.start and block.start < window[0]
            if key not in wanted and block.remote_id and not past:
                ops.append(PushOp("delete", block.id, block.remote_id))
        result = Block._send(account, rule.target_calendar_id, ops, wanted)
        rule.write({"last_run_at": fields.Datetime.now(), "last_error": result.get("error")})
        if result.get("retry") is not None:
            rule._enqueue_mirror(eta=fields.Datetime.now() + timedelta(seconds=result["retry"]))
        return f"{len(ops)} blocks sent"

    def _block_op(self, block, event, mark_value):
        if block.remote_id:
            return PushOp("update", block.id, block.remote_id, event=event, mirror_mark=mark_value)
        token = f"{mark_value}:{block.generation}"
        return PushOp(
            "create",
            block.id,
            block_id(token),
            event=event,
            transaction_id=transaction_id(token),
            mirror_mark=mark_value,
        )


class CalendarSyncMirrorBlock(models.Model):
    _inherit = "calendar.sync.mirror.block"

    @api.model
    def _send(self, account, calendar, ops, wanted=None):
        """Push ``ops`` to ``calendar`` and record the results: {"retry": seconds or None,
        "error": text or False}. A revoked grant stops at once (the account says so)."""
        if not ops:
            return {"retry": None, "error": False}
        adapter = account._adapter(calendar)
        try:
            results = adapter.push(ops)
        except AuthRevoked as exc:
            account._needs_reauth(exc)
            return {"retry": None, "error": str(exc)}
        except TransientError as exc:
            account._retry_later(exc)
        account._save_tokens(adapter)
        retry, error = None, False
        blocks = {b.id: b for b in self.browse([op.key for op in ops]).exists()}
        for op, res in zip(ops, results, strict=True):
            block = blocks[op.key]
            if res.error is None and op.kind == "create" and res.remote.deleted:
                # the id was used by a block removed since: the next one gets a new id
                block.generation += 1
                retry = RETRY_SECONDS if retry is None else retry
            elif res.error is None:
                block._written(op, res.remote, (wanted or {}).get(block.source_key))
            elif isinstance(res.error, AuthRevoked):
                account._needs_reauth(res.error)
                return {"retry": None, "error": str(res.error)}
            elif isinstance(res.error, NotFoundError) and op.kind == "update":
                # deleted at the provider: written again next time
                block.write({"remote_id": False, "block_hash": False})
                block.generation += 1
                retry = RETRY_SECONDS if retry is None else retry
            elif isinstance(res.error, TransientError):
                wait = max(math.ceil(res.error.retry_after or 0), RETRY_SECONDS)
                retry = wait if retry is None else max(retry, wait)
            else:
                error = str(res.error)
                _logger.info("calendar sync: a busy block was refused (%s)", type(res.error))
        return {"retry": retry, "error": error}

    def _written(self, op, remote, wanted):
        if op.kind == "delete":
            if self.mirror_id:
                self.write(
                    {"remote_id": False, "block_hash": False, "generation": self.generation + 1}
                )
            else:
                self.unlink()
            return
        event, mark_value = wanted
        self.write(
            {
                "remote_id": remote.external_id,
                "block_hash": block_hash(event, mark_value),
                "start": _naive(event.start),
            }
        )

    @api.model
    def _job_cleanup(self, calendar_id):
        """Remove the blocks of deleted rules (or of a rule's former target) from a calendar."""
        calendar = self.env["calendar.sync.calendar"].sudo().browse(calendar_id).exists()
        if not calendar or calendar.account_id.state != "connected":
            return "calendar gone or not connected"
        calendar.account_id._lock()
        blocks = self.sudo().search([("calendar_id", "=", calendar.id), ("mirror_id", "=", False)])
        ops = [PushOp("delete", b.id, b.remote_id) for b in blocks if b.remote_id]
        (blocks.filtered(lambda b: not b.remote_id)).unlink()
        result = self._send(calendar.account_id, calendar, ops)
        if result.get("retry") is not None:
            eta = fields.Datetime.now() + timedelta(seconds=result["retry"])
            calendar._ccs_enqueue_mirror_cleanup(eta=eta)
        return f"{len(ops)} blocks removed"
