from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import SQL

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
        [("none", "None"), ("google_meet", "Google Meet"), ("teams", "Microsoft Teams")],
        string="Online Meeting",
        default="none",
    )
    google_meet_url = fields.Char("Google Meet URL", copy=False)
    teams_join_url = fields.Char("Teams Meeting URL", copy=False)
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
        return self._join_url_action(self.google_meet_url)

    def action_join_teams_meeting(self):
        self.ensure_one()
        return self._join_url_action(self.teams_join_url)

    def _join_url_action(self, url):
        if not url:
            raise UserError(_("This event has no online meeting link yet."))
        return {"type": "ir.actions.act_url", "url": url, "target": "new"}
