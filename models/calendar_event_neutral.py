"""The Odoo side of the sync mapping: calendar.event <-> NeutralEvent.

``_ccs_to_neutral`` reads an event; ``_ccs_values_from_neutral`` gives the vals that make an
event whose ``_ccs_to_neutral`` has the same ``sync_hash`` (the organizer aside when it is not
an Odoo user). The engine calls both; neither calls a provider.
"""

import re
import zoneinfo
from collections import defaultdict
from datetime import UTC, datetime, time, timedelta

from lxml import html as lxml_html
from markupsafe import Markup, escape

from odoo import Command, api, fields, models
from odoo.tools import email_normalize, html2plaintext, is_html_empty

from odoo.addons.calendar.models.calendar_event import get_weekday_occurence
from odoo.addons.calendar.models.calendar_recurrence import MAX_RECURRENT_EVENT

from ..services.neutral import Attendee, NeutralEvent
from .params import get_param

RESPONSE_TO_NEUTRAL = {
    "needsAction": "needs_action",
    "accepted": "accepted",
    "declined": "declined",
    "tentative": "tentative",
}
RESPONSE_FROM_NEUTRAL = {value: key for key, value in RESPONSE_TO_NEUTRAL.items()}
# Odoo's "only internal users" has no provider equivalent; private is the closest.
PRIVACY_TO_NEUTRAL = {"public": "public", "private": "private", "confidential": "private"}
PRIVACY_FROM_NEUTRAL = {"default": False, "public": "public", "private": "private"}
MEETING_URL_FIELDS = {"google_meet": "google_meet_url", "teams": "teams_join_url"}
WEEKDAY_FIELDS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
RRULE_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
FREQ_TO_ODOO = {"DAILY": "daily", "WEEKLY": "weekly", "MONTHLY": "monthly", "YEARLY": "yearly"}
ODOO_BYDAY = ("1", "2", "3", "4", "-1")
# The RRULE parts calendar.recurrence can hold, by frequency (WKST: Odoo uses the language's).
COMMON_RRULE_PARTS = {"FREQ", "INTERVAL", "COUNT", "UNTIL", "WKST"}
RRULE_PARTS = {
    "DAILY": {"BYDAY"},
    "WEEKLY": {"BYDAY"},
    "MONTHLY": {"BYDAY", "BYMONTHDAY", "BYSETPOS"},
    "YEARLY": {"BYMONTH", "BYMONTHDAY"},
}
# Odoo keeps all-day events at 08:00-18:00 of their dates (calendar.event._inverse_dates).
ALLDAY_START = time(8)
ALLDAY_STOP = time(18)


class UnsupportedRecurrence(ValueError):
    """A provider's recurrence that Odoo's calendar.recurrence cannot represent."""


def text_to_html(text):
    """Plain text as Html that ``html_to_text`` reads back to the same text."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        return False
    return Markup("<p>%s</p>") % Markup("<br>").join(escape(line) for line in text.split("\n"))


def html_to_text(value):
    """Html as plain text: exact for what ``text_to_html`` writes, html2plaintext otherwise."""
    if not value or is_html_empty(value):
        return ""
    fragment = lxml_html.fragment_fromstring(str(value), create_parent="div")
    paragraphs = list(fragment)
    # html2plaintext collapses blank lines and repeated spaces: not for text we wrote ourselves
    if (
        len(paragraphs) == 1
        and paragraphs[0].tag == "p"
        and not (fragment.text or "").strip()
        and not (paragraphs[0].tail or "").strip()
        and all(child.tag == "br" and not len(child) for child in paragraphs[0])
    ):
        paragraph = paragraphs[0]
        return (paragraph.text or "") + "".join("\n" + (br.tail or "") for br in paragraph)
    return html2plaintext(value)


def _zone(name):
    try:
        return name and zoneinfo.ZoneInfo(name) and name
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False


def _until_text(until, all_day, tz):
    if all_day:
        return until.strftime("%Y%m%d")
    # Odoo's until is the last local day, inclusive; RFC 5545 wants UTC for timed events
    end_of_day = datetime.combine(until, time(23, 59, 59), tzinfo=zoneinfo.ZoneInfo(tz))
    return end_of_day.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _parse_moment(text, tz):
    """An RFC 5545 DATE or DATE-TIME value: a date, or an aware UTC datetime."""
    text = text.strip().upper()
    try:
        if len(text) == 8:
            return datetime.strptime(text, "%Y%m%d").date()
        moment = datetime.strptime(text.rstrip("Z"), "%Y%m%dT%H%M%S")
    except ValueError:
        raise UnsupportedRecurrence(f"{text!r} is not an RFC 5545 date or date-time") from None
    zone = UTC if text.endswith("Z") else zoneinfo.ZoneInfo(tz)
    return moment.replace(tzinfo=zone).astimezone(UTC)


def _local_date(moment, tz):
    if isinstance(moment, datetime):
        return moment.astimezone(zoneinfo.ZoneInfo(tz)).date()
    return moment


def _property(line):
    name, _sep, value = line.partition(":")
    head, *params = name.split(";")
    options = {}
    for param in params:
        key, _eq, param_value = param.partition("=")
        options[key.strip().upper()] = param_value.strip()
    return head.strip().upper(), options, value.strip()


def _rrule_parts(value):
    parts = {}
    for item in value.split(";"):
        key, _eq, part_value = item.partition("=")
        key = key.strip().upper()
        if key and not key.startswith("X-"):
            parts[key] = part_value.strip().upper()
    return parts


def _weekday_recurrence_values(parts, local_start):
    """BYDAY of a weekly rule as Odoo's weekday flags (the start's weekday when absent)."""
    days = [day for day in parts.get("BYDAY", "").split(",") if day]
    if any(day not in RRULE_DAYS for day in days):
        raise UnsupportedRecurrence(f"weekly BYDAY={parts['BYDAY']} has positions Odoo lacks")
    days = days or [RRULE_DAYS[local_start.weekday()]]
    return {field: RRULE_DAYS[index] in days for index, field in enumerate(WEEKDAY_FIELDS)}


def _monthly_recurrence_values(parts, local_start):
    if "BYMONTHDAY" in parts and "BYDAY" in parts:
        raise UnsupportedRecurrence("Odoo repeats monthly by a date or by a weekday, not both")
    if "BYMONTHDAY" in parts:
        day = parts["BYMONTHDAY"]
        if not day.isdigit() or not 1 <= int(day) <= 31:
            raise UnsupportedRecurrence(f"monthly BYMONTHDAY={day} is not one day 1..31")
        return {"month_by": "date", "day": int(day)}
    if "BYDAY" not in parts:
        return {"month_by": "date", "day": local_start.day}
    match = re.fullmatch(r"([+-]?\d)?(MO|TU|WE|TH|FR|SA|SU)", parts["BYDAY"])
    position = match and (match.group(1) or parts.get("BYSETPOS", "")).lstrip("+")
    if not match or position not in ODOO_BYDAY:
        raise UnsupportedRecurrence(f"monthly BYDAY={parts['BYDAY']} is not one Odoo position")
    weekday = WEEKDAY_FIELDS[RRULE_DAYS.index(match.group(2))].upper()
    return {"month_by": "day", "byday": position, "weekday": weekday}


class CalendarEvent(models.Model):
    _inherit = "calendar.event"

    # Changes to these fields change the event's neutral form, so they must be pushed.
    CCS_SYNCED_FIELDS = frozenset(
        (
            "name start stop allday start_date stop_date event_tz cloud_sync_tz description"
            " location partner_ids user_id privacy show_as active online_meeting_provider"
            " recurrency recurrence_id rrule rrule_type interval count end_type until month_by"
            " day byday weekday " + " ".join(WEEKDAY_FIELDS)
        ).split()
    )

    # Odoo keeps a zone only on recurrences; a single event pulled in its own zone keeps it here.
    cloud_sync_tz = fields.Char(
        "Synced Time Zone", help="Time zone label of the event on the provider (IANA name)."
    )

    # what the provider says the event is beyond a meeting; set by the provider only
    cloud_event_type = fields.Selection(
        [
            ("default", "Event"),
            ("out_of_office", "Out of office"),
            ("focus_time", "Focus time"),
            ("working_location", "Working location"),
            ("birthday", "Birthday"),
            ("from_gmail", "From Gmail"),
        ],
        "Provider Event Type",
        default="default",
        readonly=True,
        copy=False,
        help="Out of office, focus time, working location, birthday or an event Gmail made: "
        "the provider keeps some of its fields as they are.",
    )
    cloud_attendees_omitted = fields.Boolean(
        "Guest List Partial",
        readonly=True,
        copy=False,
        help="The provider showed only some of the guests: answers never remove the others.",
    )

    @api.model
    def _ccs_type_label(self, event_type):
        """What an untitled event of that type is called; None for a plain event."""
        if (event_type or "default") == "default":
            return None
        return dict(self._fields["cloud_event_type"]._description_selection(self.env))[event_type]

    def _ccs_timezone(self):
        candidates = (self.recurrence_id.event_tz, self.cloud_sync_tz, self.user_id.tz)
        return next((name for name in candidates if _zone(name)), "UTC")

    def _ccs_to_neutral(self):
        """This event as a NeutralEvent (its series' rule only on the series' base event)."""
        self.ensure_one()
        tz = self._ccs_timezone()
        if self.allday:
            start = self.start_date or self.start.date()
            end = (self.stop_date or self.stop.date()) + timedelta(days=1)
        else:
            start, end = self.start.replace(tzinfo=UTC), self.stop.replace(tzinfo=UTC)
        organizer_email = self.user_id.email_normalized or ""
        provider = self.online_meeting_provider or "none"
        url_field = MEETING_URL_FIELDS.get(provider)
        return NeutralEvent(
            title=""
            if self.name in (self.env._("(No title)"), self._ccs_type_label(self.cloud_event_type))
            else self.name or "",
            start=start,
            end=end,
            all_day=self.allday,
            timezone=tz,
            description=html_to_text(self.description),
            location=self.location or "",
            attendees=self._ccs_neutral_attendees(organizer_email),
            organizer_email=organizer_email,
            recurrence=self._ccs_recurrence_lines(tz),
            status="confirmed" if self.active else "cancelled",
            show_as=self.show_as or "busy",
            privacy=PRIVACY_TO_NEUTRAL.get(self.privacy, "default"),
            online_meeting_provider=provider,
            online_meeting_url=(url_field and self[url_field]) or "",
            event_type=self.cloud_event_type or "default",
            attendees_omitted=self.cloud_attendees_omitted,
        )

    def _ccs_neutral_attendees(self, organizer_email):
        attendees = []
        for attendee in self.attendee_ids:
            partner = attendee.partner_id
            email = partner.email_normalized or (partner.email or "").strip().lower()
            if not email:
                continue
            name = partner.name or ""
            attendees.append(
                Attendee(
                    email=email,
                    # a contact named after its address has no name worth sending
                    name="" if name.strip().lower() == email else name,
                    response=RESPONSE_TO_NEUTRAL.get(attendee.state, "needs_action"),
                    organizer=bool(organizer_email) and email == organizer_email,
                )
            )
        # The organizer alone is Odoo's personal event: a provider event without guests.
        if len(attendees) == 1 and attendees[0].organizer:
            return ()
        return tuple(attendees)

    def _ccs_recurrence_lines(self, tz):
        recurrence = self.recurrence_id
        if not recurrence or recurrence.base_event_id != self or not recurrence.rrule_type:
            return ()
        parts = {}
        if recurrence.interval and recurrence.interval != 1:
            parts["INTERVAL"] = str(recurrence.interval)
        if recurrence.rrule_type == "weekly":
            days = [RRULE_DAYS[i] for i, field in enumerate(WEEKDAY_FIELDS) if recurrence[field]]
            parts["BYDAY"] = ",".join(days)
        elif recurrence.rrule_type == "monthly" and recurrence.month_by == "day":
            parts["BYDAY"] = f"{recurrence.byday}{recurrence.weekday[:2]}"
        elif recurrence.rrule_type == "monthly":
            parts["BYMONTHDAY"] = str(recurrence.day)
        # Odoo keeps "forever" as its largest count (it rewrites the rule with it): no end
        if recurrence.end_type == "count" and recurrence.count < MAX_RECURRENT_EVENT:
            parts["COUNT"] = str(recurrence.count)
        elif recurrence.end_type == "end_date" and recurrence.until:
            parts["UNTIL"] = _until_text(recurrence.until, self.allday, tz)
        # FREQ first, then the other parts by name: one text per rule, whatever wrote it
        rule = f"FREQ={recurrence.rrule_type.upper()}"
        rule += "".join(f";{key}={parts[key]}" for key in sorted(parts))
        return (f"RRULE:{rule}", *self._ccs_exdate_lines(recurrence))

    def _ccs_exdate_lines(self, recurrence):
        """Occurrences removed from the series: Odoo archives them and keeps their slot."""
        removed = self.with_context(active_test=False).search(
            [
                ("recurrence_id", "=", recurrence.id),
                ("active", "=", False),
                ("follow_recurrence", "=", True),
            ]
        )
        lines = []
        for event in removed:
            if self.allday:
                lines.append(f"EXDATE;VALUE=DATE:{event.start.date().strftime('%Y%m%d')}")
            else:
                lines.append(f"EXDATE:{event.start.strftime('%Y%m%dT%H%M%SZ')}")
        return lines

    @api.model
    def _ccs_recurrence_exdates(self, neutral):
        """The EXDATEs of ``neutral``: dates (all-day) or aware UTC datetimes, sorted."""
        found = set()
        for line in neutral.recurrence:
            name, options, value = _property(line)
            if name != "EXDATE":
                continue
            tz = _zone(options.get("TZID")) or neutral.timezone
            for item in filter(None, value.split(",")):
                moment = _parse_moment(item, tz)
                found.add(_local_date(moment, neutral.timezone) if neutral.all_day else moment)
        return sorted(found, key=lambda moment: (isinstance(moment, datetime), moment))

    @api.model
    def _ccs_recurrence_values_from_neutral(self, neutral):
        """Odoo's recurrence fields for the RRULE of ``neutral``; {} when it has none."""
        rules = [line for line in neutral.recurrence if _property(line)[0] == "RRULE"]
        others = {_property(line)[0] for line in neutral.recurrence} - {"RRULE", "EXDATE"}
        if others or len(rules) > 1:
            raise UnsupportedRecurrence(
                f"Odoo keeps one RRULE (and EXDATEs) per series, not {neutral.recurrence}"
            )
        if not rules:
            return {}
        parts = _rrule_parts(_property(rules[0])[2])
        freq = parts.get("FREQ")
        unknown = set(parts) - COMMON_RRULE_PARTS - RRULE_PARTS.get(freq, set())
        if unknown or freq not in FREQ_TO_ODOO:
            raise UnsupportedRecurrence(f"{rules[0]} uses {sorted(unknown) or freq}")
        tz = neutral.timezone
        local_start = _local_date(neutral.start, tz)
        if freq == "DAILY" and "BYDAY" in parts and parts.get("INTERVAL", "1") == "1":
            freq = "WEEKLY"
        values = {
            "recurrency": True,
            "event_tz": tz,
            "rrule_type": FREQ_TO_ODOO[freq],
            "interval": int(parts.get("INTERVAL") or 1),
            "end_type": "forever",
            "count": 1,
            "until": False,
            **dict.fromkeys(WEEKDAY_FIELDS, False),
            "month_by": "date",
            "day": local_start.day,
            "weekday": WEEKDAY_FIELDS[local_start.weekday()].upper(),
            "byday": str(get_weekday_occurence(local_start)),
        }
        if "COUNT" in parts:
            values.update(end_type="count", count=int(parts["COUNT"]))
        elif "UNTIL" in parts:
            until = _local_date(_parse_moment(parts["UNTIL"], tz), tz)
            values.update(end_type="end_date", until=until)
        if freq == "WEEKLY":
            values.update(_weekday_recurrence_values(parts, local_start))
        elif freq == "MONTHLY":
            values.update(_monthly_recurrence_values(parts, local_start))
        elif freq == "YEARLY":
            month, day = parts.get("BYMONTH"), parts.get("BYMONTHDAY")
            if (month and month != str(local_start.month)) or (day and day != str(local_start.day)):
                raise UnsupportedRecurrence(f"{rules[0]}: Odoo repeats yearly on the start date")
        elif "BYDAY" in parts:
            raise UnsupportedRecurrence(f"{rules[0]}: Odoo cannot filter days of a daily rule")
        return values

    def _ccs_values_from_neutral(self, neutral, account):
        """calendar.event vals (create, or write on ``self``) that give back ``neutral``."""
        if self:
            self.ensure_one()
        organizer = self._ccs_organizer_user(neutral.organizer_email, account)
        values = {
            "name": neutral.title
            or self._ccs_type_label(neutral.event_type)
            or self.env._("(No title)"),
            "cloud_event_type": neutral.event_type,
            "cloud_attendees_omitted": neutral.attendees_omitted,
            "allday": neutral.all_day,
            "cloud_sync_tz": neutral.timezone,
            "description": text_to_html(neutral.description),
            "location": neutral.location or False,
            "privacy": PRIVACY_FROM_NEUTRAL[neutral.privacy],
            "show_as": neutral.show_as,
            "active": neutral.status != "cancelled",
            "user_id": organizer.id,
            **self._ccs_when_values(neutral),
            **self._ccs_meeting_values(neutral),
            **self._ccs_recurrence_values_from_neutral(neutral),
        }
        partner_ids = self._ccs_partners_for_attendees(neutral.attendees, account)
        if not neutral.attendees and organizer:
            partner_ids = [organizer.partner_id.id]
        commands = self._ccs_partner_commands(partner_ids)
        if commands:
            values["partner_ids"] = commands
        return values

    @api.model
    def _ccs_when_values(self, neutral):
        if neutral.all_day:
            last_day = neutral.end - timedelta(days=1)
            return {
                "start": datetime.combine(neutral.start, ALLDAY_START),
                "stop": datetime.combine(last_day, ALLDAY_STOP),
                "start_date": neutral.start,
                "stop_date": last_day,
            }
        return {
            "start": neutral.start.astimezone(UTC).replace(tzinfo=None),
            "stop": neutral.end.astimezone(UTC).replace(tzinfo=None),
        }

    def _ccs_meeting_values(self, neutral):
        provider, url = neutral.online_meeting_provider, neutral.online_meeting_url
        values = {"online_meeting_provider": provider}
        for other, field in MEETING_URL_FIELDS.items():
            if other != provider and self[field]:
                values[field] = False
                if self.videocall_location == self[field]:
                    values["videocall_location"] = False
        if url and provider in MEETING_URL_FIELDS:
            values.update({MEETING_URL_FIELDS[provider]: url, "videocall_location": url})
        return values

    @api.model
    def _ccs_organizer_user(self, email, account):
        users = self.env["res.users"].sudo()
        email = (email or "").strip().lower()
        if not email:
            return users
        if account.user_id.email_normalized == email:
            return account.user_id
        cache = self.env.context.get("ccs_lookup_cache")
        if cache is not None and ("user", email) in cache:
            user = users.browse(cache["user", email])
        else:
            user = users.search([("email_normalized", "=", email)], order="share, id", limit=1)
            if cache is not None:
                cache["user", email] = user.id
        if user:
            return user
        if email == (account.remote_email or "").strip().lower():
            return account.user_id
        return users

    @api.model
    def _ccs_partners_for_attendees(self, attendees, account):
        """Partner ids for the attendees, in order; unknown addresses become new partners."""
        if not attendees:
            return []
        partners = self.env["res.partner"].sudo().with_context(active_test=False)
        keys = {
            attendee.email: email_normalize(attendee.email) or attendee.email
            for attendee in attendees
        }
        # an import resolves every address of its change set at once (see _ccs_prefetch_partners)
        cache = self.env.context.get("ccs_lookup_cache")
        if cache is not None and all(("partner", key) in cache for key in keys.values()):
            return list(dict.fromkeys(cache["partner", keys[a.email]] for a in attendees))
        found = partners.search(
            ["|", ("email_normalized", "in", list(keys.values())), ("email", "in", list(keys))]
        )
        company = account.company_id

        def preference(partner):
            if partner.company_id == company:
                company_rank = 0
            else:
                company_rank = 2 if partner.company_id else 1
            return (not partner.active, company_rank, partner.id)

        by_key = {}
        for partner in found.sorted(preference):
            by_key.setdefault(partner.email_normalized or partner.email.strip().lower(), partner.id)
        missing = [attendee for attendee in attendees if keys[attendee.email] not in by_key]
        if missing:
            active = get_param(self.env, "create_unknown_partners") not in ("", "0", "False")
            created = partners.create(
                [
                    {
                        "name": attendee.name or attendee.email,
                        "email": attendee.email,
                        "active": active,
                    }
                    for attendee in missing
                ]
            )
            for attendee, partner in zip(missing, created, strict=True):
                by_key[keys[attendee.email]] = partner.id
        if cache is not None:
            cache.update({("partner", key): pid for key, pid in by_key.items()})
        return list(dict.fromkeys(by_key[keys[attendee.email]] for attendee in attendees))

    def _ccs_partner_commands(self, partner_ids):
        if not self:
            return [Command.set(partner_ids)]
        # attendee_ids, not partner_ids: archived partners are attendees partner_ids hides
        current = self.attendee_ids.partner_id.ids
        return [Command.unlink(pid) for pid in current if pid not in partner_ids] + [
            Command.link(pid) for pid in partner_ids if pid not in current
        ]

    def _ccs_apply_attendee_states(self, neutral):
        """Set each attendee's answer to the one in ``neutral`` (one NeutralEvent for all of
        ``self``, or a list with one per event, for a batch); one write per answer."""
        neutrals = neutral if isinstance(neutral, list) else [neutral] * len(self)
        by_state = defaultdict(lambda: self.env["calendar.attendee"])
        for event, event_neutral in zip(self, neutrals, strict=True):
            responses = {attendee.email: attendee.response for attendee in event_neutral.attendees}
            organizer_partner = event.user_id.partner_id
            for attendee in event.attendee_ids:
                partner = attendee.partner_id
                email = partner.email_normalized or (partner.email or "").strip().lower()
                response = responses.get(email)
                if response is None and not responses and partner == organizer_partner:
                    response = "accepted"
                state = RESPONSE_FROM_NEUTRAL.get(response)
                if state and attendee.state != state:
                    by_state[state] |= attendee
        for state, attendees in by_state.items():
            attendees.write({"state": state})
