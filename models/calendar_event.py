from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import SQL

from .calendar_event_mirror import MIRRORED_FIELDS
from .calendar_event_neutral import MEETING_URL_FIELDS
from .calendar_sync_binding import BINDING_STATES

# The worst binding state wins: one failing calendar is what the user must see.
STATE_PRIORITY = ["error", "conflict", "pending", "synced"]


class CalendarEvent(models.Model):
    _inherit = "calendar.event"
    _sql_constraints = [
        (
            "cloud_booking_key_unique",
            "UNIQUE(cloud_booking_key, user_id)",
            "This booking key was already used for this user.",
        )
    ]

    sync_origin = fields.Selection(
        [("odoo", "Odoo"), ("google", "Google"), ("microsoft", "Microsoft")],
        default="odoo",
        copy=False,
        help="Where the last change came from; a change from a provider is not pushed back.",
    )
    online_meeting_provider = fields.Selection(
        [
            ("none", "None"),
            ("odoo", "Odoo"),
            ("google_meet", "Google Meet"),
            ("teams", "Microsoft Teams"),
        ],
        string="Online Meeting",
        default="none",
    )
    google_meet_url = fields.Char("Google Meet URL", copy=False)
    teams_join_url = fields.Char("Teams Meeting URL", copy=False)
    # the event's own link, or its series' (Odoo copies no link to the occurrences it makes)
    google_meet_join_url = fields.Char("Google Meet", compute="_compute_meeting_join_urls")
    teams_meeting_join_url = fields.Char("Teams meeting", compute="_compute_meeting_join_urls")
    ccs_meeting_kept = fields.Boolean(
        "Kept by Outlook",
        compute="_compute_ccs_meeting_kept",
        compute_sudo=True,
        help="Outlook keeps a Teams meeting once it exists: Microsoft's API cannot remove it.",
    )
    # the idempotency key an external system booked the event with (calendar.sync.availability)
    cloud_booking_key = fields.Char(
        "Booking Key", copy=False, readonly=True, index="btree_not_null"
    )
    cloud_sync_binding_ids = fields.One2many(
        "calendar.sync.binding", "event_id", string="Cloud Sync Bindings"
    )
    # Not stored: push jobs of one event's accounts commit side by side, and a stored copy
    # recomputed in each of them kept a state read before the other job committed.
    cloud_sync_state = fields.Selection(
        BINDING_STATES,
        string="Cloud Sync",
        compute="_compute_cloud_sync_state",
        search="_search_cloud_sync_state",
        compute_sudo=True,
    )

    @api.depends("cloud_sync_binding_ids.state")
    def _compute_cloud_sync_state(self):
        for event in self:
            states = set(event.cloud_sync_binding_ids.mapped("state"))
            event.cloud_sync_state = next((s for s in STATE_PRIORITY if s in states), False)

    @api.depends(
        "online_meeting_provider",
        "google_meet_url",
        "teams_join_url",
        "recurrence_id.base_event_id.google_meet_url",
        "recurrence_id.base_event_id.teams_join_url",
    )
    def _compute_meeting_join_urls(self):
        for event in self:
            series = event.recurrence_id.base_event_id
            urls = {}
            for provider, field in MEETING_URL_FIELDS.items():
                if event.online_meeting_provider == provider:
                    urls[provider] = event[field] or (
                        series.online_meeting_provider == provider and series[field]
                    )
            event.google_meet_join_url = urls.get("google_meet") or False
            event.teams_meeting_join_url = urls.get("teams") or False

    @api.depends(
        "online_meeting_provider",
        "teams_meeting_join_url",
        "cloud_sync_binding_ids.external_id",
        "recurrence_id.base_event_id.cloud_sync_binding_ids.external_id",
    )
    def _compute_ccs_meeting_kept(self):
        for event in self:
            bindings = (event | event.recurrence_id.base_event_id).cloud_sync_binding_ids
            event.ccs_meeting_kept = (
                event.online_meeting_provider == "teams"
                and bool(event.teams_meeting_join_url)
                and any(
                    b.account_id.provider == "microsoft" and b.external_id and b.is_organizer_copy
                    for b in bindings
                )
            )

    @api.onchange("online_meeting_provider")
    def _onchange_online_meeting_provider(self):
        for provider, field in MEETING_URL_FIELDS.items():
            if provider != self.online_meeting_provider and self[field]:
                if self.videocall_location == self[field]:
                    self.videocall_location = False
                self[field] = False
        if self.online_meeting_provider == "odoo":
            if self.videocall_source != "discuss":
                self._set_discuss_videocall_location()
        elif self.videocall_source == "discuss":
            self.videocall_location = False

    # -- ORM overrides: each once, for every concern of the addon --------------------------
    @api.model
    def default_get(self, fields_list):
        """A new event offers its organizer's default online meeting (the form shows it)."""
        values = super().default_get(fields_list)
        if "online_meeting_provider" in fields_list and not self.env.context.get(
            "default_online_meeting_provider"
        ):
            user = self.env["res.users"].browse(values.get("user_id")) or self.env.user
            values["online_meeting_provider"] = user.cloud_sync_default_meeting or "none"
        return values

    @api.model_create_multi
    def create(self, vals_list):
        # default_get saw the current user; an event organized by someone else gets theirs
        for vals in vals_list:
            user_id = vals.get("user_id")
            if user_id and user_id != self.env.uid and "online_meeting_provider" not in vals:
                user = self.env["res.users"].sudo().browse(user_id)
                vals["online_meeting_provider"] = user.cloud_sync_default_meeting or "none"
            # Odoo's own "Odoo meeting" link is the Odoo choice
            if self.DISCUSS_ROUTE in (vals.get("videocall_location") or ""):
                vals.setdefault("online_meeting_provider", "odoo")
        events = super().create(vals_list)
        events._ccs_match_discuss_link()
        if not self.env.context.get("ccs_no_sync"):
            events._ccs_mark_dirty(created=True)
        events._ccs_mirror_changed()
        return events

    def write(self, vals):
        self._ccs_check_not_imported()
        if (
            "online_meeting_provider" in vals
            and vals.get("sync_origin", "odoo") == "odoo"
            and not self.env.context.get("ccs_no_sync")
        ):
            self._ccs_check_meeting_removable(vals["online_meeting_provider"])
        tracked = not self.env.context.get("ccs_no_sync")
        synced = tracked and bool(set(vals) & set(self.CCS_SYNCED_FIELDS))
        # an occurrence's own first edit moves it: remember where the rule had put it
        originals = {e.id: e._ccs_slot() for e in self if e._ccs_follows_rule()} if synced else {}
        occurrences = self._ccs_occurrences() if tracked and "active" in vals else self.browse()
        toggled = occurrences.filtered(lambda e: e.active != bool(vals["active"]))
        if synced and "sync_origin" not in vals:
            # a change made in Odoo: the last change now comes from here (a pull writes with
            # ccs_no_sync and says which provider)
            vals = {**vals, "sync_origin": "odoo"}
        mirrored = bool(set(vals) & MIRRORED_FIELDS)
        # who attended before: a guest removed loses the event's block
        mirror_users = self._ccs_mirror_users() if mirrored else None
        if "videocall_location" in vals and "online_meeting_provider" not in vals:
            # Odoo's own "Odoo meeting" and "Clear meeting" are the Odoo choice and None
            discuss = self.DISCUSS_ROUTE in (vals["videocall_location"] or "")
            old, new = ("none", "odoo") if discuss else ("odoo", "none")
            changed = self.filtered(lambda e: e.online_meeting_provider == old)
            super(CalendarEvent, changed).write({**vals, "online_meeting_provider": new})
            result = super(CalendarEvent, self - changed).write(vals)
        else:
            result = super().write(vals)
            if "online_meeting_provider" in vals:
                self._ccs_drop_other_meeting_links(vals)
                self._ccs_match_discuss_link()
        if synced:
            self._ccs_mark_dirty(originals=originals)
        if mirrored:
            self._ccs_mirror_changed(mirror_users)
        if toggled:
            # an occurrence archived (or restored) changes its series' EXDATEs
            if not vals["active"]:
                toggled._ccs_leave_series()
            toggled.recurrence_id.base_event_id._ccs_mark_dirty()
        return result

    def unlink(self):
        self._ccs_check_not_imported()
        # through the ORM, so their activities and messages go too (a cascade would not)
        self.env["calendar.sync.conflict"].sudo().search([("event_id", "in", self.ids)]).unlink()
        self.env["calendar.sync.mirror"]._enqueue_for_users(self._ccs_mirror_users())
        if self.env.context.get("ccs_no_sync"):
            return super().unlink()
        kept = self._ccs_synced_occurrences_to_exclude()
        if kept:
            # one occurrence of a synced series deleted (the list view, RPC): Odoo keeps its
            # slot archived, as its own calendar view does, so the series excludes it both
            # here and at the provider (an EXDATE), instead of forgetting it silently
            kept.write({"active": False})
        rest = self - kept
        rest._ccs_mark_deleted()
        return super(CalendarEvent, rest).unlink()

    def _skip_send_mail_status_update(self):
        """Odoo's hook (its own google_calendar and microsoft_calendar use it): no mail from
        Odoo when the organizer's provider mails the guests: Odoo or the provider, never both."""
        if self._ccs_provider_mails_guests():
            return True
        return super()._skip_send_mail_status_update()

    def _ccs_check_meeting_removable(self, provider):
        kept = self.filtered(lambda e: e.ccs_meeting_kept and provider != "teams")
        if kept:
            raise UserError(
                _(
                    "Outlook keeps a Teams meeting once it exists: Microsoft's API cannot "
                    "remove it, so Odoo does not either (%s). Cancel the event and create a "
                    "new one without a meeting if the Teams link must go.",
                    ", ".join(kept.mapped("name")),
                )
            )

    def _ccs_match_discuss_link(self):
        """The Odoo choice is Odoo's own Discuss link: set it when chosen, drop it when not."""
        for event in self:
            if event.online_meeting_provider == "odoo" and event.videocall_source != "discuss":
                event._set_discuss_videocall_location()
            elif event.online_meeting_provider != "odoo" and event.videocall_source == "discuss":
                event.videocall_location = False

    def _ccs_drop_other_meeting_links(self, vals):
        """The meeting chosen is the only one the event shows: another provider's link (and
        Odoo's copy of it in the video call location) goes, unless the write sets it."""
        for event in self:
            drop = {}
            for provider, field in MEETING_URL_FIELDS.items():
                if provider == event.online_meeting_provider or field in vals or not event[field]:
                    continue
                drop[field] = False
                if event.videocall_location == event[field] and "videocall_location" not in vals:
                    drop["videocall_location"] = False
            if drop:
                super(CalendarEvent, event).write(drop)
        return True

    def _search_cloud_sync_state(self, operator, value):
        if operator not in ("=", "!=", "in", "not in"):
            raise UserError(_("Unsupported search on the sync state: %s", operator))
        values = set(value) if operator in ("in", "not in") else {value}
        ranks = tuple(STATE_PRIORITY.index(v) for v in values if v in STATE_PRIORITY)
        domain = expression.FALSE_DOMAIN
        if ranks:
            worst = SQL(
                "(SELECT event_id FROM calendar_sync_binding WHERE event_id IS NOT NULL"
                " GROUP BY event_id HAVING MIN(array_position(%s::varchar[], state::varchar)) - 1"
                " IN %s)",
                STATE_PRIORITY,
                ranks,
            )
            domain = [("id", "in", worst)]
        if False in values or None in values:
            domain = expression.OR([domain, [("cloud_sync_binding_ids", "=", False)]])
        if operator in ("!=", "not in"):
            domain = ["!", *expression.normalize_domain(domain)]
        return domain

    def action_join_google_meet(self):
        self.ensure_one()
        return self._join_url_action(self.google_meet_join_url)

    def action_join_teams_meeting(self):
        self.ensure_one()
        return self._join_url_action(self.teams_meeting_join_url)

    def _join_url_action(self, url):
        if not url:
            raise UserError(_("This event has no online meeting link yet."))
        return {"type": "ir.actions.act_url", "url": url, "target": "new"}

    def action_open_sync_conflict(self):
        self.ensure_one()
        conflicts = self.env["calendar.sync.conflict"].search(
            [("event_id", "=", self.id), ("state", "=", "open")]
        )
        if not conflicts:
            raise UserError(
                self.env._(
                    "This event has no open sync conflict that you can resolve: only its "
                    "organizer and administrators can."
                )
            )
        action = {
            "type": "ir.actions.act_window",
            "name": self.env._("Sync conflict"),
            "res_model": "calendar.sync.conflict",
            "target": "current",
        }
        form = self.env.ref("calendar_cloud_sync.calendar_sync_conflict_view_form").id
        if len(conflicts) == 1:
            return {**action, "views": [(form, "form")], "res_id": conflicts.id}
        return {
            **action,
            "views": [(False, "list"), (form, "form")],
            "domain": [("id", "in", conflicts.ids)],
        }
