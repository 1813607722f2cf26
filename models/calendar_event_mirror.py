"""What busy mirroring hears of Odoo events: a change to an event its attendees' rules may
mirror enqueues those rules (calendar_sync_mirror.py); the rule's job finds what changed."""

from odoo import models

# what a block shows or depends on (times, the texts a privacy level lets out, busy or not,
# who attends)
MIRRORED_FIELDS = {
    "name",
    "start",
    "stop",
    "allday",
    "start_date",
    "stop_date",
    "event_tz",
    "description",
    "location",
    "show_as",
    "active",
    "partner_ids",
    "attendee_ids",
    "user_id",
}


class CalendarEvent(models.Model):
    _inherit = "calendar.event"

    def _ccs_mirror_users(self):
        """The users attending these events (whose rules may mirror them)."""
        return self.sudo().with_context(active_test=False).partner_ids.user_ids

    def _ccs_mirror_changed(self, users=None):
        users = (users or self.env["res.users"]) | self._ccs_mirror_users()
        self.env["calendar.sync.mirror"]._enqueue_for_users(users)


class CalendarAttendee(models.Model):
    _inherit = "calendar.attendee"

    def _ccs_mirror_answered(self):
        """An answer changed (a decline removes the block, an accept brings it back)."""
        self.env["calendar.sync.mirror"]._enqueue_for_users(self.sudo().partner_id.user_ids)
