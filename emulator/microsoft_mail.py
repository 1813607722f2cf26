"""What Outlook mails an organizer's guests: Graph creates, changes and deletes a meeting
only together with its invitations, updates and cancellations (there is no sendUpdates)."""

# a change to one of these is a meeting update the guests receive
MEETING_FIELDS = ("subject", "body", "location", "locations", "isAllDay", "recurrence")
TIME_FIELDS = ("_start", "_end", "_tz")


def _guests(record, master=None):
    source = record.get("_overrides", {}).get("attendees") if master else None
    attendees = source if source is not None else (master or record).get("attendees") or []
    return [a["emailAddress"]["address"].lower() for a in attendees]


def meeting_mails(before, after, master=None):
    """``[(action, [emails])]`` for one write by the organizer: ``before`` or ``after`` is
    None for a create or a delete; ``master`` is the series of an occurrence."""
    base = master or before or after
    if not base or not base.get("isOrganizer", True) or base.get("isDraft"):
        return []
    was = _guests(before, master) if before else []
    now = _guests(after, master) if after else []
    mails = []
    if after is None:
        return [("cancel", was)] if was else []
    kept = [email for email in now if email in was]
    changed = before is not None and any(
        before.get(name) != after.get(name) for name in TIME_FIELDS
    )
    if before is not None and not changed:
        view = before.get("_overrides") if master else before
        new_view = after.get("_overrides") if master else after
        changed = any((view or {}).get(n) != (new_view or {}).get(n) for n in MEETING_FIELDS)
    if kept and changed:
        mails.append(("update", kept))
    added = [email for email in now if email not in was]
    if added:
        mails.append(("invite", added))
    removed = [email for email in was if email not in now]
    if removed:
        mails.append(("cancel", removed))
    return mails
