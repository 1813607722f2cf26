import dataclasses
import hashlib
import logging
from contextlib import contextmanager

from odoo import fields, models

from ..services.exceptions import AuthRevoked, TransientError
from ..services.neutral import from_snapshot, sync_hash, to_snapshot
from .calendar_event_neutral import MEETING_OF_PROVIDER

# what a private event is called on a calendar that shows it as busy only (Preferences)
BUSY_TITLE = "Busy"

_logger = logging.getLogger(__name__)

BINDING_STATES = [
    ("synced", "Synced"),
    ("pending", "Pending"),
    ("conflict", "Conflict"),
    ("error", "Error"),
]


class CalendarSyncBinding(models.Model):
    """One Odoo event on one provider account: the external ids and the last synced state."""

    _name = "calendar.sync.binding"
    _description = "Calendar Cloud Sync Binding"
    _order = "id desc"
    _rec_name = "external_id"

    account_id = fields.Many2one(
        "calendar.sync.account", required=True, ondelete="cascade", index=True
    )
    user_id = fields.Many2one(related="account_id.user_id", store=True)
    # No event any more means "delete remotely, then drop the binding".
    event_id = fields.Many2one("calendar.event", ondelete="set null", index=True)
    provider = fields.Selection(related="account_id.provider", store=True)
    external_id = fields.Char("External ID", index=True)
    ical_uid = fields.Char("iCalUID", index=True)
    etag = fields.Char()
    change_key = fields.Char()
    recurring_external_id = fields.Char("Series External ID", index=True)
    original_start = fields.Datetime(help="Original start of a moved or cancelled occurrence.")
    last_snapshot = fields.Json(help="Synced fields as of the last successful sync.")
    # a series' occurrences as the provider named them: {digest of the occurrence id: its
    # original start}, so an occurrence reported deleted by its id alone is recognised
    occurrence_keys = fields.Json(copy=False)
    last_hash = fields.Char()
    state = fields.Selection(BINDING_STATES, default="pending", required=True, index=True)
    pending_operation = fields.Selection(
        [("create", "Create"), ("update", "Update"), ("delete", "Delete"), ("none", "None")],
        default="none",
    )
    last_synced_at = fields.Datetime()
    last_error = fields.Text()
    is_organizer_copy = fields.Boolean(default=True)
    # a change the user made (not a connection, resync, take-over or repair): the guests
    # hear of it once, from Odoo or from the provider
    notify_guests = fields.Boolean()
    # a meeting already planned when the user connected Outlook, copied without its guests
    # so that Outlook mails nobody; the user's next change sends it with them
    guests_withheld = fields.Boolean()
    adoption_state = fields.Selection(
        [("to_match", "Adopted, not compared yet"), ("matched", "Adopted")],
        copy=False,
        index=True,
        help="Taken over from Odoo's own sync: compared with the provider's copy when it is "
        "first seen, instead of being created again.",
    )

    _sql_constraints = [
        (
            "account_external_uniq",
            "unique(account_id, external_id)",
            "An external event is bound once per account.",
        ),
        (
            "account_event_uniq",
            "unique(account_id, event_id)",
            "An event is bound once per account.",
        ),
    ]

    def write(self, vals):
        # a binding leaving the conflict state closes its open conflict
        leaving = self.browse()
        if vals.get("state", "conflict") != "conflict":
            leaving = self.filtered(lambda binding: binding.state == "conflict")
        result = super().write(vals)
        leaving._close_conflicts()
        return result

    def unlink(self):
        self._close_conflicts()
        return super().unlink()

    def _close_conflicts(self):
        if self:
            self.env["calendar.sync.conflict"].sudo().search(
                [("binding_id", "in", self.ids), ("state", "=", "open")]
            )._supersede()

    def _adoption_matched(self, remote):
        """The provider's copy of an adopted link is seen: from now on a plain binding."""
        values = {"adoption_state": "matched"}
        if remote.external_id != self.external_id:
            values["external_id"] = remote.external_id  # an Outlook id matched by iCalUID
        if not self.last_snapshot and remote.event is not None:
            # the native sync had an Odoo change to send: the provider's copy is what it synced
            values.update(
                last_snapshot=to_snapshot(remote.event), last_hash=sync_hash(remote.event)
            )
        self.write(values)

    # -- what pull and push share: a binding's versions and its outcome ------------------
    # -- helpers --------------------------------------------------------------------------
    def _base(self):
        return self._carried(from_snapshot(self.last_snapshot)) if self.last_snapshot else None

    def _carried(self, event):
        """``event`` as this account's provider can hold it: another provider's online
        meeting (Teams on Google, Meet on Outlook) is not there, so it is no difference."""
        kind = MEETING_OF_PROVIDER[self.account_id.provider]
        if event is None or event.online_meeting_provider in ("none", kind):
            return event
        return dataclasses.replace(event, online_meeting_provider="none", online_meeting_url="")

    def _client_token(self):
        """A deterministic id for creates: a retried create reuses it, so it cannot duplicate.
        Hex is valid as a Google event id (base32hex) and as a Graph transactionId."""
        db_uuid = self.env["ir.config_parameter"].sudo().get_param("database.uuid")
        return hashlib.sha256(f"{db_uuid}:{self.id}".encode()).hexdigest()[:40]

    def _provider_mails(self, kind):
        """Whether the provider mails the guests about this push (Google's sendUpdates; Graph
        always does). Only a user's own change is mailed, once: by Google when the company
        says so, else by Odoo, except a cancellation ("delete", or "cancel": a series whose
        only change is cancelled occurrences), which Odoo has no mail for."""
        if not self.notify_guests or self.account_id.provider != "google":
            return False
        if kind in ("delete", "cancel"):
            return True
        return self.account_id.company_id.ccs_google_invitations == "google"

    def _local(self):
        """Odoo's version as the organizer's account should send it: other attendees'
        responses are theirs to give, so they stay as last synced."""
        event = self._carried(self.event_id._ccs_to_neutral())
        if self._busy_only():
            # the organizer shares the time only: the same block, with nothing that says what
            return dataclasses.replace(
                event,
                title=BUSY_TITLE,
                description="",
                location="",
                attendees=(),
                show_as="busy",
                privacy="private",
                online_meeting_provider="none",
                online_meeting_url="",
            )
        if self.guests_withheld and not self.notify_guests:
            # Outlook would mail the guests: the same time, without them, until a change
            event = dataclasses.replace(
                event,
                attendees=(),
                show_as="busy",
                online_meeting_provider="none",
                online_meeting_url="",
            )
        base = self._base()
        if base is None:
            return event
        known = {a.email: a.response for a in base.attendees}
        organizer = self.account_id.remote_email.lower()
        attendees = tuple(
            a
            if a.email == organizer or a.email not in known
            else dataclasses.replace(a, response=known[a.email])
            for a in event.attendees
        )
        return dataclasses.replace(event, attendees=attendees)

    def _busy_only(self):
        event = self.event_id
        return (
            self.is_organizer_copy
            and event._ccs_is_private()
            and event.user_id.cloud_sync_private_events == "busy"
        )

    def _own_response(self):
        partner = self.account_id.user_id.partner_id
        attendee = self.event_id.attendee_ids.filtered(lambda a: a.partner_id == partner)[:1]
        state = attendee.state or "needsAction"
        return "needs_action" if state == "needsAction" else state

    def _mark_synced(self, remote, event):
        """Remember ``event`` as what both sides hold, with the provider's etag."""
        event = self._carried(event)
        values = {
            "state": "synced",
            "last_error": False,
            "last_synced_at": fields.Datetime.now(),
            "last_snapshot": to_snapshot(event),
            "last_hash": sync_hash(event),
            "notify_guests": False,
            "guests_withheld": self.guests_withheld and not self.notify_guests,
        }
        if remote is not None:
            values.update(
                external_id=remote.external_id or self.external_id,
                etag=remote.etag,
                change_key=remote.change_key,
                ical_uid=remote.ical_uid or self.ical_uid,
            )
        self.write(values)

    @contextmanager
    def _settling(self, direction="push", account=None):
        """Run the block in a savepoint: an answer the engine did not foresee sets this event
        aside in the error state, with the reason, and every other event goes on (the next
        sync tries it again); the block's remaining statements are skipped. ``self`` may be
        empty (an occurrence not bound yet)."""
        try:
            with self.env.cr.savepoint():
                yield
        except (AuthRevoked, TransientError):
            raise
        except Exception as exc:  # one event's surprise must not stop the account
            _logger.warning(
                "calendar sync: an event was set aside: %s", type(exc).__name__, exc_info=True
            )
            self.env.invalidate_all()
            binding = self.exists()
            if binding:
                binding._set_aside(direction, exc)
            elif account is not None:
                self.env["calendar.sync.log"]._log(
                    account,
                    direction,
                    "reconcile",
                    "failure",
                    error_type=type(exc).__name__,
                    message=str(exc),
                )

    def _set_aside(self, direction, error, step="reconcile"):
        """Visible error state with the reason (the event's sync state, Sync Health); the next
        sync tries this event again."""
        self.write({"state": "error", "last_error": f"{type(error).__name__}: {error}"})
        self.env["calendar.sync.log"]._log(
            self.account_id,
            direction,
            step,
            "failure",
            error_type=type(error).__name__,
            message=str(error),
        )
