from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import SQL

from .calendar_event_neutral import MEETING_URL_FIELDS
from .calendar_sync_binding import BINDING_STATES

# The worst binding state wins: one failing calendar is what the user must see.
STATE_PRIORITY = ["error", "conflict", "pending", "synced"]


class CalendarEvent(models.Model):
    _inherit = "calendar.event"

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

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if self.DISCUSS_ROUTE in (vals.get("videocall_location") or ""):
                vals.setdefault("online_meeting_provider", "odoo")
        events = super().create(vals_list)
        events._ccs_match_discuss_link()
        return events

    def write(self, vals):
        if (
            "online_meeting_provider" in vals
            and vals.get("sync_origin", "odoo") == "odoo"
            and not self.env.context.get("ccs_no_sync")
        ):
            self._ccs_check_meeting_removable(vals["online_meeting_provider"])
        if "videocall_location" in vals and "online_meeting_provider" not in vals:
            # Odoo's own "Odoo meeting" and "Clear meeting" are the Odoo choice and None
            discuss = self.DISCUSS_ROUTE in (vals["videocall_location"] or "")
            old, new = ("none", "odoo") if discuss else ("odoo", "none")
            changed = self.filtered(lambda e: e.online_meeting_provider == old)
            super(CalendarEvent, changed).write({**vals, "online_meeting_provider": new})
            return super(CalendarEvent, self - changed).write(vals)
        result = super().write(vals)
        if "online_meeting_provider" in vals:
            self._ccs_drop_other_meeting_links(vals)
            self._ccs_match_discuss_link()
        return result

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
