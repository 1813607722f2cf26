"""Conflicts: an event changed on both sides since the last sync, on the same fields.

The conflict keeps what resolving needs (the provider's version, its etag and the base) and
shows each conflicting field side by side: the last synced value, Odoo's and the provider's.
"""

import zoneinfo
from datetime import date

from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.tools.misc import format_date, format_time

from ..services.merge import MERGE_UNITS, WHEN
from ..services.neutral import from_snapshot


class CalendarSyncConflict(models.Model):
    """An event changed on both sides since the last sync, on fields the merge cannot decide."""

    _name = "calendar.sync.conflict"
    _description = "Calendar Cloud Sync Conflict"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "detected_at desc, id desc"
    _rec_name = "event_id"

    event_id = fields.Many2one("calendar.event", ondelete="cascade", index=True)
    account_id = fields.Many2one(
        "calendar.sync.account", required=True, ondelete="cascade", index=True
    )
    user_id = fields.Many2one(related="account_id.user_id", store=True)
    provider = fields.Selection(related="account_id.provider", store=True)
    provider_label = fields.Char(compute="_compute_provider_label")
    binding_id = fields.Many2one("calendar.sync.binding", ondelete="set null")
    state = fields.Selection(
        [("open", "Open"), ("resolved", "Resolved")], default="open", required=True, index=True
    )
    line_ids = fields.One2many("calendar.sync.conflict.line", "conflict_id", string="Fields")
    field_summary = fields.Char("Conflicting Fields", compute="_compute_field_summary")
    detected_at = fields.Datetime(default=fields.Datetime.now, required=True)
    resolved_by = fields.Many2one("res.users", readonly=True)
    resolved_at = fields.Datetime(readonly=True)
    # what resolving needs, recorded with the conflict (DESIGN.md rule 4)
    remote_snapshot = fields.Json(help="The provider's version when the conflict was recorded.")
    remote_etag = fields.Char(help="The provider's etag of that version (sent as If-Match).")
    base_snapshot = fields.Json(help="The version both sides had at the last sync.")
    merged_snapshot = fields.Json(
        help="Odoo's version when the conflict was recorded, the clean merge applied."
    )
    odoo_snapshot = fields.Json(help="Odoo's version just before the conflict was resolved.")
    merged_units = fields.Json(
        help="Fields changed on one side only, merged without asking: "
        '[{"unit": ..., "side": "odoo" | "remote", "emails": [...]}]'
    )
    merged_html = fields.Html("Merged Automatically", compute="_compute_merged_html")

    @api.depends("provider")
    def _compute_provider_label(self):
        for conflict in self:
            conflict.provider_label = provider_label(self.env, conflict.provider)

    @api.depends("line_ids.field_label")
    def _compute_field_summary(self):
        for conflict in self:
            conflict.field_summary = ", ".join(conflict.line_ids.mapped("field_label"))

    def _ccs_versions(self):
        """(base, Odoo, provider) NeutralEvents to show: Odoo's is the event as it is now,
        until a resolution keeps the version it replaced."""
        self.ensure_one()
        base = self.base_snapshot and from_snapshot(self.base_snapshot)
        remote = self.remote_snapshot and from_snapshot(self.remote_snapshot)
        binding = self.sudo().binding_id
        if self.odoo_snapshot:
            odoo = from_snapshot(self.odoo_snapshot)
        else:
            odoo = binding.event_id and binding._ccs_local()
        return base or None, odoo or None, remote or None

    @api.depends("merged_units", "state", "remote_snapshot", "odoo_snapshot", "merged_snapshot")
    def _compute_merged_html(self):
        for conflict in self:
            if not conflict.merged_units:
                conflict.merged_html = False
                continue
            _base, odoo, remote = conflict._ccs_versions()
            label = conflict.provider_label
            if conflict.state == "open":
                notes = {
                    "odoo": self.env._("changed in Odoo only: sent to %s when you apply", label),
                    "remote": self.env._("changed in %s: already applied in Odoo", label),
                }
            else:
                notes = {
                    "odoo": self.env._("changed in Odoo only: sent to %s", label),
                    "remote": self.env._("changed in %s: applied in Odoo", label),
                }
            # the values Odoo held once merged: what really changed, in Odoo's words
            merged = conflict.merged_snapshot and from_snapshot(conflict.merged_snapshot)
            items = []
            for item in conflict.merged_units:
                event = merged or (odoo if item["side"] == "odoo" else remote)
                value = render_unit(self.env, item["unit"], event, item.get("emails"))
                items.append(
                    Markup("<li><strong>%s</strong> (%s): %s</li>")
                    % (
                        unit_labels(self.env).get(item["unit"], item["unit"]),
                        notes[item["side"]],
                        value,
                    )
                )
            conflict.merged_html = Markup("<ul class='mb-0'>%s</ul>") % Markup("").join(items)


class CalendarSyncConflictLine(models.Model):
    """One field changed on both sides: the user picks which value wins."""

    _name = "calendar.sync.conflict.line"
    _description = "Calendar Cloud Sync Conflict Field"
    _order = "conflict_id, id"

    conflict_id = fields.Many2one(
        "calendar.sync.conflict", required=True, ondelete="cascade", index=True
    )
    conflict_state = fields.Selection(related="conflict_id.state")
    provider = fields.Selection(related="conflict_id.provider")
    field_name = fields.Char(required=True)
    field_label = fields.Char("Field", compute="_compute_field_label")
    odoo_value = fields.Json()
    remote_value = fields.Json()
    base_value = fields.Json(help="The value both sides had at the last sync.")
    choice = fields.Selection([("odoo", "Keep Odoo's value"), ("remote", "Take the provider's")])
    base_display = fields.Html("Last Synced", compute="_compute_displays")
    odoo_display = fields.Html("In Odoo", compute="_compute_displays")
    remote_display = fields.Html("At the Provider", compute="_compute_displays")

    @api.depends("field_name")
    def _compute_field_label(self):
        labels = unit_labels(self.env)
        for line in self:
            line.field_label = labels.get(line.field_name, line.field_name)

    @api.depends(
        "field_name",
        "conflict_id.state",
        "conflict_id.remote_snapshot",
        "conflict_id.odoo_snapshot",
    )
    def _compute_displays(self):
        self.base_display = self.odoo_display = self.remote_display = False
        for conflict in self.conflict_id:
            lines = self.filtered(lambda line, c=conflict: line.conflict_id == c)
            if not conflict.remote_snapshot:
                # recorded before snapshots were kept: the stored values as they are
                for line in lines:
                    line.base_display = _json_text(line.base_value)
                    line.odoo_display = _json_text(line.odoo_value)
                    line.remote_display = _json_text(line.remote_value)
                continue
            base, odoo, remote = conflict._ccs_versions()
            for line in lines:
                unit, emails = line.field_name, line._ccs_emails()
                never = Markup('<span class="text-muted">%s</span>') % self.env._("never synced")
                line.base_display = render_unit(self.env, unit, base, emails) if base else never
                line.odoo_display = render_unit(self.env, unit, odoo, emails)
                line.remote_display = render_unit(self.env, unit, remote, emails)

    def _ccs_emails(self):
        """The attendees in conflict (an attendees line holds only those)."""
        if self.field_name != "attendees":
            return None
        values = (self.base_value or [], self.odoo_value or [], self.remote_value or [])
        return sorted({a["email"] for value in values for a in value if a.get("email")})


def provider_label(env, provider):
    """The provider's name as users know its calendar."""
    return {"google": env._("Google"), "microsoft": env._("Outlook")}.get(provider, "")


def unit_labels(env):
    labels = {
        WHEN: env._("Date and time"),
        "title": env._("Title"),
        "description": env._("Description"),
        "location": env._("Location"),
        "attendees": env._("Attendees"),
        "organizer_email": env._("Organizer"),
        "recurrence": env._("Recurrence"),
        "status": env._("Status"),
        "show_as": env._("Show as"),
        "privacy": env._("Privacy"),
        "online_meeting_provider": env._("Online meeting"),
    }
    return {unit: labels.get(unit, unit) for unit in MERGE_UNITS}


def _choice_labels(env):
    return {
        "needs_action": env._("no answer yet"),
        "accepted": env._("accepted"),
        "declined": env._("declined"),
        "tentative": env._("maybe"),
        "confirmed": env._("Confirmed"),
        "cancelled": env._("Cancelled"),
        "busy": env._("Busy"),
        "free": env._("Free"),
        "default": env._("Default"),
        "public": env._("Public"),
        "private": env._("Private"),
        "none": env._("None"),
        "google_meet": env._("Google Meet"),
        "teams": env._("Microsoft Teams"),
    }


def _empty(env):
    return Markup('<span class="text-muted">%s</span>') % env._("(empty)")


def _text(env, value):
    """Plain text, line breaks kept."""
    if not value:
        return _empty(env)
    return Markup("<br>").join(escape(line) for line in value.strip().split("\n"))


def render_unit(env, unit, event, emails=None):
    """One merge unit of ``event`` as readable Html: dates in the user's zone, attendees as
    'name <email> (answer)'."""
    if event is None:
        return _empty(env)
    if unit == WHEN:
        return _render_when(env, event)
    if unit == "attendees":
        return _render_attendees(env, event, emails)
    if unit == "recurrence":
        if not event.recurrence:
            return Markup('<span class="text-muted">%s</span>') % env._("does not repeat")
        return Markup("<br>").join(Markup("<code>%s</code>") % line for line in event.recurrence)
    value = getattr(event, unit)
    if unit in ("status", "show_as", "privacy", "online_meeting_provider"):
        return escape(_choice_labels(env).get(value, value))
    return _text(env, value)


def _render_when(env, event):
    user_tz = env.context.get("tz") or env.user.tz or "UTC"
    try:
        zone = zoneinfo.ZoneInfo(user_tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    if event.all_day:
        last = event.end.toordinal() - 1
        first_text = format_date(env, event.start, date_format="full")
        if last == event.start.toordinal():
            text = env._("%s (all day)", first_text)
        else:
            last_text = format_date(env, date.fromordinal(last), date_format="full")
            text = env._("%(first)s to %(last)s (all day)", first=first_text, last=last_text)
    else:
        start, end = event.start.astimezone(zone), event.end.astimezone(zone)
        text = "{}, {} \N{EN DASH} ".format(
            format_date(env, start.date(), date_format="full"),
            format_time(env, start.time(), time_format="short"),
        )
        if end.date() != start.date():
            text += format_date(env, end.date(), date_format="full") + ", "
        text += format_time(env, end.time(), time_format="short")
    zone_note = env._("time zone: %s", event.timezone)
    return Markup('%s<br><small class="text-muted">%s</small>') % (text, zone_note)


def _render_attendees(env, event, emails):
    labels = _choice_labels(env)
    emails = emails if emails is not None else [a.email for a in event.attendees]
    if not emails:
        return _empty(env)
    rows = []
    for email in emails:
        attendee = event.attendee(email)
        if attendee is None:
            rows.append(env._("%s: not invited", email))
            continue
        notes = [labels.get(attendee.response, attendee.response)]
        if attendee.optional:
            notes.append(env._("optional"))
        if attendee.organizer:
            notes.append(env._("organizer"))
        who = f"{attendee.name} <{email}>" if attendee.name else f"<{email}>"
        rows.append(f"{who} ({', '.join(notes)})")
    return Markup("<br>").join(escape(row) for row in rows)


def _json_text(value):
    if value in (None, False, ""):
        return Markup('<span class="text-muted">\N{EM DASH}</span>')
    return escape(str(value))
