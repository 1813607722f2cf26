"""Busy mirroring rules: a user's busy time from a source written as blocks into a calendar.

The source is Odoo itself (every Odoo event the user attends and has not declined, which
includes the events synced from their calendars) or one calendar of the user's connections.
The target is a calendar of any of the user's connections that they can write to. The privacy
level says what a block shows (services/mirror.py). The blocks themselves are
``calendar.sync.mirror.block`` rows; the job that writes them is in calendar_sync_mirror_run.py.
"""

import functools

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..lib.job_descriptions import job_description
from .calendar_sync_account_jobs import CHANNEL, MAX_RETRIES

WRITABLE = ("owner", "writer")
# a change to these rewrites, moves or removes the rule's blocks
RUN_FIELDS = {"active", "source", "source_calendar_id", "target_calendar_id", "privacy"}
IDENTITY_KEY = "calendar_cloud_sync-mirror-{rule_id}"
# the transaction cache key of the users who have an active rule
RULE_USERS = "calendar_cloud_sync.mirror_rule_users"


class CalendarSyncMirror(models.Model):
    _name = "calendar.sync.mirror"
    _description = "Busy mirroring rule"
    _order = "user_id, id"

    name = fields.Char(compute="_compute_name")
    user_id = fields.Many2one(
        "res.users",
        required=True,
        index=True,
        ondelete="cascade",
        default=lambda self: self.env.user,
    )
    active = fields.Boolean(default=True)
    source = fields.Selection(
        [("odoo", "Odoo calendar"), ("calendar", "A connected calendar")],
        default="odoo",
        required=True,
        help="Odoo calendar: every Odoo event you attend and have not declined, including "
        "the events synced from your calendars.",
    )
    source_calendar_id = fields.Many2one(
        "calendar.sync.calendar",
        ondelete="cascade",
        index="btree_not_null",
        domain="[('user_id', '=', user_id), ('mode', '!=', 'off')]",
    )
    target_calendar_id = fields.Many2one(
        "calendar.sync.calendar",
        required=True,
        ondelete="cascade",
        index=True,
        domain="[('user_id', '=', user_id), ('access', 'in', ('owner', 'writer'))]",
        help="Where the busy blocks are written.",
    )
    privacy = fields.Selection(
        [("busy", "Busy only"), ("title", "Title"), ("full", "Full details")],
        default="busy",
        required=True,
        help="Busy only: “Busy” and the times. Title: the event's title too. Full details: "
        "its description and location too. Never the guests: a block invites nobody.",
    )
    block_ids = fields.One2many("calendar.sync.mirror.block", "mirror_id", readonly=True)
    last_run_at = fields.Datetime("Last Run", readonly=True, copy=False)
    last_error = fields.Text(readonly=True, copy=False)

    @api.depends("source", "source_calendar_id.name", "target_calendar_id.name")
    def _compute_name(self):
        for rule in self:
            source = (
                rule.source_calendar_id.name if rule.source == "calendar" else _("Odoo calendar")
            )
            rule.name = f"{source or '?'} → {rule.target_calendar_id.name or '?'}"

    @api.constrains("user_id", "source", "source_calendar_id", "target_calendar_id")
    def _check_calendars(self):
        # read as the engine: a calendar of another user is refused by name, not by a read
        for rule in self.sudo():
            target, source = rule.target_calendar_id, rule.source_calendar_id
            if target.user_id != rule.user_id or (source and source.user_id != rule.user_id):
                raise ValidationError(_("A rule mirrors between the calendars of its own user."))
            if target.access not in WRITABLE:
                raise ValidationError(
                    _(
                        "%(calendar)s is read-only for you: busy time cannot be written there.",
                        calendar=target.name,
                    )
                )
            if rule.source == "calendar" and not source:
                raise ValidationError(_("Choose the calendar whose busy time is mirrored."))
            if rule.source == "calendar" and source == target:
                raise ValidationError(_("A calendar cannot be mirrored into itself."))

    @api.model_create_multi
    def create(self, vals_list):
        self._forget_rule_users()
        rules = super().create(vals_list)
        rules._enqueue_mirror()
        return rules

    def write(self, vals):
        self._forget_rule_users()
        targets = self.target_calendar_id
        result = super().write(vals)
        if set(vals) & RUN_FIELDS:
            self._enqueue_mirror()
            if "target_calendar_id" in vals:
                # the blocks written into the former target go
                self.env["calendar.sync.mirror.block"]._release(self.ids, targets)
        return result

    def unlink(self):
        self._forget_rule_users()
        # their blocks outlive them until a job removes them from the target calendars
        self.env["calendar.sync.mirror.block"]._release(self.ids)
        return super().unlink()

    def _enqueue_mirror(self, eta=None):
        """One pending job per rule: bursts of changes collapse through the identity key."""
        for rule in self.sudo().with_context(active_test=False):
            rule.with_delay(
                channel=CHANNEL,
                eta=eta,
                identity_key=IDENTITY_KEY.format(rule_id=rule.id),
                description=job_description(self.env, "mirror", rule=rule.name),
                max_retries=MAX_RETRIES,
            )._job_mirror()

    @api.model
    def _enqueue_for_users(self, users):
        """A change to events these users attend: their rules run (each diff is cheap)."""
        with_rules = users.filtered(lambda u: u.id in self._rule_user_ids())
        if with_rules:
            self.sudo().search([("user_id", "in", with_rules.ids)])._enqueue_mirror()

    @api.model
    def _rule_user_ids(self):
        """The users with an active rule, read once per transaction: every event write asks,
        most users have none. A rule's create, write and unlink forget it, and so does the
        transaction's end (commit or rollback)."""
        cache = self.env.cr.cache
        if RULE_USERS not in cache:
            self.flush_model(["user_id", "active"])
            self.env.cr.execute("SELECT DISTINCT user_id FROM calendar_sync_mirror WHERE active")
            cache[RULE_USERS] = {row[0] for row in self.env.cr.fetchall()}
            # the dict itself: a closing cursor rolls back after dropping its cache attribute
            forget = functools.partial(cache.pop, RULE_USERS, None)
            self.env.cr.postcommit.add(forget)
            self.env.cr.postrollback.add(forget)
        return cache[RULE_USERS]

    def _forget_rule_users(self):
        self.env.cr.cache.pop(RULE_USERS, None)

    @api.model
    def _cron_mirror(self):
        """The window moves on: every active rule runs once a day."""
        self.sudo().search([])._enqueue_mirror()
