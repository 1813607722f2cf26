"""One busy block a mirroring rule wrote into its target calendar.

A row per rule x source event: where the block is (``remote_id``) and a hash of what was
written, so a rule's run sends only the blocks whose source changed. A row without
``remote_id`` is a block not at the provider (removed, or not written yet); ``generation``
counts its creations, so a block made again gets a fresh id (Google keeps a deleted event's
id) while a retried create reuses its own. Rows whose rule is gone (``mirror_id`` empty) wait
for the cleanup job to remove their blocks from the target calendar.
"""

from odoo import api, fields, models

from ..lib.job_descriptions import job_description
from .calendar_sync_account_jobs import CHANNEL, MAX_RETRIES

CLEANUP_KEY = "calendar_cloud_sync-mirror-cleanup-{calendar_id}"


class CalendarSyncMirrorBlock(models.Model):
    _name = "calendar.sync.mirror.block"
    _description = "Mirrored busy block"
    _order = "calendar_id, start, id"

    mirror_id = fields.Many2one(
        "calendar.sync.mirror", "Rule", ondelete="set null", index="btree_not_null"
    )
    calendar_id = fields.Many2one(
        "calendar.sync.calendar", "Target Calendar", required=True, ondelete="cascade", index=True
    )
    user_id = fields.Many2one(related="calendar_id.user_id", store=True)
    source_key = fields.Char(required=True)
    remote_id = fields.Char("Remote ID", index="btree_not_null")
    start = fields.Datetime()
    block_hash = fields.Char()
    generation = fields.Integer(default=0)

    _sql_constraints = [
        (
            "mirror_source_uniq",
            "unique(mirror_id, source_key)",
            "A rule writes one block per source event.",
        ),
    ]

    @api.model
    def _release(self, rule_ids, calendars=None):
        """The blocks of these rules (in ``calendars`` only, when given) leave their rule: a
        job removes them from their calendars."""
        domain = [("mirror_id", "in", rule_ids)]
        if calendars is not None:
            domain.append(("calendar_id", "in", calendars.ids))
        blocks = self.sudo().search(domain)
        at_provider = blocks.filtered("remote_id")
        (blocks - at_provider).unlink()
        at_provider.write({"mirror_id": False})
        at_provider.calendar_id._ccs_enqueue_mirror_cleanup()

    @api.model
    def _known_ids(self, account, remote_ids):
        """Which of ``remote_ids`` are blocks in ``account``'s calendars (one query)."""
        if not remote_ids:
            return set()
        found = self.sudo().search_fetch(
            [("calendar_id.account_id", "=", account.id), ("remote_id", "in", list(remote_ids))],
            ["remote_id"],
            order="id",
        )
        return set(found.mapped("remote_id"))

    @api.model
    def _without_blocks(self, account, remotes):
        """The remote events of ``account`` that are not mirrored blocks: never imported into
        Odoo, so never mirrored again (the provider's mark, or a block id we wrote)."""
        unmarked = [r for r in remotes if not r.mirror_mark]
        known = self._known_ids(account, {r.external_id for r in unmarked})
        return [r for r in unmarked if r.external_id not in known]


class CalendarSyncCalendar(models.Model):
    _inherit = "calendar.sync.calendar"

    def _ccs_enqueue_mirror_cleanup(self, eta=None):
        Block = self.env["calendar.sync.mirror.block"].sudo()
        for calendar in self:
            Block.with_delay(
                channel=CHANNEL,
                eta=eta,
                identity_key=CLEANUP_KEY.format(calendar_id=calendar.id),
                description=job_description(self.env, "mirror_cleanup", calendar=calendar.name),
                max_retries=MAX_RETRIES,
            )._job_cleanup(calendar.id)
