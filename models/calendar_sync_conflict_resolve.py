"""Resolving a conflict: the user's choice per field becomes one event. Odoo is written where
the provider won (as a pull would write it), and the next push sends what differs from the
provider's version, with If-Match on that version, so the result reaches it in one write."""

import dataclasses

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..services.merge import MERGE_UNITS, WHEN, WHEN_FIELDS
from ..services.neutral import Attendee, canonical_value, from_snapshot, sync_hash, to_snapshot

ACTIVITY_TYPE = "mail.mail_activity_data_todo"


class CalendarSyncConflict(models.Model):
    _inherit = "calendar.sync.conflict"

    @api.model
    def _recorded_values(self, binding, decision, remote_event):
        """What resolving needs later, taken when the engine records the conflict: the
        provider's version and etag, the base, and the fields merged without asking."""
        # what Odoo really holds after the clean merge, not what the merge asked of it
        odoo = binding.event_id._ccs_to_neutral()
        return {
            "remote_snapshot": to_snapshot(remote_event),
            "remote_etag": binding.etag,
            "base_snapshot": binding.last_snapshot or False,
            "merged_snapshot": to_snapshot(odoo),
            "merged_units": _merged_units(binding._base(), odoo, remote_event, decision.conflicts),
        }

    # -- the owner's to-do --------------------------------------------------------------------
    def _open_activity(self):
        todo = self.env.ref(ACTIVITY_TYPE, raise_if_not_found=False)
        for conflict in self.sudo():
            owner = conflict.account_id.user_id
            if not todo or not owner or todo in conflict.activity_ids.activity_type_id:
                continue
            conflict = conflict.with_context(lang=owner.lang)
            conflict.activity_schedule(
                ACTIVITY_TYPE,
                user_id=owner.id,
                summary=conflict.env._("Resolve the sync conflict"),
                note=conflict.env._(
                    "“%(event)s” changed in Odoo and in %(provider)s on the same fields "
                    "(%(fields)s). Nothing is sent until you choose which values to keep.",
                    event=conflict.event_id.name or "",
                    provider=conflict.provider_label,
                    fields=conflict.field_summary or "",
                ),
            )

    def _close_activity(self, feedback):
        for conflict in self.sudo():
            if conflict.activity_ids:
                conflict.activity_feedback([ACTIVITY_TYPE], feedback=feedback)
            else:
                conflict.message_post(body=feedback)

    # -- checks ---------------------------------------------------------------------------------
    def _check_resolver(self):
        """The event's owner (its organizer, or the account's user) and administrators."""
        self.check_access("read")
        user = self.env.user
        if self.env.su or user.has_group("base.group_system"):
            return
        for conflict in self:
            if user not in conflict.account_id.user_id | conflict.event_id.user_id:
                raise AccessError(
                    self.env._(
                        "Only the event's organizer or an administrator can resolve this "
                        "sync conflict."
                    )
                )

    def _check_open(self):
        if any(conflict.state != "open" for conflict in self):
            raise UserError(self.env._("This sync conflict is already resolved."))

    # -- actions --------------------------------------------------------------------------------
    def action_keep_all_odoo(self):
        return self._keep_all("odoo")

    def action_keep_all_remote(self):
        return self._keep_all("remote")

    def _keep_all(self, side):
        self._check_resolver()
        self._check_open()
        self.sudo().line_ids.write({"choice": side})
        return self.action_apply()

    def action_apply(self):
        """Apply the choices: every conflicting field must have one."""
        self._check_resolver()
        self._check_open()
        for conflict in self:
            missing = conflict.line_ids.filtered(lambda line: not line.choice)
            if missing:
                raise UserError(
                    self.env._(
                        "Choose which value to keep for: %s",
                        ", ".join(missing.mapped("field_label")),
                    )
                )
        for conflict in self:
            conflict.sudo()._apply()
        return True

    def _apply(self):
        self.ensure_one()
        binding = self.binding_id
        if not binding.event_id or not self.remote_snapshot:
            raise UserError(
                self.env._(
                    "This event is no longer synced with that calendar: there is nothing left "
                    "to resolve."
                )
            )
        account = binding.account_id
        remote = from_snapshot(self.remote_snapshot)
        before = binding._local()
        current = binding.event_id._ccs_to_neutral()
        taken = {
            line.field_name: line._emails() for line in self.line_ids if line.choice == "remote"
        }
        resolved = _substitute(current, remote, taken)
        # resolved first: the binding leaving its conflict state must not close it as stale
        self.write(
            {
                "state": "resolved",
                "resolved_by": self.env.uid,
                "resolved_at": fields.Datetime.now(),
                "odoo_snapshot": to_snapshot(before),
            }
        )
        if sync_hash(resolved) != sync_hash(current):
            event = binding.event_id.with_env(binding._origin_env(account))
            event._ccs_write_neutral(resolved, account, bool(binding.original_start))
        base = self._resolution_base(remote, current, binding.event_id._ccs_to_neutral())
        # the push sends what differs from the base, with If-Match on the provider's version:
        # a 412 (changed there since) goes through the normal reconcile
        binding.write(
            {
                "state": "pending",
                "last_error": False,
                "last_snapshot": to_snapshot(base),
                "last_hash": sync_hash(base),
                "etag": self.remote_etag or binding.etag,
            }
        )
        self._close_activity(self._choices_text())
        account._enqueue_push()

    def _resolution_base(self, remote, before, after):
        """The binding's new base, unit by unit: the provider's version where Odoo's value
        must still go out (Odoo won, or changed it alone), and elsewhere the provider's value
        as Odoo now words it (as after a pull: contacts' names, no optional guests), so that
        wording is not taken for an Odoo change and sent back."""
        if not self.merged_snapshot:
            return remote
        recorded = from_snapshot(self.merged_snapshot)
        choices = {line.field_name: line.choice for line in self.line_ids}
        odoo_only = {item["unit"] for item in self.merged_units or () if item["side"] == "odoo"}
        values = {}
        for unit in MERGE_UNITS:
            if unit in choices:
                odoo_wins = choices[unit] == "odoo" or unit in odoo_only
            else:
                edited = _unit_key(before, unit) != _unit_key(recorded, unit)
                odoo_wins = unit in odoo_only or edited
            source = remote if odoo_wins else after
            for name in WHEN_FIELDS if unit == WHEN else (unit,):
                values[name] = getattr(source, name)
        return dataclasses.replace(remote, **values)

    def _choices_text(self):
        odoo = self.env._("Odoo")
        by_side = {"odoo": odoo, "remote": self.provider_label}
        return self.env._(
            "Sync conflict resolved: %s",
            "; ".join(f"{line.field_label}: {by_side[line.choice]}" for line in self.line_ids),
        )

    def _supersede(self):
        """The two versions no longer conflict (a later sync settled it): close, no choice."""
        if not self:
            return
        self.sudo().write({"state": "resolved", "resolved_at": fields.Datetime.now()})
        self._close_activity(
            self.env._("Closed by a later sync: the two versions no longer conflict.")
        )

    def _record(self, binding, decision, remote_event):
        """One open conflict per binding, with a line per field changed on both sides."""
        lines = [
            (
                0,
                0,
                {
                    "field_name": unit,
                    "odoo_value": _jsonable(ours),
                    "remote_value": _jsonable(theirs),
                    "base_value": _jsonable(base),
                },
            )
            for unit, (base, ours, theirs) in decision.conflicts.items()
        ]
        versions = self._recorded_values(binding, decision, remote_event)
        existing = self.search([("binding_id", "=", binding.id), ("state", "=", "open")])
        if existing:
            existing.line_ids.unlink()
            existing.write({"line_ids": lines, "detected_at": fields.Datetime.now(), **versions})
            return existing
        return self.sudo().create(
            {
                "event_id": binding.event_id.id,
                "account_id": binding.account_id.id,
                "binding_id": binding.id,
                "state": "open",
                "line_ids": lines,
                **versions,
            }
        )


def _unit_key(event, unit):
    return tuple(
        canonical_value(event, name) for name in (WHEN_FIELDS if unit == WHEN else (unit,))
    )


def _attendee_key(event, email):
    attendee = event.attendee(email)
    return attendee.canonical() if attendee is not None else None


def _merged_units(base, odoo, remote, conflicts):
    """Fields changed on one side only, as Odoo holds them after the merge: "odoo" when Odoo
    changed it and the provider did not (it goes out with the resolution), "remote" when the
    provider changed it and Odoo took it. Where the provider words a field in a way Odoo
    cannot hold (a Teams meeting seen from Google, an organizer), Odoo kept its value: that
    is no change of either side and is not listed."""
    if base is None:
        return []
    items = []
    for unit in MERGE_UNITS:
        if unit in conflicts or unit == "attendees":
            continue
        side = _changed_side(*(_unit_key(event, unit) for event in (base, odoo, remote)))
        if side:
            items.append({"unit": unit, "side": side})
    in_conflict = {
        attendee.email for side in conflicts.get("attendees", ()) for attendee in side or ()
    }
    emails = {a.email for event in (base, odoo, remote) for a in event.attendees}
    if not all(event.attendees for event in (base, odoo, remote)):
        # no attendees means the organizer alone: the organizer's presence is no change
        in_conflict.add(odoo.organizer_email)
    sides = {"odoo": [], "remote": []}
    for email in sorted(emails - in_conflict):
        side = _changed_side(*(_attendee_key(event, email) for event in (base, odoo, remote)))
        if side:
            sides[side].append(email)
    items += [
        {"unit": "attendees", "side": side, "emails": found}
        for side, found in sides.items()
        if found
    ]
    return items


def _changed_side(base, odoo, remote):
    if odoo == base:
        return None  # Odoo did not change, nor take the provider's change
    return "odoo" if remote == base else "remote"


def _substitute(event, remote, taken):
    """``event`` with the provider's value of each unit in ``taken`` ({unit: emails}); for
    attendees, only the attendees in conflict are taken."""
    values = {}
    for unit, emails in taken.items():
        if unit == "attendees":
            kept = [a for a in event.attendees if a.email not in emails]
            added = [a for a in remote.attendees if a.email in emails]
            organizer = event.organizer_email
            if added and not event.attendees and organizer and organizer not in emails:
                # no attendees means the organizer alone: with guests, the organizer is listed
                kept.append(
                    remote.attendee(organizer)
                    or Attendee(email=organizer, response="accepted", organizer=True)
                )
            values["attendees"] = (*kept, *added)
        else:
            for name in WHEN_FIELDS if unit == WHEN else (unit,):
                values[name] = getattr(remote, name)
    return dataclasses.replace(event, **values)


def _jsonable(value):
    """Conflict values as JSON: dates and attendees become strings and dicts."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if dataclasses.is_dataclass(value):
        return _jsonable(dataclasses.asdict(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
