"""The engine's decision for one bound event: who changed what since the last sync."""

import dataclasses
import random
from datetime import UTC, datetime, timedelta

import pytest

from services import reconcile as r
from services.neutral import Attendee, NeutralEvent, sync_hash

T0 = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)
BASE = NeutralEvent(
    title="Planning",
    start=T0,
    end=T0 + timedelta(hours=1),
    all_day=False,
    timezone="Europe/Brussels",
    location="Room 1",
    attendees=(Attendee("bob@example.com", "Bob", "accepted"),),
)


def change(event, **values):
    return dataclasses.replace(event, **values)


def test_nothing_changed_is_a_noop():
    decision = r.reconcile(BASE, BASE, BASE)
    assert decision.action == r.NOOP and not decision.push and not decision.apply_local


def test_only_odoo_changed_pushes_odoo():
    local = change(BASE, title="Planning Q3")
    decision = r.reconcile(BASE, local, BASE)
    assert decision.action == r.PUSH and decision.push and not decision.apply_local
    assert decision.event == local


def test_only_the_provider_changed_applies_it_locally_without_pushing_back():
    remote = change(BASE, location="Room 2")
    decision = r.reconcile(BASE, BASE, remote)
    assert decision.action == r.APPLY_REMOTE and decision.apply_local and not decision.push


def test_the_same_change_on_both_sides_is_a_noop():
    same = change(BASE, title="Renamed")
    assert r.reconcile(BASE, same, same).action == r.NOOP


def test_different_fields_changed_on_each_side_merge_both_ways():
    local = change(BASE, title="Planning Q3")
    remote = change(BASE, location="Room 2")
    decision = r.reconcile(BASE, local, remote)
    assert decision.action == r.MERGE and decision.apply_local and decision.push
    assert (decision.event.title, decision.event.location) == ("Planning Q3", "Room 2")


def test_the_same_field_changed_differently_is_a_conflict_keeping_odoo_meanwhile():
    local = change(BASE, title="Ours", location="Room 9")
    remote = change(BASE, title="Theirs", description="agenda")
    decision = r.reconcile(BASE, local, remote)
    assert decision.action == r.CONFLICT and not decision.push
    assert set(decision.conflicts) == {"title"}
    assert decision.event.title == "Ours"
    # the clean parts of the merge are applied at once
    assert (decision.event.location, decision.event.description) == ("Room 9", "agenda")
    assert decision.apply_local


def test_time_moved_on_both_sides_is_one_when_conflict():
    local = change(BASE, start=T0 + timedelta(hours=1), end=T0 + timedelta(hours=2))
    remote = change(BASE, end=T0 + timedelta(hours=3))
    decision = r.reconcile(BASE, local, remote)
    assert decision.action == r.CONFLICT and set(decision.conflicts) == {"when"}
    assert decision.event.end > decision.event.start


def test_remote_deletion_of_an_untouched_event_deletes_it_locally():
    assert r.reconcile(BASE, BASE, None, remote_deleted=True).action == r.DELETE_LOCAL


def test_remote_deletion_of_an_event_edited_in_odoo_keeps_it():
    local = change(BASE, title="Still needed")
    decision = r.reconcile(BASE, local, None, remote_deleted=True)
    assert decision.action == r.RECREATE_REMOTE and decision.push and decision.event == local


def test_deleted_on_both_sides_drops_the_binding():
    assert r.reconcile(BASE, None, None, remote_deleted=True).action == r.DROP


def test_deleted_in_odoo_deletes_remotely():
    decision = r.reconcile(BASE, None, change(BASE, title="x"))
    assert decision.action == r.PUSH_DELETE and decision.push


def test_never_synced_differences_are_all_conflicts():
    decision = r.reconcile(None, change(BASE, title="A"), change(BASE, title="B"))
    assert decision.action == r.CONFLICT and "title" in decision.conflicts


@pytest.mark.parametrize("seed", range(40))
def test_random_edits_never_push_what_the_provider_already_has(seed):
    """Whatever the edits, the decision never writes a side that already holds the result."""
    rng = random.Random(seed)
    titles, rooms = ["A", "B", "Planning"], ["Room 1", "Room 2", "Room 3"]
    local = change(BASE, title=rng.choice(titles), location=rng.choice(rooms))
    remote = change(BASE, title=rng.choice(titles), location=rng.choice(rooms))
    decision = r.reconcile(BASE, local, remote)
    if decision.event is not None and decision.action != r.CONFLICT:
        assert decision.push == (sync_hash(decision.event) != sync_hash(remote))
        assert decision.apply_local == (sync_hash(decision.event) != sync_hash(local))
