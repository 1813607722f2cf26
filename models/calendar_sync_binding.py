from odoo import fields, models

from ..services.neutral import sync_hash, to_snapshot

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
        leaving._ccs_close_conflicts()
        return result

    def unlink(self):
        self._ccs_close_conflicts()
        return super().unlink()

    def _ccs_close_conflicts(self):
        if self:
            self.env["calendar.sync.conflict"].sudo().search(
                [("binding_id", "in", self.ids), ("state", "=", "open")]
            )._ccs_supersede()

    def _ccs_adoption_matched(self, remote):
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
