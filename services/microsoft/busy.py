"""Busy time of an account's calendars, asked live (availability, issue 13).

Graph's ``getSchedule`` answers for mailboxes, that is for their default calendar: it serves
the account's own default calendar, rooms and calendars shared as free/busy only (asked by
their owner's address), all in one request. Any other calendar the account can read (its own
secondary calendars, calendars shared with it) is read through its ``calendarView``."""

import datetime as dt

from .mapper import parse_datetime

# what Graph's showAs / schedule status says when the time is not taken
NOT_BUSY = ("free", "workingElsewhere")


def _naive(moment):
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def busy_of(client, account_email, calendars, start, end):
    """Sorted [(start, end)] naive UTC of ``calendars`` (BusyCalendar values) in [start, end)."""
    own = (account_email or "").lower()
    mailboxes, views = [], []
    for calendar in calendars:
        owner = (calendar.owner_email or own).lower()
        if calendar.free_busy_only or (owner == own and calendar.is_default):
            mailboxes += [] if owner in mailboxes else [owner]
        else:
            views.append(calendar.remote_id)
    found = []
    if mailboxes:
        schedule = client.get_schedule(mailboxes, start, end)
        found += [
            (a, b)
            for items in schedule.values()
            for status, a, b in items
            if status not in NOT_BUSY
        ]
    for calendar_id in dict.fromkeys(views):
        found += [
            (item["start"], item["end"])
            for item in client.calendar_view(calendar_id, start, end)
            if item.get("showAs") not in NOT_BUSY
            and not item.get("isCancelled")
            and (item.get("responseStatus") or {}).get("response") != "declined"
        ]
    return sorted(
        (
            _naive(parse_datetime(a["dateTime"], a["timeZone"])),
            _naive(parse_datetime(b["dateTime"], b["timeZone"])),
        )
        for a, b in found
    )
