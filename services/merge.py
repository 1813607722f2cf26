"""Three-way merge of two edited copies of an event against the last synced snapshot.

DESIGN.md rule 4: a unit changed on one side only takes that side's value; changed on both
sides to different values it is a conflict, ``merged`` keeps ours and the caller records it.
By convention ``ours`` is the Odoo copy and ``theirs`` the provider's copy.

Units are the synced fields, except that ``start``/``end``/``all_day``/``timezone`` merge as
one unit, ``"when"``, so a merge never mixes one side's start with the other's end.
"""

import dataclasses
from dataclasses import dataclass, field

from .neutral import SYNCED_FIELDS, Attendee, NeutralEvent, canonical_value

WHEN = "when"
WHEN_FIELDS = ("start", "end", "all_day", "timezone")
MERGE_UNITS = (WHEN, *(name for name in SYNCED_FIELDS if name not in WHEN_FIELDS))
_ATTENDEE_PARTS = ("name", "response", "organizer", "optional")


@dataclass
class MergeResult:
    """``conflicts`` maps a unit to (base, ours, theirs) values; base is None if never synced.

    Values are the fields' own values, except ``"when"`` (a dict of the four when-fields) and
    ``"attendees"`` (tuples of only the conflicting attendees present on that side).
    ``ours_only``/``theirs_only`` name the units changed since base on that side alone;
    ``attendees`` can be in both when each side changed different attendees.
    """

    merged: NeutralEvent
    conflicts: dict[str, tuple]
    ours_only: set[str]
    theirs_only: set[str]
    base: NeutralEvent | None = field(default=None, repr=False, compare=False)
    ours: NeutralEvent | None = field(default=None, repr=False, compare=False)
    theirs: NeutralEvent | None = field(default=None, repr=False, compare=False)

    def resolve(self, choices: dict[str, str]) -> NeutralEvent:
        """The merged event with conflicts settled per unit: ``{"when": "theirs", ...}``."""
        for unit, side in choices.items():
            if unit not in self.conflicts:
                raise ValueError(f"{unit!r} is not a conflict of this merge")
            if side not in ("ours", "theirs"):
                raise ValueError(f"conflict choice must be 'ours' or 'theirs', got {side!r}")
        prefer_theirs = {unit for unit, side in choices.items() if side == "theirs"}
        return _merge(self.base, self.ours, self.theirs, prefer_theirs).merged


def three_way_merge(
    base: NeutralEvent | None, ours: NeutralEvent, theirs: NeutralEvent
) -> MergeResult:
    return _merge(base, ours, theirs, set())


def _unit_fields(unit: str) -> tuple[str, ...]:
    return WHEN_FIELDS if unit == WHEN else (unit,)


def _unit_key(event: NeutralEvent, unit: str):
    return tuple(canonical_value(event, name) for name in _unit_fields(unit))


def _unit_value(event: NeutralEvent | None, unit: str):
    if event is None:
        return None
    if unit == WHEN:
        return {name: getattr(event, name) for name in WHEN_FIELDS}
    return getattr(event, unit)


def _merge(base, ours, theirs, prefer_theirs: set[str]) -> MergeResult:
    values, conflicts, ours_only, theirs_only = {}, {}, set(), set()
    for unit in MERGE_UNITS:
        if unit == "attendees":
            continue
        o_key, t_key = _unit_key(ours, unit), _unit_key(theirs, unit)
        if o_key == t_key:
            continue
        b_key = _unit_key(base, unit) if base is not None else None
        if b_key == o_key:
            source = theirs
            theirs_only.add(unit)
        elif b_key == t_key:
            source = ours
            ours_only.add(unit)
        else:
            source = theirs if unit in prefer_theirs else ours
            conflicts[unit] = tuple(_unit_value(e, unit) for e in (base, ours, theirs))
        for name in _unit_fields(unit):
            values[name] = getattr(source, name)

    attendees = _AttendeeMerge(base, ours, theirs, "attendees" in prefer_theirs)
    values["attendees"] = attendees.merged
    if attendees.conflict_emails:
        conflicts["attendees"] = attendees.conflict_values()
    if attendees.ours_changed:
        ours_only.add("attendees")
    if attendees.theirs_changed:
        theirs_only.add("attendees")

    # Provider-assigned: the provider's copy knows them best.
    for name in ("ical_uid", "online_meeting_url"):
        values[name] = getattr(theirs, name) or getattr(ours, name)
    merged = dataclasses.replace(ours, **values)
    return MergeResult(merged, conflicts, ours_only, theirs_only, base, ours, theirs)


class _AttendeeMerge:
    """Per-attendee merge: presence, then each part (name, response, flags) three-way."""

    def __init__(self, base, ours, theirs, prefer_theirs: bool):
        self.base_known = base is not None
        self.base = {a.email: a for a in base.attendees} if base is not None else {}
        self.ours = {a.email: a for a in ours.attendees}
        self.theirs = {a.email: a for a in theirs.attendees}
        self.prefer_theirs = prefer_theirs
        self.ours_changed = self.theirs_changed = False
        self.conflict_emails = []
        merged = []
        for email in sorted(self.base.keys() | self.ours.keys() | self.theirs.keys()):
            attendee = self._merge_one(email)
            if attendee is not None:
                merged.append(attendee)
        self.merged = tuple(merged)

    def conflict_values(self):
        def pick(side):
            return tuple(side[e] for e in self.conflict_emails if e in side)

        base = pick(self.base) if self.base_known else None
        return (base, pick(self.ours), pick(self.theirs))

    def _conflict(self, email, ours_value, theirs_value):
        self.conflict_emails.append(email)
        return theirs_value if self.prefer_theirs else ours_value

    def _merge_one(self, email) -> Attendee | None:
        b, o, t = self.base.get(email), self.ours.get(email), self.theirs.get(email)
        if o is not None and t is not None:
            return self._merge_parts(email, b, o, t)
        if o is None and t is None:
            return None
        if not self.base_known:
            return self._conflict(email, o, t)
        # Present on one side only: an addition, a removal, or a removal against an edit.
        present, present_is_ours = (o, True) if o is not None else (t, False)
        if b is None:
            self._mark(ours=present_is_ours)
            return present
        if present.canonical() == b.canonical():
            self._mark(ours=not present_is_ours)
            return None
        return self._conflict(email, o, t)

    def _mark(self, ours: bool):
        if ours:
            self.ours_changed = True
        else:
            self.theirs_changed = True

    def _merge_parts(self, email, b, o, t) -> Attendee:
        o_can, t_can = o.canonical(), t.canonical()
        b_can = b.canonical() if b is not None else None
        parts, conflicted = {}, False
        for part in _ATTENDEE_PARTS:
            o_val, t_val = o_can[part], t_can[part]
            b_val = b_can[part] if b_can is not None else None
            source = o
            if o_val == t_val:
                pass
            elif b_can is not None and b_val == o_val:
                source = t
                self._mark(ours=False)
            elif b_can is not None and b_val == t_val:
                self._mark(ours=True)
            elif part == "name" and not (o_val and t_val):
                # An empty display name means "unknown" (Google often has none), not a change.
                source = o if o_val else t
                self._mark(ours=source is o)
            else:
                conflicted = True
                source = t if self.prefer_theirs else o
            parts[part] = getattr(source, part)
        if conflicted:
            self.conflict_emails.append(email)
        return Attendee(email=email, **parts)
