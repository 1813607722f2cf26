"""The Odoo side of the sync mapping: calendar.event <-> NeutralEvent.

``_ccs_to_neutral`` reads an event; ``_ccs_values_from_neutral`` gives the vals that make an
event whose ``_ccs_to_neutral`` has the same ``sync_hash`` (the organizer aside when it is not
an Odoo user). The engine calls both; neither calls a provider. The series' rule is mapped
in ``calendar_event_recurrence.py``.
"""

import dataclasses
from collections import defaultdict
from datetime import UTC, datetime, time, timedelta

from lxml import html as lxml_html
from markupsafe import Markup, escape

from odoo import Command, api, fields, models
from odoo.tools import email_normalize, html2plaintext, is_html_empty

from ..lib.params import get_param
from ..services.neutral import Attendee, NeutralEvent
from ..services.timezones import known_zone, same_instants_label
from .calendar_event_recurrence import WEEKDAY_FIELDS

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
# the online meeting each provider can hold
MEETING_OF_PROVIDER = {"google": "google_meet", "microsoft": "teams"}
# Odoo keeps all-day events at 08:00-18:00 of their dates (calendar.event._inverse_dates).
ALLDAY_START = time(8)
ALLDAY_STOP = time(18)


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


class CalendarEvent(models.Model):
    _inherit = "calendar.event"

    # Changes to these fields change the event's neutral form, so they must be pushed.
    CCS_SYNCED_FIELDS = frozenset(
        (
            "name start stop allday start_date stop_date event_tz cloud_sync_tz description"
            " location partner_ids user_id privacy show_as active online_meeting_provider"
            " recurrency recurrence_id rrule rrule_type interval count end_type until month_by"
            " day byday weekday ccs_week_start ccs_month_end " + " ".join(WEEKDAY_FIELDS)
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
        return next((name for name in candidates if known_zone(name)), "UTC")

    def _ccs_keep_zone_label(self, neutral):
        """``neutral`` with this event's own zone label when the provider gave back another
        name for the same instants (Graph holds one Windows id for several IANA zones)."""
        own = self._ccs_timezone() if self else ""
        if own and own != neutral.timezone:
            if same_instants_label(own) == same_instants_label(neutral.timezone):
                return dataclasses.replace(neutral, timezone=own)
        return neutral

    def _ccs_to_neutral(self):
        """This event as a NeutralEvent (its series' rule only on the series' base event)."""
        self.ensure_one()
        tz = self._ccs_timezone()
        if self.allday:
            start = self.start_date or self.start.date()
            end = (self.stop_date or self.stop.date()) + timedelta(days=1)
        else:
            start, end = self.start.replace(tzinfo=UTC), self.stop.replace(tzinfo=UTC)
        start, end = self._ccs_series_start(start, end)
        organizer_email = self.user_id.email_normalized or ""
        # Odoo's own video call (Discuss) is no provider's meeting
        provider = self.online_meeting_provider or "none"
        if provider not in MEETING_URL_FIELDS:
            provider = "none"
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

    def _ccs_series_start(self, start, end):
        """A series starts at its first slot, also when Odoo removed the events of its first
        slots (archived, kept as EXDATEs) and moved its base to a later one."""
        recurrence = self.recurrence_id
        if not recurrence or recurrence.base_event_id != self:
            return start, end
        earlier = self.with_context(active_test=False).search(
            [
                ("recurrence_id", "=", recurrence.id),
                ("active", "=", False),
                ("follow_recurrence", "=", True),
                ("start", "<", self.start),
            ],
            order="start",
            limit=1,
        )
        if not earlier:
            return start, end
        shift = earlier.start - self.start
        if self.allday:
            days = timedelta(days=(earlier.start.date() - self.start.date()).days)
            return start + days, end + days
        return start + shift, end + shift

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
            **self._ccs_meeting_values(neutral, account),
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

    def _ccs_meeting_values(self, neutral, account=None):
        provider, url = neutral.online_meeting_provider, neutral.online_meeting_url
        current = self.online_meeting_provider if self else "none"
        carried = MEETING_OF_PROVIDER.get(account.provider) if account else None
        if provider == "none" and current not in ("none", False, carried) and account:
            # a meeting this provider cannot hold (Teams on Google): its "none" is no change
            return {}
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
