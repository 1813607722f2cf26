"""Three-way merge against the last synced snapshot (DESIGN.md rule 4)."""

import dataclasses
import random
from datetime import UTC, date, datetime, timedelta

import pytest

from services.merge import MERGE_UNITS, WHEN, three_way_merge
from services.neutral import Attendee, NeutralEvent, changed_fields

T0 = datetime(2024, 5, 6, 9, 0, tzinfo=UTC)
BOB = Attendee("bob@example.com", "Bob", "needs_action")
CAROL = Attendee("carol@example.com", "Carol", "accepted")


def base_event(**overrides):
    values = {
        "title": "Planning",
        "start": T0,
        "end": T0 + timedelta(hours=1),
        "all_day": False,
        "timezone": "Europe/Brussels",
        "description": "notes",
        "location": "Room 1",
        "attendees": (BOB, CAROL),
        "organizer_email": "alice@example.com",
        "recurrence": ("RRULE:FREQ=WEEKLY;COUNT=10",),
    }
    values.update(overrides)
    return NeutralEvent(**values)


def change(event, **values):
    return dataclasses.replace(event, **values)


def test_one_sided_changes_are_taken_from_each_side():
    base = base_event()
    ours = change(base, title="Planning Q3")
    theirs = change(base, location="Room 2")
    result = three_way_merge(base, ours, theirs)
    assert result.conflicts == {}
    assert (result.merged.title, result.merged.location) == ("Planning Q3", "Room 2")
    assert result.ours_only == {"title"} and result.theirs_only == {"location"}


def test_same_change_on_both_sides_is_no_conflict():
    base = base_event()
    result = three_way_merge(base, change(base, title="X"), change(base, title="X "))
    assert result.conflicts == {} and result.merged.title == "X"
    assert result.ours_only == set() and result.theirs_only == set()


def test_different_changes_conflict_and_keep_ours():
    base = base_event()
    result = three_way_merge(base, change(base, title="Ours"), change(base, title="Theirs"))
    assert result.conflicts == {"title": ("Planning", "Ours", "Theirs")}
    assert result.merged.title == "Ours"


def test_no_changes_anywhere():
    base = base_event()
    result = three_way_merge(base, base, base)
    assert result.merged == base and result.conflicts == {}


def test_when_is_one_unit_so_end_never_precedes_start():
    base = base_event()
    # Ours moves the meeting two hours later; theirs only extends it by 30 minutes.
    ours = change(base, start=T0 + timedelta(hours=2), end=T0 + timedelta(hours=3))
    theirs = change(base, end=T0 + timedelta(minutes=90))
    result = three_way_merge(base, ours, theirs)
    assert set(result.conflicts) == {WHEN}
    b, o, t = result.conflicts[WHEN]
    assert b["start"] == T0 and o["start"] == T0 + timedelta(hours=2)
    assert t["end"] == T0 + timedelta(minutes=90) and t["all_day"] is False
    assert (result.merged.start, result.merged.end) == (ours.start, ours.end)
    theirs_pick = result.resolve({WHEN: "theirs"})
    assert (theirs_pick.start, theirs_pick.end) == (theirs.start, theirs.end)


def test_when_changed_on_one_side_moves_as_a_whole():
    base = base_event()
    theirs = change(base, all_day=True, start=date(2024, 5, 6), end=date(2024, 5, 7))
    ours = change(base, description="new notes")
    result = three_way_merge(base, ours, theirs)
    assert result.conflicts == {}
    assert result.merged.all_day and result.merged.start == date(2024, 5, 6)
    assert result.merged.description == "new notes"
    assert result.theirs_only == {WHEN}


def test_timezone_change_alone_is_a_when_change():
    base = base_event()
    # (Europe/Paris would be no change: Graph has one Windows zone for Brussels and Paris)
    result = three_way_merge(base, base, change(base, timezone="Europe/Amsterdam"))
    assert result.merged.timezone == "Europe/Amsterdam" and result.theirs_only == {WHEN}


def test_never_synced_every_difference_is_a_conflict():
    ours = base_event()
    theirs = change(ours, title="Other", location="Elsewhere")
    result = three_way_merge(None, ours, theirs)
    assert result.conflicts == {
        "title": (None, "Planning", "Other"),
        "location": (None, "Room 1", "Elsewhere"),
    }
    assert result.merged == ours
    assert result.ours_only == set() and result.theirs_only == set()
    assert three_way_merge(None, ours, ours).conflicts == {}


def test_never_synced_attendee_differences_conflict():
    ours = base_event()
    theirs = change(ours, attendees=(BOB,))
    result = three_way_merge(None, ours, theirs)
    assert result.conflicts == {"attendees": (None, (CAROL,), ())}
    assert result.merged.attendees == ours.attendees


def test_attendee_added_on_each_side_are_both_kept():
    base = base_event()
    dave, erin = Attendee("dave@example.com"), Attendee("erin@example.com")
    ours = change(base, attendees=(*base.attendees, dave))
    theirs = change(base, attendees=(*base.attendees, erin))
    result = three_way_merge(base, ours, theirs)
    assert result.conflicts == {}
    assert [a.email for a in result.merged.attendees] == [
        "bob@example.com",
        "carol@example.com",
        "dave@example.com",
        "erin@example.com",
    ]
    assert result.ours_only == {"attendees"} and result.theirs_only == {"attendees"}


def test_attendee_removed_on_one_side_is_removed():
    base = base_event()
    result = three_way_merge(base, base, change(base, attendees=(BOB,)))
    assert result.merged.attendees == (BOB,) and result.theirs_only == {"attendees"}


def test_removed_on_one_side_answered_on_the_other_is_a_conflict():
    base = base_event()
    ours = change(base, attendees=(CAROL,))
    answered = dataclasses.replace(BOB, response="accepted")
    theirs = change(base, attendees=(answered, CAROL))
    result = three_way_merge(base, ours, theirs)
    assert result.conflicts == {"attendees": ((BOB,), (), (answered,))}
    assert result.merged.attendees == (CAROL,)
    assert result.resolve({"attendees": "theirs"}).attendees == (answered, CAROL)


def test_responses_changed_on_different_attendees_merge():
    base = base_event()
    ours = change(base, attendees=(dataclasses.replace(BOB, response="accepted"), CAROL))
    theirs = change(base, attendees=(BOB, dataclasses.replace(CAROL, response="declined")))
    result = three_way_merge(base, ours, theirs)
    assert result.conflicts == {}
    assert [a.response for a in result.merged.attendees] == ["accepted", "declined"]


def test_same_attendee_response_changed_both_sides_differently():
    base = base_event()
    bob_yes = dataclasses.replace(BOB, response="accepted")
    bob_no = dataclasses.replace(BOB, response="declined", optional=True)
    ours = change(base, attendees=(bob_yes, CAROL))
    theirs = change(base, attendees=(bob_no, CAROL))
    result = three_way_merge(base, ours, theirs)
    assert result.conflicts == {"attendees": ((BOB,), (bob_yes,), (bob_no,))}
    merged_bob = result.merged.attendee("bob@example.com")
    assert merged_bob.response == "accepted", "ours kept for the conflicting part"
    assert merged_bob.optional is True, "the one-sided part still merges"
    assert result.resolve({"attendees": "theirs"}).attendee("bob@example.com") == bob_no


def test_same_response_on_both_sides_is_no_conflict():
    base = base_event()
    bob_yes = dataclasses.replace(BOB, response="accepted")
    result = three_way_merge(
        base, change(base, attendees=(bob_yes, CAROL)), change(base, attendees=(bob_yes, CAROL))
    )
    assert result.conflicts == {} and result.merged.attendees == (bob_yes, CAROL)


def test_missing_display_name_is_not_a_conflict():
    ours = base_event()
    theirs = change(ours, attendees=(Attendee("bob@example.com"), CAROL))
    result = three_way_merge(None, ours, theirs)
    assert result.conflicts == {}
    assert result.merged.attendee("bob@example.com").name == "Bob"


def test_provider_assigned_fields_come_from_theirs():
    base = base_event()
    theirs = change(base, ical_uid="uid@google.com", online_meeting_url="https://meet/abc")
    merged = three_way_merge(base, change(base, ical_uid=""), theirs).merged
    assert (merged.ical_uid, merged.online_meeting_url) == ("uid@google.com", "https://meet/abc")
    assert (
        three_way_merge(base, change(base, ical_uid="odoo-uid"), base).merged.ical_uid == "odoo-uid"
    )


def test_resolve_rejects_unknown_units_and_sides():
    base = base_event()
    result = three_way_merge(base, change(base, title="A"), change(base, title="B"))
    assert result.resolve({"title": "theirs"}).title == "B"
    assert result.resolve({}).title == "A"
    with pytest.raises(ValueError, match="not a conflict"):
        result.resolve({"location": "theirs"})
    with pytest.raises(ValueError, match="ours"):
        result.resolve({"title": "mine"})


WHENS = [
    {"start": T0 + timedelta(hours=3), "end": T0 + timedelta(hours=4)},
    {"start": T0 - timedelta(days=1), "end": T0 - timedelta(days=1) + timedelta(minutes=15)},
    {"end": T0 + timedelta(hours=5)},
    {"timezone": "America/New_York"},
    {"all_day": True, "start": date(2024, 5, 6), "end": date(2024, 5, 8)},
]
CHOICES = {
    "title": ["A", "B", "C"],
    "description": ["x", "y\nz"],
    "location": ["Room 7", ""],
    "organizer_email": ["bob@example.com", "carol@example.com"],
    "recurrence": [(), ("RRULE:FREQ=DAILY;COUNT=3",)],
    "status": ["tentative", "cancelled"],
    "show_as": ["free"],
    "privacy": ["private", "public"],
    "online_meeting_provider": ["google_meet", "teams"],
    "attendees": [(BOB,), (CAROL, Attendee("dave@example.com")), ()],
}


def random_edit(rng, event, units):
    values = {}
    for unit in units:
        values.update(rng.choice(WHENS) if unit == WHEN else {unit: rng.choice(CHOICES[unit])})
    return change(event, **values)


def unit_view(event, unit):
    fields = ("start", "end", "all_day", "timezone") if unit == WHEN else (unit,)
    return tuple(getattr(event, name) for name in fields)


def test_every_unit_is_exercised_by_the_property_test():
    assert set(MERGE_UNITS) == {WHEN, *CHOICES}


def test_random_edits_follow_the_three_way_rules():
    rng = random.Random(2024)
    base = base_event()
    for _ in range(500):
        ours = random_edit(rng, base, rng.sample(MERGE_UNITS, rng.randint(0, 4)))
        theirs = random_edit(rng, base, rng.sample(MERGE_UNITS, rng.randint(0, 4)))
        result = three_way_merge(base, ours, theirs)
        merged = result.merged
        assert merged.end >= merged.start
        for unit in MERGE_UNITS:
            o_changed = unit_view(ours, unit) != unit_view(base, unit)
            t_changed = unit_view(theirs, unit) != unit_view(base, unit)
            same = unit_view(ours, unit) == unit_view(theirs, unit)
            if unit == "attendees":
                continue
            if o_changed and t_changed and not same:
                assert unit in result.conflicts
                assert unit_view(merged, unit) == unit_view(ours, unit)
                assert unit_view(result.resolve({unit: "theirs"}), unit) == unit_view(theirs, unit)
            else:
                assert unit not in result.conflicts
                expected = theirs if t_changed else ours
                assert unit_view(merged, unit) == unit_view(expected, unit)
                assert (unit in result.ours_only) == (o_changed and not t_changed)
                assert (unit in result.theirs_only) == (t_changed and not o_changed)
        # With no conflict, merging is symmetric and contains both sides' changes.
        if not result.conflicts:
            swapped = three_way_merge(base, theirs, ours)
            assert changed_fields(swapped.merged, merged) == set()
            assert changed_fields(merged, ours) <= changed_fields(base, theirs)
            assert changed_fields(merged, theirs) <= changed_fields(base, ours)


def test_random_attendee_edits_never_lose_a_one_sided_change():
    rng = random.Random(5)
    people = [Attendee(f"p{i}@example.com", f"P{i}") for i in range(5)]
    responses = ["needs_action", "accepted", "declined", "tentative"]

    def mutate(attendees):
        by_email = {a.email: a for a in attendees}
        for person in rng.sample(people, rng.randint(0, 3)):
            current = by_email.get(person.email)
            if current is None:
                by_email[person.email] = person
            elif rng.random() < 0.3:
                del by_email[person.email]
            else:
                by_email[person.email] = dataclasses.replace(
                    current, response=rng.choice(responses)
                )
        return tuple(by_email.values())

    for _ in range(500):
        base = base_event(attendees=tuple(rng.sample(people, rng.randint(0, 5))))
        ours = change(base, attendees=mutate(base.attendees))
        theirs = change(base, attendees=mutate(base.attendees))
        result = three_way_merge(base, ours, theirs)
        conflicting = set()
        if "attendees" in result.conflicts:
            for side in result.conflicts["attendees"]:
                conflicting |= {a.email for a in side}
        for person in people:
            b, o, t = (e.attendee(person.email) for e in (base, ours, theirs))
            m = result.merged.attendee(person.email)
            if o == t:
                assert m == o
            elif o == b:
                assert m == t and person.email not in conflicting
            elif t == b:
                assert m == o and person.email not in conflicting
            else:
                assert person.email in conflicting and m == o
