import dataclasses
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from odoo.tests import TransactionCase, new_test_user, tagged

from ..services.neutral import Attendee, NeutralEvent, canonical, sync_hash
from ..services.rrule import UnsupportedRecurrence

BRUSSELS = ZoneInfo("Europe/Brussels")
NEW_YORK = ZoneInfo("America/New_York")
ALICE = "alice@example.com"


def at(year, month, day, hour, minute=0, zone=BRUSSELS):
    return datetime(year, month, day, hour, minute, tzinfo=zone)


@tagged("post_install", "-at_install")
class TestEventNeutral(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, no_mail_to_attendees=True))
        cls.Event = cls.env["calendar.event"]
        cls.user = new_test_user(
            cls.env,
            "ccs_nm_alice",
            groups="base.group_user",
            name="Alice",
            email=ALICE,
            tz="Europe/Brussels",
        )
        cls.account = cls.env["calendar.sync.account"].create(
            {"user_id": cls.user.id, "provider": "google", "remote_email": "alice.g@gmail.com"}
        )
        cls.bob = cls.env["res.partner"].create({"name": "Bob", "email": "Bob@Example.com"})

    def neutral(self, **values):
        fields = {
            "title": "Budget review",
            "start": at(2030, 5, 6, 9),
            "end": at(2030, 5, 6, 10),
            "all_day": False,
            "timezone": "Europe/Brussels",
            "organizer_email": ALICE,
            "attendees": (
                Attendee(ALICE, "Alice", "accepted", organizer=True),
                Attendee("bob@example.com", "Bob"),
            ),
            **values,
        }
        return NeutralEvent(**fields)

    def create_from(self, neutral):
        event = self.Event.create(self.Event._ccs_values_from_neutral(neutral, self.account))
        event._ccs_apply_attendee_states(neutral)
        return event

    def write_from(self, event, neutral):
        # Odoo resets the organizer's answer when someone else moves the event: answers go last
        event.write(event._ccs_values_from_neutral(neutral, self.account))
        event._ccs_apply_attendee_states(neutral)

    def assertRoundTrip(self, neutral, event=None):
        event = event or self.create_from(neutral)
        back = event._ccs_to_neutral()
        self.assertEqual(canonical(back), canonical(neutral))
        self.assertEqual(sync_hash(back), sync_hash(neutral))
        return event

    def test_timed_events_across_dst_keep_instants_and_zone_label(self):
        for zone, day in ((BRUSSELS, 30), (NEW_YORK, 9)):
            with self.subTest(zone=str(zone)):
                neutral = self.neutral(
                    start=at(2030, 3, day, 22, zone=zone),
                    end=at(2030, 3, day + 1, 10, zone=zone),
                    timezone=str(zone),
                )
                event = self.assertRoundTrip(neutral)
                self.assertFalse(event.allday)
                self.assertEqual(event.start, neutral.start.astimezone(UTC).replace(tzinfo=None))
                # 12 hours of wall clock, 11 real hours: the night the clocks go forward
                self.assertEqual(event.stop - event.start, timedelta(hours=11))
                self.assertEqual(event._ccs_to_neutral().timezone, str(zone))

    def test_all_day_events_use_an_exclusive_end(self):
        cases = [(date(2030, 7, 14), date(2030, 7, 15)), (date(2030, 12, 24), date(2030, 12, 27))]
        for start, end in cases:
            with self.subTest(start=start, end=end):
                neutral = self.neutral(start=start, end=end, all_day=True)
                event = self.assertRoundTrip(neutral)
                self.assertTrue(event.allday)
                self.assertEqual(event.start_date, start)
                self.assertEqual((event.stop_date - start).days, (end - start).days - 1)

    def test_timed_event_rewritten_as_all_day(self):
        event = self.create_from(self.neutral())
        neutral = self.neutral(start=date(2030, 5, 6), end=date(2030, 5, 8), all_day=True)
        self.write_from(event, neutral)
        self.assertRoundTrip(neutral, event)
        self.assertEqual(event.stop_date, date(2030, 5, 7))

    def test_every_attendee_answer_round_trips(self):
        answers = ("needs_action", "accepted", "declined", "tentative")
        guests = tuple(
            Attendee(f"guest{i}@example.com", f"Guest {i}", answer)
            for i, answer in enumerate(answers)
        )
        neutral = self.neutral(attendees=(Attendee(ALICE, "Alice", "declined", True), *guests))
        event = self.assertRoundTrip(neutral)
        states = {a.partner_id.email: a.state for a in event.attendee_ids}
        self.assertEqual(
            states,
            {
                ALICE: "declined",
                "guest0@example.com": "needsAction",
                "guest1@example.com": "accepted",
                "guest2@example.com": "declined",
                "guest3@example.com": "tentative",
            },
        )

    def test_attendees_without_email_are_left_out(self):
        nobody = self.env["res.partner"].create({"name": "No Mail"})
        event = self.create_from(self.neutral())
        event.write({"partner_ids": [(4, nobody.id)]})
        emails = [a.email for a in event._ccs_to_neutral().attendees]
        self.assertEqual(emails, [ALICE, "bob@example.com"])

    def test_known_email_reuses_the_partner_whatever_its_case(self):
        partners_before = self.env["res.partner"].with_context(active_test=False).search_count([])
        event = self.create_from(self.neutral())
        self.assertIn(self.bob, event.partner_ids)
        self.assertIn(self.user.partner_id, event.partner_ids)
        after = self.env["res.partner"].with_context(active_test=False).search_count([])
        self.assertEqual(after, partners_before)

    def test_unknown_email_is_an_archived_partner_unless_the_setting_is_on(self):
        for setting, active in (("", False), ("True", True)):
            with self.subTest(setting=setting):
                self.env["ir.config_parameter"].sudo().set_param(
                    "calendar_cloud_sync.create_unknown_partners", setting
                )
                email = f"stranger-{str(active).lower()}@example.org"
                neutral = self.neutral(attendees=(Attendee(email, "", "tentative"),))
                event = self.assertRoundTrip(neutral)
                partner = event.attendee_ids.partner_id
                self.assertEqual(
                    (partner.email, partner.name, partner.active), (email, email, active)
                )
                again = self.create_from(neutral)
                self.assertEqual(again.attendee_ids.partner_id, partner, "no duplicate contact")

    def test_partner_of_the_account_company_is_preferred(self):
        other_company = self.env["res.company"].create({"name": "Elsewhere"})
        partners = self.env["res.partner"].create(
            [
                {"name": "Carol", "email": "carol@example.com", "company_id": other_company.id},
                {
                    "name": "Carol",
                    "email": "carol@example.com",
                    "company_id": self.user.company_id.id,
                },
            ]
        )
        neutral = self.neutral(attendees=(Attendee("carol@example.com", "Carol"),))
        event = self.assertRoundTrip(neutral)
        self.assertEqual(event.attendee_ids.partner_id, partners[1])

    def test_partner_lookup_cost_does_not_grow_with_attendees(self):
        partners = self.env["res.partner"].create(
            [{"name": f"Guest {i}", "email": f"g{i}@example.com"} for i in range(30)]
        )

        def queries_for(count):
            attendees = tuple(Attendee(p.email, p.name) for p in partners[:count])
            neutral = self.neutral(attendees=attendees)
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            values = self.Event._ccs_values_from_neutral(neutral, self.account)
            return self.env.cr.sql_log_count - before, values

        queries_for(2)
        few, _values = queries_for(3)
        many, values = queries_for(30)
        self.assertEqual(many, few)
        self.assertLessEqual(many, 6)
        event = self.Event.create(values)
        self.assertEqual(event.partner_ids, partners)

    def test_privacy_both_ways(self):
        for odoo_value, neutral_value in (
            (False, "default"),
            ("public", "public"),
            ("private", "private"),
            ("confidential", "private"),
        ):
            with self.subTest(privacy=odoo_value):
                event = self.create_from(self.neutral())
                event.privacy = odoo_value
                self.assertEqual(event._ccs_to_neutral().privacy, neutral_value)
        for value in ("default", "public", "private"):
            with self.subTest(neutral=value):
                self.assertRoundTrip(self.neutral(privacy=value))

    def test_free_and_busy_round_trip(self):
        for value in ("free", "busy"):
            with self.subTest(show_as=value):
                event = self.assertRoundTrip(self.neutral(show_as=value))
                self.assertEqual(event.show_as, value)

    def test_meeting_links_land_in_videocall_location(self):
        meet = "https://meet.google.com/abc-defg-hij"
        teams = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_x"
        neutral = self.neutral(online_meeting_provider="google_meet", online_meeting_url=meet)
        event = self.assertRoundTrip(neutral)
        self.assertEqual((event.google_meet_url, event.videocall_location), (meet, meet))
        self.assertEqual(event._ccs_to_neutral().online_meeting_url, meet)

        neutral = self.neutral(online_meeting_provider="teams", online_meeting_url=teams)
        self.write_from(event, neutral)
        self.assertRoundTrip(neutral, event)
        self.assertEqual(
            (event.teams_join_url, event.google_meet_url, event.videocall_location),
            (teams, False, teams),
        )

        # Google cannot hold a Teams meeting: its "no meeting" leaves Odoo's Teams link alone
        self.write_from(event, self.neutral())
        self.assertEqual((event.teams_join_url, event.videocall_location), (teams, teams))
        # Outlook's "no meeting" removes it
        outlook = self.env["calendar.sync.account"].create(
            {"user_id": self.user.id, "provider": "microsoft"}
        )
        event.write(event._ccs_values_from_neutral(self.neutral(), outlook))
        self.assertEqual((event.teams_join_url, event.videocall_location), (False, False))
        self.assertEqual(event._ccs_to_neutral().online_meeting_provider, "none")

    def test_descriptions_keep_special_characters_and_blank_lines(self):
        texts = [
            'Agenda:\n\n  1. <b>budget</b> & "costs" <script>x</script>\n2. café — 日本',
            "a  b   c\n\n\n\nlast line\twith tab",
            "https://example.com/?a=1&b=2 and &amp; as typed",
        ]
        for text in texts:
            with self.subTest(text=text):
                event = self.assertRoundTrip(self.neutral(description=text))
                self.assertNotIn("<b>", event.description)
                self.assertNotIn("<script>", event.description)
                self.assertEqual(event._ccs_to_neutral().description, text)

    def test_description_written_in_odoo_becomes_plain_text(self):
        event = self.create_from(self.neutral())
        event.description = "<p>Hello <strong>team</strong></p><p>See you</p>"
        self.assertEqual(event._ccs_to_neutral().description, "Hello *team*\nSee you")

    def test_untitled_and_cancelled_events(self):
        event = self.assertRoundTrip(self.neutral(title="", status="cancelled"))
        self.assertTrue(event.name)
        self.assertFalse(event.active)

    def test_organizer_is_the_odoo_user_with_that_email(self):
        values = self.Event._ccs_values_from_neutral(self.neutral(), self.account)
        self.assertEqual(values["user_id"], self.user.id)
        erin = new_test_user(self.env, "ccs_nm_erin", email="Erin@Example.com", name="Erin")
        by_erin = self.neutral(
            organizer_email="erin@example.com",
            attendees=(
                Attendee("erin@example.com", "Erin", "accepted", True),
                Attendee("bob@example.com", "Bob", "declined"),
            ),
        )
        event = self.create_from(by_erin)
        self.assertEqual(event.user_id, erin)
        self.assertRoundTrip(by_erin, event)
        remote = self.neutral(organizer_email="alice.g@gmail.com", attendees=())
        values = self.Event._ccs_values_from_neutral(remote, self.account)
        self.assertEqual(values["user_id"], self.user.id, "the account's own provider address")
        outsider = self.neutral(
            organizer_email="dan@partner.example",
            attendees=(Attendee("dan@partner.example", "Dan", "accepted", True),),
        )
        event = self.create_from(outsider)
        self.assertFalse(event.user_id)
        # Odoo has no organizer outside its users: the rest of the event round-trips
        dan = dataclasses.replace(outsider.attendees[0], organizer=False)
        expected = dataclasses.replace(outsider, organizer_email="", attendees=(dan,))
        self.assertEqual(canonical(event._ccs_to_neutral()), canonical(expected))

    def test_event_without_guests_is_on_the_organizers_calendar(self):
        event = self.assertRoundTrip(self.neutral(attendees=()))
        self.assertEqual(event.partner_ids, self.user.partner_id)
        self.assertEqual(event.attendee_ids.state, "accepted")

    def test_rewriting_attendees_removes_archived_ones_without_duplicates(self):
        stranger = Attendee("stranger@example.org")
        first = self.neutral(attendees=(*self.neutral().attendees, stranger))
        event = self.create_from(first)
        stranger_partner = event.attendee_ids.partner_id.filtered(
            lambda p: p.email == stranger.email
        )
        self.assertFalse(stranger_partner.active)
        self.write_from(event, first)
        self.assertEqual(len(event.attendee_ids), 3, "the archived partner is not added twice")
        second = self.neutral(attendees=(Attendee("bob@example.com", "Bob", "accepted"),))
        self.write_from(event, second)
        self.assertRoundTrip(second, event)
        self.assertEqual(event.attendee_ids.partner_id, self.bob)

    def test_recurrences_round_trip(self):
        cases = [
            (at(2030, 3, 18, 9), "RRULE:FREQ=WEEKLY;BYDAY=MO,WE;COUNT=6", "Europe/Brussels"),
            (
                at(2030, 2, 15, 10, zone=NEW_YORK),
                "RRULE:FREQ=MONTHLY;BYMONTHDAY=15;COUNT=3",
                "America/New_York",
            ),
            (at(2030, 1, 25, 14), "RRULE:FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20301231T225959Z", None),
            (at(2030, 2, 12, 8), "RRULE:FREQ=MONTHLY;BYDAY=2TU;COUNT=4;INTERVAL=2", None),
            (at(2030, 6, 1, 12), "RRULE:FREQ=YEARLY;COUNT=3", None),
            (at(2030, 3, 29, 7), "RRULE:FREQ=DAILY;INTERVAL=2;UNTIL=20300410T215959Z", None),
        ]
        for start, rule, zone in cases:
            with self.subTest(rule=rule):
                neutral = self.neutral(
                    start=start,
                    end=start.replace(hour=start.hour + 1),
                    timezone=zone or "Europe/Brussels",
                    recurrence=(rule,),
                )
                event = self.assertRoundTrip(neutral)
                self.assertEqual(event.recurrence_id.base_event_id, event)
                occurrences = event.recurrence_id.calendar_event_ids - event
                self.assertTrue(occurrences)
                self.assertEqual(occurrences.mapped("recurrence_id"), event.recurrence_id)
                self.assertEqual(occurrences[0]._ccs_to_neutral().recurrence, ())

    def test_weekly_series_across_dst_keeps_wall_clock_time(self):
        rule = "RRULE:FREQ=WEEKLY;BYDAY=MO,WE;COUNT=6"
        neutral = self.neutral(
            start=at(2030, 3, 18, 9), end=at(2030, 3, 18, 10), recurrence=(rule,)
        )
        event = self.create_from(neutral)
        self.assertEqual(
            (event.recurrence_id.rrule_type, event.recurrence_id.mon, event.recurrence_id.wed),
            ("weekly", True, True),
        )
        starts = sorted(event.recurrence_id.calendar_event_ids.mapped("start"))
        local = [s.replace(tzinfo=UTC).astimezone(BRUSSELS) for s in starts]
        self.assertEqual(len(starts), 6)
        self.assertEqual({moment.time() for moment in local}, {time(9)})
        self.assertEqual({s.hour for s in starts}, {7, 8}, "UTC hour moves with DST")

    def test_all_day_series_with_until_date(self):
        rule = "RRULE:FREQ=WEEKLY;BYDAY=FR;UNTIL=20300426"
        neutral = self.neutral(
            start=date(2030, 4, 5), end=date(2030, 4, 6), all_day=True, recurrence=(rule,)
        )
        event = self.assertRoundTrip(neutral)
        self.assertEqual(len(event.recurrence_id.calendar_event_ids), 4)
        self.assertEqual(event.recurrence_id.until, date(2030, 4, 26))

    def test_equivalent_rule_spellings_give_the_same_series(self):
        canonical_rule = self.neutral(recurrence=("RRULE:FREQ=WEEKLY;BYDAY=MO,WE;COUNT=5",))
        spelled = self.neutral(recurrence=("RRULE:WKST=SU;COUNT=5;BYDAY=MO,WE;FREQ=WEEKLY",))
        self.assertEqual(
            self.Event._ccs_recurrence_values_from_neutral(canonical_rule),
            self.Event._ccs_recurrence_values_from_neutral(spelled),
        )
        second_tuesday = self.neutral(start=at(2030, 2, 12, 8), end=at(2030, 2, 12, 9))
        by_position = [
            self.Event._ccs_recurrence_values_from_neutral(
                dataclasses.replace(second_tuesday, recurrence=(rule,))
            )
            for rule in ("RRULE:FREQ=MONTHLY;BYDAY=2TU", "RRULE:FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2")
        ]
        self.assertEqual(by_position[0], by_position[1])
        self.assertEqual((by_position[0]["byday"], by_position[0]["weekday"]), ("2", "TUE"))
        forever = self.neutral(recurrence=("RRULE:FREQ=WEEKLY",))
        values = self.Event._ccs_recurrence_values_from_neutral(forever)
        self.assertEqual(
            (values["end_type"], values["mon"], values["tue"]), ("forever", True, False)
        )

    def test_unsupported_rules_are_refused_not_dropped(self):
        for lines in (
            ("RRULE:FREQ=MONTHLY;BYMONTHDAY=-2",),
            ("RRULE:FREQ=MONTHLY;BYMONTHDAY=15,-1;BYSETPOS=1",),
            ("RRULE:FREQ=HOURLY",),
            ("RRULE:FREQ=MONTHLY;BYDAY=5MO",),
            ("RRULE:FREQ=WEEKLY;BYDAY=MO", "RDATE:20300601T090000Z"),
            ("RRULE:FREQ=WEEKLY;BYDAY=MO;BYSETPOS=1",),
            ("RRULE:FREQ=MONTHLY;BYDAY=MO;BYMONTHDAY=13",),
            ("RRULE:FREQ=DAILY;INTERVAL=2;BYDAY=MO",),
            ("RRULE:FREQ=WEEKLY;UNTIL=2030-06-01",),
        ):
            with self.subTest(lines=lines), self.assertRaises(UnsupportedRecurrence):
                self.Event._ccs_values_from_neutral(self.neutral(recurrence=lines), self.account)

    def test_removed_occurrences_become_exdates(self):
        lines = (
            "RRULE:FREQ=WEEKLY;BYDAY=MO,WE;COUNT=6",
            "EXDATE;TZID=Europe/Brussels:20300401T090000",
        )
        neutral = self.neutral(start=at(2030, 3, 18, 9), end=at(2030, 3, 18, 10), recurrence=lines)
        exdates = self.Event._ccs_recurrence_exdates(neutral)
        self.assertEqual(exdates, [datetime(2030, 4, 1, 7, tzinfo=UTC)])
        event = self.create_from(neutral)
        series = event.recurrence_id.calendar_event_ids
        removed = series.filtered(lambda e: e.start.replace(tzinfo=UTC) in exdates)
        self.assertEqual(len(removed), 1)
        removed.action_mass_archive("self_only")
        back = event._ccs_to_neutral()
        self.assertIn("EXDATE:20300401T070000Z", back.recurrence)
        self.assertEqual(self.Event._ccs_recurrence_exdates(back), exdates)

    def test_odoo_event_zone_is_a_label_not_an_offset(self):
        start = datetime(2030, 7, 1, 7, 0)
        series = self.Event.create(
            {
                "name": "Stand-up",
                "user_id": self.user.id,
                "start": start,
                "stop": start.replace(hour=8),
                "recurrency": True,
                "rrule_type": "daily",
                "end_type": "count",
                "count": 2,
                "event_tz": "Africa/Johannesburg",
            }
        )
        neutral = series._ccs_to_neutral()
        self.assertEqual(neutral.timezone, "Africa/Johannesburg")
        self.assertEqual(neutral.start, datetime(2030, 7, 1, 7, tzinfo=UTC))
        self.assertEqual(neutral.recurrence, ("RRULE:FREQ=DAILY;COUNT=2",))
        single = self.Event.create(
            {"name": "Lunch", "user_id": self.user.id, "start": start, "stop": start}
        )
        self.assertEqual(single._ccs_to_neutral().timezone, "Europe/Brussels")

    def test_synced_fields_are_real_fields_and_leave_answers_out(self):
        names = self.Event.CCS_SYNCED_FIELDS
        self.assertLessEqual(set(names), set(self.Event._fields))
        self.assertTrue({"name", "start", "partner_ids", "rrule_type", "event_tz"} <= names)
        self.assertNotIn("attendee_ids", names)
