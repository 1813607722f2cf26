"""Which calendars a connection has, and what changing a calendar's mode does.

On connect and on "Refresh calendars", every calendar the provider lists is upserted as a
calendar.sync.calendar: the account's chosen calendar is ``two_way``, a new one ``off``. A
calendar the provider no longer lists is kept, marked as such, and set ``off`` when it was
imported (its Odoo copies removed: the provider keeps the originals); the two-way one keeps
its mode and its events, and its pulls say what went wrong. Nothing is deleted silently.

Changing a mode touches that calendar alone: ``import``/``busy`` start its own first pull
and channel, ``off`` removes its Odoo events and stops its channel; the two-way calendar's
cursor and bindings (the account's) are left as they are.
"""

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..services.exceptions import SyncError
from .calendar_sync_calendar_pull import PULLED_MODES

ACCESS = {"owner", "writer", "reader", "free_busy"}
KINDS = {"own", "shared", "room"}


class CalendarSyncAccount(models.Model):
    _inherit = "calendar.sync.account"

    def _store_calendars(self, remotes):
        """Upsert the account's calendars from the provider's list (RemoteCalendar values)."""
        self.ensure_one()
        Calendar = self.env["calendar.sync.calendar"].sudo()
        existing = {c.remote_id: c for c in self.sudo().calendar_ids}
        listed = set()
        creates = []
        for remote in remotes:
            listed.add(remote.id)
            values = {
                "name": remote.name or remote.id,
                "timezone": remote.timezone or False,
                "kind": remote.kind if remote.kind in KINDS else "shared",
                "owner_email": remote.owner_email or False,
                "access": remote.access if remote.access in ACCESS else "reader",
                "is_default": remote.is_default,
                "missing": False,
            }
            calendar = existing.get(remote.id)
            if calendar:
                changed = {k: v for k, v in values.items() if calendar[k] != v}
                if changed:
                    calendar.write(changed)
            else:
                two_way = remote.id == self.remote_calendar_id
                creates.append(
                    dict(
                        values,
                        account_id=self.id,
                        remote_id=remote.id,
                        mode="two_way" if two_way else "off",
                    )
                )
        Calendar.create(creates)
        gone = Calendar.browse([c.id for r, c in existing.items() if r not in listed])
        gone.filtered(lambda c: not c.missing).write({"missing": True})
        gone.filtered(lambda c: c.mode in PULLED_MODES).write({"mode": "off"})

    def _refresh_calendars(self):
        """Ask the provider for the account's calendars now and store them."""
        self.ensure_one()
        connector = self._connector(self.provider, self.user_id.company_id)
        try:
            remotes, token_data = connector.calendars(self._get_secret("token_data") or {})
        except SyncError as exc:
            raise UserError(
                _("The calendars could not be listed: %(error)s", error=str(exc))
            ) from exc
        self._save_tokens_data(token_data)
        self._store_calendars(remotes)

    def action_refresh_calendars(self):
        """List the connection's calendars again (the user's own accounts, or an admin)."""
        self.check_access("write")
        for account in self.sudo():
            if account.state != "connected":
                raise UserError(_("Connect %(account)s first.", account=account.name))
            account._refresh_calendars()
        return True


class CalendarSyncCalendar(models.Model):
    _inherit = "calendar.sync.calendar"

    missing = fields.Boolean(
        "No Longer Listed",
        readonly=True,
        help="The provider no longer lists this calendar (unshared or deleted).",
    )

    @api.constrains("mode", "access")
    def _check_events_readable(self):
        for calendar in self:
            if calendar.mode in PULLED_MODES and calendar.access == "free_busy":
                raise ValidationError(
                    _(
                        "%(calendar)s shows free/busy time only: its events cannot be "
                        "imported. Its busy time counts for availability as it is.",
                        calendar=calendar.name,
                    )
                )

    def _mode_changed(self, before):
        """Start or stop what the new mode of each calendar asks for."""
        for calendar in self:
            old, new = before[calendar.id], calendar.mode
            if old in PULLED_MODES:
                # import <-> busy changes what each event holds: they are made again
                calendar._drop_events()
                calendar._enqueue_unwatch()
            if new in PULLED_MODES:
                calendar._enqueue_pull()
                calendar._enqueue_watch()
