"""The reconciliation report: Odoo's bound events and the provider's listing of one account
over a date range, side by side, with a repair per line that goes through the engine.

The listing runs in the request (read only, one account, a range capped at MAX_RANGE_DAYS):
the admin asked for this report and waits for it. Repairs only edit bindings and enqueue jobs.
"""

from datetime import timedelta

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..models.calendar_sync_conflict import render_unit, unit_labels
from ..services.exceptions import SyncError
from ..services.merge import WHEN
from ..services.neutral import changed_fields, from_snapshot, sync_hash, to_snapshot
from ..services.resync_plan import range_window

MAX_RANGE_DAYS = 366
# the fields the report compares; wording (names, optional guests) is not a difference
COMPARED_FIELDS = ("start", "end", "all_day", "title", "location", "attendees")
# how a line shows a compared field: the conflict view's readable units
SHOWN_UNITS = (WHEN, "title", "location", "attendees")
UNIT_OF_FIELD = {"start": WHEN, "end": WHEN, "all_day": WHEN}
KINDS = [
    ("missing_remote", "Missing at the provider"),
    ("missing_odoo", "Missing in Odoo"),
    ("different", "Different"),
    ("orphan", "Orphan binding"),
]
REPAIRS = [
    ("push", "Send Odoo's version"),
    ("import", "Import the provider's version"),
    ("drop", "Drop the binding"),
    ("delete_remote", "Delete at the provider"),
]


class CalendarSyncReconcile(models.TransientModel):
    _name = "calendar.sync.reconcile.wizard"
    _description = "Calendar sync reconciliation report"

    account_id = fields.Many2one(
        "calendar.sync.account",
        required=True,
        domain=[("state", "=", "connected")],
        default=lambda self: self._default_account(),
    )
    date_from = fields.Date(required=True, default=lambda self: fields.Date.today() - timedelta(30))
    date_to = fields.Date(required=True, default=lambda self: fields.Date.today() + timedelta(90))
    state = fields.Selection([("draft", "Draft"), ("done", "Compared")], default="draft")
    line_ids = fields.One2many("calendar.sync.reconcile.line", "wizard_id", string="Differences")
    line_count = fields.Integer(compute="_compute_line_count")
    summary = fields.Char(readonly=True)

    @api.model
    def _default_account(self):
        context = self.env.context
        if context.get("active_model") == "calendar.sync.account" and context.get("active_id"):
            return context["active_id"]
        return self.env["calendar.sync.account"].search(
            [("user_id", "=", self.env.uid), ("state", "=", "connected")], limit=1
        )

    @api.depends("line_ids")
    def _compute_line_count(self):
        for wizard in self:
            wizard.line_count = len(wizard.line_ids)

    @api.constrains("date_from", "date_to")
    def _check_range(self):
        for wizard in self:
            if wizard.date_to < wizard.date_from:
                raise UserError(_("The range ends before it starts."))
            if (wizard.date_to - wizard.date_from).days > MAX_RANGE_DAYS:
                raise UserError(_("Compare at most %(days)s days at a time.", days=MAX_RANGE_DAYS))

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": _("Reconciliation"),
            "context": {"dialog_size": "extra-large"},
        }

    def action_compare(self):
        self.check_access("write")
        self.ensure_one()
        account = self.account_id.sudo()
        window = range_window(self.date_from, self.date_to)
        if not account._try_lock():
            # a sync job of this account is calling the provider: one caller at a time
            raise UserError(_("This calendar is syncing right now: compare again in a moment."))
        try:
            changes = account._list_range(window)
        except SyncError as exc:
            raise UserError(
                _("The provider could not list the calendar: %(error)s", error=exc)
            ) from exc
        self.line_ids.unlink()
        values = self._compare(account, window, changes.events)
        self.env["calendar.sync.reconcile.line"].create(values)
        self.write(
            {
                "state": "done",
                "summary": _(
                    "Events at the provider: %(remote)s. Differences: %(lines)s.",
                    remote=len(changes.events),
                    lines=len(values),
                ),
            }
        )
        return self._reopen()

    def _compare(self, account, window, remote_events):
        """Line values: what one side has and the other not, or has otherwise."""
        # occurrences of a series are compared through their series
        remotes = {
            r.external_id: r
            for r in remote_events
            if not r.recurring_external_id and not r.deleted and r.event is not None
        }
        bindings = (
            self.env["calendar.sync.binding"]
            .sudo()
            .search([("account_id", "=", account.id), ("original_start", "=", False)])
        )
        events = account._range_events(window)
        in_range = bindings.filtered(lambda b: b.event_id in events or b.external_id in remotes)
        lines = []
        for binding in bindings.filtered(lambda b: not b.event_id and b.state != "pending"):
            listed = binding.external_id in remotes
            lines.append(
                self._line(
                    "orphan",
                    "delete_remote" if listed else "drop",
                    binding=binding,
                    detail=_("The event was deleted in Odoo."),
                )
            )
        for binding in in_range.filtered("event_id"):
            remote = remotes.get(binding.external_id)
            if not binding.external_id:
                if binding.state != "pending":
                    lines.append(
                        self._line(
                            "missing_remote",
                            "push",
                            binding=binding,
                            detail=_("Never sent (%(state)s).", state=binding.state),
                        )
                    )
                continue
            if remote is None:
                if binding.state != "pending":
                    lines.append(
                        self._line(
                            "orphan",
                            "drop",
                            binding=binding,
                            detail=_("The provider does not list this event any more."),
                        )
                    )
                continue
            if binding.state in ("pending", "conflict") or not binding.is_organizer_copy:
                continue  # on its way, or the user decides (conflict), or not ours to send
            local = binding._local()
            diff = _differences(local, remote.event)
            if not diff:
                continue
            odoo_changed = sync_hash(local) != binding.last_hash
            lines.append(
                self._line(
                    "different",
                    "push" if odoo_changed else "import",
                    binding=binding,
                    detail=", ".join(sorted(diff)),
                    remote=remote,
                    values=self._shown(diff, local, remote.event),
                )
            )
        bound_ids = set(bindings.mapped("external_id"))
        for remote in remotes.values():
            if remote.external_id not in bound_ids:
                shown = (False, self._render([WHEN], remote.event))
                lines.append(self._line("missing_odoo", "import", remote=remote, values=shown))
        unbound = events - bindings.event_id
        for event in unbound:
            shown = (self._render([WHEN], event._ccs_to_neutral()), False)
            lines.append(self._line("missing_remote", "push", event=event, values=shown))
        return lines

    def _shown(self, diff, local, remote):
        """(Odoo's, the provider's) values of the fields that differ, readable."""
        units = [u for u in SHOWN_UNITS if u in {UNIT_OF_FIELD.get(f, f) for f in diff}]
        emails = None
        if "attendees" in diff:
            emails = sorted(_guests(local, remote) ^ _guests(remote, local))
        return self._render(units, local, emails), self._render(units, remote, emails)

    def _render(self, units, event, emails=None):
        labels = unit_labels(self.env)
        return Markup("<br>").join(
            Markup("<b>%s</b>: %s") % (labels[unit], render_unit(self.env, unit, event, emails))
            for unit in units
        )

    def _line(
        self, kind, repair, binding=None, event=None, remote=None, detail="", values=(False, False)
    ):
        event = event or (binding.event_id if binding else None)
        title = event.name if event else (remote.event.title if remote else "")
        return {
            "wizard_id": self.id,
            "kind": kind,
            "repair": repair,
            "binding_id": binding.id if binding else False,
            "event_id": event.id if event else False,
            "external_id": (remote or binding).external_id if (remote or binding) else False,
            "remote_etag": remote.etag if remote else False,
            "remote_snapshot": to_snapshot(remote.event) if remote else False,
            "name": title or (binding.external_id if binding else ""),
            "detail": detail,
            "odoo_value": values[0],
            "remote_value": values[1],
        }

    def action_repair_all(self):
        self.check_access("write")
        self.ensure_one()
        self.line_ids._repair()
        return self._reopen()

    def _repaired(self, count):
        self.summary = _(
            "Repairs queued: %(count)s. Compare again once the sync jobs have run.", count=count
        )


class CalendarSyncReconcileLine(models.TransientModel):
    _name = "calendar.sync.reconcile.line"
    _description = "Calendar sync reconciliation line"
    _order = "kind, id"

    wizard_id = fields.Many2one("calendar.sync.reconcile.wizard", required=True, ondelete="cascade")
    account_id = fields.Many2one(related="wizard_id.account_id")
    kind = fields.Selection(KINDS, required=True, readonly=True)
    repair = fields.Selection(REPAIRS, required=True)
    name = fields.Char("Title", readonly=True)
    detail = fields.Char(readonly=True)
    odoo_value = fields.Html("In Odoo", readonly=True)
    remote_value = fields.Html("At the Provider", readonly=True)
    binding_id = fields.Many2one("calendar.sync.binding", readonly=True)
    event_id = fields.Many2one("calendar.event", "Odoo Event", readonly=True)
    external_id = fields.Char("External ID", readonly=True)
    remote_etag = fields.Char(readonly=True)
    remote_snapshot = fields.Json(readonly=True)

    def action_repair(self):
        self.check_access("write")
        wizard = self.wizard_id
        self._repair()
        return wizard._reopen()

    def _repair(self):
        """Edit bindings and enqueue the jobs that make both sides agree; no API call here.
        Repaired lines leave the report."""
        for wizard, lines in self.grouped("wizard_id").items():
            wizard._repaired(len(lines))
        for account, lines in self.grouped("account_id").items():
            account = account.sudo()
            imports = []
            push = False
            for line in lines:
                binding = line.binding_id.exists().sudo()
                if line.repair == "import":
                    if binding and line.event_id:
                        # the base is Odoo's version: the provider's fields apply as its change
                        local = binding._local()
                        binding.write(
                            {
                                "last_snapshot": to_snapshot(local),
                                "last_hash": sync_hash(local),
                                "etag": False,
                                "state": "synced",
                            }
                        )
                    imports.append(line.external_id)
                elif line.repair == "push":
                    push = True
                    if binding and line.remote_snapshot:
                        # the base is the provider's version seen in the report: Odoo's
                        # differences go out against its etag (a later change there is merged)
                        remote = from_snapshot(line.remote_snapshot)
                        binding.write(
                            {
                                "last_snapshot": line.remote_snapshot,
                                "last_hash": sync_hash(remote),
                                "etag": line.remote_etag,
                                "state": "pending",
                            }
                        )
                    elif binding:
                        binding.state = "pending"
                    elif line.event_id:
                        account._bind_quietly(line.event_id)
                elif line.repair == "delete_remote" and binding:
                    binding.state = "pending"
                    push = True
                elif line.repair == "drop" and binding:
                    event = binding.event_id
                    binding.unlink()
                    if event:
                        # the provider lost it: Odoo's event is sent again as a new one
                        account._bind_quietly(event)
                        push = True
            if imports:
                account._enqueue_repair_import(imports)
            if push:
                account._enqueue_push()
        self.unlink()


def _differences(local, remote):
    """Compared fields that differ; attendees by address only (names are wording)."""
    diff = changed_fields(local, remote) & set(COMPARED_FIELDS)
    if "attendees" in diff and _guests(local, remote) == _guests(remote, local):
        diff.discard("attendees")
    return diff


def _guests(event, other):
    """Attendee addresses but the organizer's: a provider lists the organizer among the
    attendees as soon as there are guests, Odoo's personal event has none."""
    organizers = {event.organizer_email, other.organizer_email}
    return {a.email for a in event.attendees} - organizers
