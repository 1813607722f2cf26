"""How a conflict shows one field's value to the user: dates in their time zone, attendees
with their answers, text escaped. Used by the conflict and conflict line models."""

import zoneinfo
from datetime import date

from markupsafe import Markup, escape

from odoo.tools.misc import format_date, format_time

from ..services.merge import MERGE_UNITS, WHEN


def provider_label(env, provider):
    """The provider's name as users know its calendar."""
    return {"google": env._("Google"), "microsoft": env._("Outlook")}.get(provider, "")


def unit_labels(env):
    labels = {
        WHEN: env._("Date and time"),
        "title": env._("Title"),
        "description": env._("Description"),
        "location": env._("Location"),
        "attendees": env._("Attendees"),
        "organizer_email": env._("Organizer"),
        "recurrence": env._("Recurrence"),
        "status": env._("Status"),
        "show_as": env._("Show as"),
        "privacy": env._("Privacy"),
        "online_meeting_provider": env._("Online meeting"),
    }
    return {unit: labels.get(unit, unit) for unit in MERGE_UNITS}


def _choice_labels(env):
    return {
        "needs_action": env._("no answer yet"),
        "accepted": env._("accepted"),
        "declined": env._("declined"),
        "tentative": env._("maybe"),
        "confirmed": env._("Confirmed"),
        "cancelled": env._("Cancelled"),
        "busy": env._("Busy"),
        "free": env._("Free"),
        "default": env._("Default"),
        "public": env._("Public"),
        "private": env._("Private"),
        "none": env._("None"),
        "google_meet": env._("Google Meet"),
        "teams": env._("Microsoft Teams"),
    }


def _empty(env):
    return Markup('<span class="text-muted">%s</span>') % env._("(empty)")


def _text(env, value):
    """Plain text, line breaks kept."""
    if not value:
        return _empty(env)
    return Markup("<br>").join(escape(line) for line in value.strip().split("\n"))


def render_unit(env, unit, event, emails=None):
    """One merge unit of ``event`` as readable Html: dates in the user's zone, attendees as
    'name <email> (answer)'."""
    if event is None:
        return _empty(env)
    if unit == WHEN:
        return _render_when(env, event)
    if unit == "attendees":
        return _render_attendees(env, event, emails)
    if unit == "recurrence":
        if not event.recurrence:
            return Markup('<span class="text-muted">%s</span>') % env._("does not repeat")
        return Markup("<br>").join(Markup("<code>%s</code>") % line for line in event.recurrence)
    value = getattr(event, unit)
    if unit in ("status", "show_as", "privacy", "online_meeting_provider"):
        return escape(_choice_labels(env).get(value, value))
    return _text(env, value)


def _render_when(env, event):
    user_tz = env.context.get("tz") or env.user.tz or "UTC"
    try:
        zone = zoneinfo.ZoneInfo(user_tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    if event.all_day:
        last = event.end.toordinal() - 1
        first_text = format_date(env, event.start, date_format="full")
        if last == event.start.toordinal():
            text = env._("%s (all day)", first_text)
        else:
            last_text = format_date(env, date.fromordinal(last), date_format="full")
            text = env._("%(first)s to %(last)s (all day)", first=first_text, last=last_text)
    else:
        start, end = event.start.astimezone(zone), event.end.astimezone(zone)
        text = "{}, {} \N{EN DASH} ".format(
            format_date(env, start.date(), date_format="full"),
            format_time(env, start.time(), time_format="short"),
        )
        if end.date() != start.date():
            text += format_date(env, end.date(), date_format="full") + ", "
        text += format_time(env, end.time(), time_format="short")
    zone_note = env._("time zone: %s", event.timezone)
    return Markup('%s<br><small class="text-muted">%s</small>') % (text, zone_note)


def _render_attendees(env, event, emails):
    labels = _choice_labels(env)
    emails = emails if emails is not None else [a.email for a in event.attendees]
    if not emails:
        return _empty(env)
    rows = []
    for email in emails:
        attendee = event.attendee(email)
        if attendee is None:
            rows.append(env._("%s: not invited", email))
            continue
        notes = [labels.get(attendee.response, attendee.response)]
        if attendee.optional:
            notes.append(env._("optional"))
        if attendee.organizer:
            notes.append(env._("organizer"))
        who = f"{attendee.name} <{email}>" if attendee.name else f"<{email}>"
        rows.append(f"{who} ({', '.join(notes)})")
    return Markup("<br>").join(escape(row) for row in rows)


def json_text(value):
    if value in (None, False, ""):
        return Markup('<span class="text-muted">\N{EM DASH}</span>')
    return escape(str(value))
