"""Invitations between emulated users: attendees' copies and their responses.

As on Google, an event whose attendees include another user of the same service appears
on that user's primary calendar with the same id and iCalUID. The organizer's event is
the reference: its changes replace the copies (except an attendee's personal settings);
an attendee's responseStatus flows back to the organizer; other edits an attendee makes
stay on their own copy.
"""

import copy

from .google_events import PERSONAL_FIELDS
from .google_store import Entry, html_link

_RESPONSE_FIELDS = ("responseStatus", "comment", "additionalGuests")


def _attendee(resource, email):
    for attendee in resource.get("attendees") or []:
        if attendee.get("email") == email:
            return attendee
    return None


def _same(left, right):
    strip = ("etag", "updated")
    return {k: v for k, v in left.items() if k not in strip} == {
        k: v for k, v in right.items() if k not in strip
    }


class SharingMixin:
    def _invitees(self, calendar, resource):
        if resource.get("status") == "cancelled":
            return set()
        return {
            a["email"]
            for a in resource.get("attendees") or []
            if a["email"] != calendar.owner and a["email"] in self.users
        }

    def _attendee_view(self, organizer_calendar, resource, target, previous):
        view = copy.deepcopy(resource)
        view["htmlLink"] = html_link(view["id"], target.id)
        view["organizer"] = {"email": organizer_calendar.owner}
        view["creator"] = {k: v for k, v in view.get("creator", {}).items() if k != "self"}
        for attendee in view.get("attendees") or []:
            attendee.pop("self", None)
            if attendee["email"] == target.owner:
                attendee["self"] = True
        if previous is not None:
            view["created"] = previous.resource.get("created", view.get("created"))
            for name in PERSONAL_FIELDS:
                if name in previous.resource:
                    view[name] = previous.resource[name]
        return view

    def _sync_copies(self, calendar, entry, skip=()):
        """Bring every attendee's copy of an organizer's event up to date."""
        wanted = self._invitees(calendar, entry.resource)
        for email in entry.copies | wanted:
            if email in skip:
                continue
            target = self.users[email].primary
            current = target.entries.get(entry.id)
            if current is not None and current.organizer_calendar is None:
                continue
            if email not in wanted:
                if current is not None and not current.cancelled:
                    current.resource["status"] = "cancelled"
                    self._commit(target, current)
                continue
            declined = (_attendee(entry.resource, email) or {}).get("responseStatus") == "declined"
            if current is not None and current.cancelled and declined:
                continue
            view = self._attendee_view(calendar, entry.resource, target, current)
            if current is None:
                current = Entry(view, organizer_calendar=(calendar.owner, calendar.id))
            elif _same(current.resource, view):
                continue
            else:
                current.resource = view
            self._commit(target, current)
        entry.copies = (entry.copies & set(skip)) | wanted

    def _propagate_response(self, box, calendar, entry):
        """An attendee answered on their copy: the organizer's event shows the answer."""
        owner, calendar_id = entry.organizer_calendar
        organizer_box = self.users.get(owner)
        organizer_calendar = organizer_box.calendars.get(calendar_id) if organizer_box else None
        if organizer_calendar is None:
            return
        reference = self._find(organizer_calendar, entry.id)
        if reference is None or reference.cancelled:
            return
        mine = _attendee(entry.resource, box.email)
        theirs = _attendee(reference.resource, box.email)
        if mine is None or theirs is None:
            return
        changed = False
        for name in _RESPONSE_FIELDS:
            if mine.get(name) != theirs.get(name):
                changed = True
                if mine.get(name) is None:
                    theirs.pop(name, None)
                else:
                    theirs[name] = mine[name]
        if changed:
            self._save(organizer_calendar, reference, skip={box.email})
