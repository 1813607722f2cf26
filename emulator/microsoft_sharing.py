"""Calendars shared with or delegated to another user, and room mailboxes (test hooks).

As Graph documents for shared and delegated calendars: once the owner shares a calendar, it
shows in the sharee's ``GET /me/calendars`` with the owner's address in ``owner`` and the
sharee's rights in ``canEdit`` (``canShare`` false, ``isRemovable`` true); its events are read
through ``/me/calendars/{id}/events`` and ``/me/calendars/{id}/calendarView/delta``, and a
subscription on ``me/calendars/{id}/events`` reports the owner's changes to it. A room is a
room mailbox whose calendar is shared with users like any other (Graph has no room flag on
a calendar: the room's address is its owner).
"""

import copy

from .microsoft_event_model import apply_body, new_record, touch
from .microsoft_schema import EVENT, validate


class GraphSharing:
    """Mixin of MicrosoftEmulator: the sharing test hooks."""

    def share_calendar(self, owner, cal_id, email, can_edit=False):
        """The owner shares one of their calendars (None: the default one) with ``email``,
        read-only or with edit rights; ``can_edit=None`` stops sharing. Returns its id."""
        with self.emu.lock:
            owner_box = self.mailbox(owner)
            cal = owner_box.calendar(cal_id)
            box = self.mailbox(email)
            if can_edit is None:
                box.calendars.pop(cal["id"], None)
                return cal["id"]
            entry = {k: copy.deepcopy(v) for k, v in cal.items() if not k.startswith("_")}
            entry.update(
                isDefaultCalendar=False,
                canEdit=bool(can_edit),
                canShare=False,
                isRemovable=True,
                _link=owner_box.user.email,
            )
            box.calendars[cal["id"]] = entry
            return cal["id"]

    def add_room(self, email, name, tenant="demo-tenant"):
        """A room mailbox (nobody signs in as a room). Returns its address."""
        with self.emu.lock:
            user = self._ensure_user(email, tenant, name)
            self.mailboxes[user.email].calendar()["name"] = name
            return user.email

    def put_event_in(self, email, cal_id, body):
        """The owner creates a single event in one of their calendars in Outlook's UI."""
        body = validate(body, EVENT)
        with self.emu.lock:
            box = self.mailbox(email)
            cal = box.calendar(cal_id)
            record = new_record(box, cal)
            apply_body(record, copy.deepcopy(body), cal, creating=True)
            box.events[record["id"]] = record
            self._changed(box, cal, record["id"], None, "created")
            return record["id"]

    def remove_event(self, email, event_id):
        """The owner deletes a single event in Outlook's UI."""
        with self.emu.lock:
            box = self.mailbox(email)
            previous = box.events.pop(event_id)
            touch(previous)
            self._changed(box, box.calendars[previous["_cal"]], event_id, previous, "deleted")
