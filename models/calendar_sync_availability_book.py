"""Booking a slot that cannot be double-booked (DESIGN.md section 2).

Under a per-user lock, the slot is checked again against what other transactions committed
(read through a cursor of its own: this transaction's snapshot may predate them) and against
the providers' free/busy asked afresh; then the Odoo event is created and pushed to the
user's calendar in the same request. A second booking of the slot waits for the first's
commit and answers ``taken`` with the next free slots. The same ``idempotency_key`` for the
same user answers the first booking again.
"""

import time
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.api import Transaction
from odoo.exceptions import AccessError, UserError

from odoo.addons.queue_job.exception import RetryableJobError

from ..services.availability import format_utc, is_free

# advisory lock namespace of bookings, one lock per user (the accounts' jobs use 0x0CC5)
BOOKING_LOCK_NAMESPACE = 0x0CC6
LOCK_WAIT_SECONDS = 15
NEXT_SLOTS = 5
NEXT_SLOTS_DAYS = 14
BOOKING_GROUP = "calendar_cloud_sync.group_booking_agent"


class CalendarSyncAvailability(models.AbstractModel):
    _inherit = "calendar.sync.availability"

    @api.model
    def book(
        self,
        user_id,
        start,
        end,
        name,
        partner_ids=(),
        online_meeting_provider="none",
        idempotency_key=None,
    ):
        """Book [start, end) for ``user_id`` -> {"status": "booked", "event_id", "join_url"}
        or {"status": "taken", "next_slots"}. Users book for themselves; booking for another
        user takes the "book for others" group (or Settings administration)."""
        self._check_internal_caller()
        if not isinstance(user_id, int) or isinstance(user_id, bool):
            raise UserError(_("user_id must be a number."))
        if user_id != self.env.uid and not (
            self.env.su or self.env.user.has_group(BOOKING_GROUP) or self.env.is_system()
        ):
            raise AccessError(_("You may only book in your own calendar."))
        [user] = self._asked_users([user_id])
        start, end = self._range(start, end)
        if not isinstance(name, str) or not name.strip():
            raise UserError(_("A booking needs a name."))
        partners = self._guests(partner_ids)
        meetings = dict(self.env["calendar.event"]._fields["online_meeting_provider"].selection)
        if online_meeting_provider not in meetings:
            raise UserError(_("Unknown online meeting provider: %s", online_meeting_provider))
        if idempotency_key is not None and (
            not isinstance(idempotency_key, str) or not 0 < len(idempotency_key) <= 200
        ):
            raise UserError(_("The idempotency key must be a text of 1 to 200 characters."))

        self._lock_user(user)
        with self.env.registry.cursor() as cr:
            # what other transactions committed, this one's snapshot may be older than the lock;
            # the registry is known: not looked up by name under the registries' global lock
            cr.transaction = Transaction(self.env.registry)
            fresh = self.env(cr=cr, su=True)
            if idempotency_key:
                done = fresh["calendar.event"].search(
                    [("cloud_booking_key", "=", idempotency_key), ("user_id", "=", user.id)],
                    limit=1,
                )
                if done:
                    return self._booked(self.env["calendar.event"].sudo().browse(done.id))
            working, busy, _sources = self.sudo()._busy_and_working(
                user, start, end, timedelta(0), None, fresh
            )
            if start < fields.Datetime.now() or not is_free(working, busy, start, end):
                return {"status": "taken", "next_slots": self._next_slots(user, start, end, fresh)}
            cr.rollback()
        event = (
            self.env["calendar.event"]
            .with_user(user)
            .create(
                {
                    "name": name.strip(),
                    "start": start,
                    "stop": end,
                    "user_id": user.id,
                    "partner_ids": [(6, 0, (user.partner_id | partners).ids)],
                    "online_meeting_provider": online_meeting_provider,
                    "cloud_booking_key": idempotency_key or False,
                }
            )
        )
        self._push_now(user)
        return self._booked(event.sudo())

    def _guests(self, partner_ids):
        if not isinstance(partner_ids, list | tuple) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in partner_ids
        ):
            raise UserError(_("partner_ids must be a list of numbers."))
        partners = self.env["res.partner"].browse(partner_ids)
        partners.check_access("read")
        if len(partners.sudo().exists()) != len(set(partner_ids)):
            raise UserError(_("Some guests do not exist."))
        return partners

    def _lock_user(self, user):
        """The user's booking lock for this transaction; waits for a booking in progress."""
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while True:
            self.env.cr.execute(
                "SELECT pg_try_advisory_xact_lock(%s, %s)", [BOOKING_LOCK_NAMESPACE, user.id]
            )
            if self.env.cr.fetchone()[0]:
                return
            if time.monotonic() > deadline:
                raise UserError(_("Another booking for this user is in progress: try again."))
            time.sleep(0.05)

    def _next_slots(self, user, start, end, fresh):
        horizon = max(start, fields.Datetime.now())
        slots, _sources = self.sudo()._slots(
            user,
            horizon,
            horizon + timedelta(days=NEXT_SLOTS_DAYS),
            end - start,
            timedelta(minutes=15),
            timedelta(0),
            fields.Datetime.now(),
            None,
            fresh,
        )
        return [{"start": format_utc(a), "end": format_utc(b)} for a, b in slots[:NEXT_SLOTS]]

    def _push_now(self, user):
        """Send the new event to the user's calendar now; when an account is busy (a job
        holds it) or the provider fails for a while, the push job already queued sends it."""
        accounts = self.env["calendar.sync.account"].sudo().search([("user_id", "=", user.id)])
        for account in accounts._syncing("push"):
            try:
                with self.env.cr.savepoint():
                    account._job_push()
            except RetryableJobError:
                continue

    @api.model
    def _booked(self, event):
        return {
            "status": "booked",
            "event_id": event.id,
            "join_url": event.google_meet_url
            or event.teams_join_url
            or event.videocall_location
            or None,
        }
