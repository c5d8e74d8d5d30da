"""The one allocator of places at an event: arrival order, the skip of a party too large (which
keeps its position), guests counted, capacity changes, and the refusals of every path."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.extensions import db
from portal.models import Event, EventRsvp, Member, Notification
from portal.services.events.allocation import (
    EventRefused,
    GuestsInvalid,
    member_rsvp,
    places_taken,
    waitlist_position,
)
from portal.services.events.answers import cancel_answer, cancel_party, guests_preview
from portal.services.events.editing import CapacityBelowTaken, EventChanges, update_event
from tests.conftest import party_statuses


@pytest.fixture
def people(create_member, clock):
    """Ana, Bo, Chen, Dai and Eli, who answer in that order unless a test says otherwise."""
    return {
        name: create_member(name=name, email=f"{name.lower()}@example.com")
        for name in ("Ana", "Bo", "Chen", "Dai", "Eli")
    }


def position(member, event) -> int | None:
    db.session.expire_all()
    return waitlist_position(member_rsvp(db.session.get(Member, member.id), event))


def cancel(member, event):
    cancel_answer(db.session.get(Member, member.id), db.session.get(Event, event.id))
    db.session.commit()


def changes_of(event: Event, **overrides) -> EventChanges:
    fields = EventChanges.__dataclass_fields__
    values = {name: getattr(event, name) for name in fields}
    values.update(overrides)
    return EventChanges(**values)


def test_parties_are_confirmed_while_places_last_then_wait_in_arrival_order(
    people, clock, create_event, rsvp
):
    event = create_event(capacity=3, max_guests=2)
    assert rsvp(people["Ana"], event, guests=1).status == "confirmed"
    clock.advance(minutes=1)
    assert rsvp(people["Bo"], event).status == "confirmed"
    clock.advance(minutes=1)
    assert rsvp(people["Chen"], event).status == "waitlisted"
    clock.advance(minutes=1)
    assert rsvp(people["Dai"], event).status == "waitlisted"
    assert places_taken(event) == 3
    assert (position(people["Chen"], event), position(people["Dai"], event)) == (1, 2)

    cancel(people["Bo"], event)

    assert party_statuses(event) == {
        "Ana": "confirmed",
        "Bo": "cancelled",
        "Chen": "confirmed",
        "Dai": "waitlisted",
    }
    assert position(people["Dai"], event) == 1
    chen = db.session.get(Member, people["Chen"].id)
    told = db.session.query(Notification).filter_by(member_id=chen.id).one()
    assert told.kind == "event_confirmed" and told.link_args == {"event_id": event.id}


def test_a_party_too_large_is_skipped_for_the_next_that_fits_and_keeps_its_position(
    people, clock, create_event, rsvp
):
    event = create_event(capacity=4, max_guests=2)
    rsvp(people["Ana"], event, guests=1)  # 2 places
    clock.advance(minutes=1)
    rsvp(people["Bo"], event, guests=1)  # 2 places: full
    clock.advance(minutes=1)
    rsvp(people["Chen"], event, guests=2)  # a party of 3 waits first
    clock.advance(minutes=1)
    rsvp(people["Dai"], event)  # a party of 1 waits second
    clock.advance(minutes=1)
    rsvp(people["Eli"], event)  # and another, third

    cancel(people["Ana"], event)  # 2 places free: Chen's 3 do not fit

    assert party_statuses(event)["Chen"] == "waitlisted"
    assert party_statuses(event)["Dai"] == "confirmed"
    assert party_statuses(event)["Eli"] == "confirmed"
    assert position(people["Chen"], event) == 1

    cancel(people["Dai"], event)  # 1 place: still not enough for Chen, nobody else waits
    assert party_statuses(event)["Chen"] == "waitlisted"
    cancel(people["Eli"], event)  # 2 places
    assert party_statuses(event)["Chen"] == "waitlisted"
    cancel(people["Bo"], event)  # 4 places: Chen's party of 3 comes in
    assert party_statuses(event)["Chen"] == "confirmed"
    assert places_taken(event) == 3


def test_guests_count_against_the_capacity(people, clock, create_event, rsvp):
    event = create_event(capacity=3, max_guests=2)
    assert rsvp(people["Ana"], event, guests=2).status == "confirmed"
    assert places_taken(event) == 3
    assert rsvp(people["Bo"], event).status == "waitlisted"


def test_a_newcomer_who_fits_is_confirmed_though_a_larger_party_waits(
    people, clock, create_event, rsvp
):
    event = create_event(capacity=3, max_guests=2)
    rsvp(people["Ana"], event, guests=1)
    clock.advance(minutes=1)
    assert rsvp(people["Bo"], event, guests=2).status == "waitlisted"  # 3 > 1 left
    clock.advance(minutes=1)
    assert rsvp(people["Chen"], event).status == "confirmed"  # the 1 left fits Chen
    assert position(people["Bo"], event) == 1


def test_a_capacity_increase_confirms_the_waitlist_in_order(
    people, clock, staff, create_event, rsvp
):
    event = create_event(capacity=1, max_guests=2)
    rsvp(people["Ana"], event)
    for name in ("Bo", "Chen", "Dai"):
        clock.advance(minutes=1)
        rsvp(people[name], event, guests=1 if name == "Chen" else 0)

    # 2 more places: Bo (1) fits, Chen (2) does not fit the 1 left, Dai (1) does.
    update_event(db.session.get(Event, event.id), changes_of(event, capacity=3), staff=staff)
    db.session.commit()

    assert party_statuses(event) == {
        "Ana": "confirmed",
        "Bo": "confirmed",
        "Chen": "waitlisted",
        "Dai": "confirmed",
    }
    assert db.session.get(Event, event.id).sequence == 1


def test_capacity_cannot_go_below_the_places_taken_and_the_refusal_has_the_numbers(
    people, clock, staff, create_event, rsvp
):
    event = create_event(capacity=10, max_guests=2)
    rsvp(people["Ana"], event, guests=2)
    rsvp(people["Bo"], event, guests=1)  # 5 places taken

    with pytest.raises(CapacityBelowTaken) as refused:
        update_event(event, changes_of(event, capacity=4), staff=staff)
    assert refused.value.values == {"taken": 5, "capacity": 4}
    db.session.rollback()

    update_event(db.session.get(Event, event.id), changes_of(event, capacity=5), staff=staff)
    db.session.commit()
    assert db.session.get(Event, event.id).capacity == 5


def test_fewer_guests_free_places_for_the_waitlist(people, clock, create_event, rsvp):
    event = create_event(capacity=3, max_guests=2)
    rsvp(people["Ana"], event, guests=2)
    clock.advance(minutes=1)
    rsvp(people["Bo"], event)
    assert party_statuses(event)["Bo"] == "waitlisted"

    assert rsvp(people["Ana"], event, guests=1).status == "confirmed"

    assert party_statuses(event) == {"Ana": "confirmed", "Bo": "confirmed"}


def test_more_guests_keep_the_place_when_they_fit_else_move_to_the_end_of_the_waitlist(
    people, clock, create_event, rsvp
):
    event = create_event(capacity=4, max_guests=2)
    rsvp(people["Ana"], event)
    clock.advance(minutes=1)
    rsvp(people["Bo"], event, guests=1)  # 3 taken, 1 left
    clock.advance(minutes=1)
    assert guests_preview(event, member_rsvp(people["Ana"], event)).confirmed_up_to == 1

    assert rsvp(people["Ana"], event, guests=1).status == "confirmed"  # exactly fits: 4
    clock.advance(minutes=1)
    rsvp(people["Chen"], event)  # waits
    clock.advance(minutes=1)

    assert guests_preview(event, member_rsvp(people["Ana"], event)).confirmed_up_to == 1
    moved = rsvp(people["Ana"], event, guests=2)  # a party of 3 no longer fits

    assert moved.status == "waitlisted"
    # Ana's 2 freed places went to Chen, who was waiting before Ana asked for more.
    assert party_statuses(event) == {"Ana": "waitlisted", "Bo": "confirmed", "Chen": "confirmed"}
    assert position(people["Ana"], event) == 1


def test_guests_outside_zero_to_the_maximum_are_refused(people, clock, create_event, rsvp):
    event = create_event(max_guests=2)
    for guests in (-1, 3):
        with pytest.raises(GuestsInvalid) as refused:
            rsvp(people["Ana"], event, guests=guests)
        assert refused.value.values == {"max": 2}
        db.session.rollback()
    assert rsvp(people["Ana"], event, guests=2).status == "confirmed"


def test_answering_is_refused_after_the_deadline_but_not_at_its_last_minute(
    people, clock, create_event, rsvp
):
    event = create_event()
    clock.set(event.rsvp_deadline - timedelta(minutes=1))
    assert rsvp(people["Ana"], event).status == "confirmed"
    clock.set(event.rsvp_deadline)
    with pytest.raises(EventRefused) as refused:
        rsvp(people["Bo"], event)
    assert refused.value.code == "deadline_passed"


def test_members_below_the_events_tier_cannot_answer(clock, create_member, create_event, rsvp):
    event = create_event(min_tier="gold")
    silver = create_member(name="Silver Member", tier="silver")
    with pytest.raises(EventRefused) as refused:
        rsvp(silver, event)
    assert refused.value.code == "below_tier"
    db.session.rollback()
    assert rsvp(create_member(name="Gold Member", tier="gold"), event).status == "confirmed"
    assert rsvp(create_member(name="Diamond Member", tier="diamond"), event).status == "confirmed"


def test_answering_twice_cancelled_and_past_events_are_refused(
    people, clock, staff, create_event, rsvp
):
    event = create_event()
    rsvp(people["Ana"], event, guests=1)
    with pytest.raises(EventRefused) as twice:
        rsvp(people["Ana"], event, guests=1)
    assert twice.value.code == "already_answered"
    db.session.rollback()

    cancelled = create_event(cancelled=True)
    with pytest.raises(EventRefused) as refused:
        rsvp(people["Bo"], cancelled)
    assert refused.value.code == "cancelled"
    db.session.rollback()

    past = create_event(
        starts_at=clock.now() - timedelta(hours=3),
        rsvp_deadline=clock.now() - timedelta(days=2),
    )
    with pytest.raises(EventRefused) as refused:
        rsvp(people["Bo"], past)
    assert refused.value.code == "ended"
    db.session.rollback()

    under_way = create_event(
        starts_at=clock.now() - timedelta(minutes=30),
        rsvp_deadline=clock.now() - timedelta(days=1),
    )
    with pytest.raises(EventRefused) as refused:
        rsvp(people["Bo"], under_way)
    assert refused.value.code == "started"


def test_cancelling_twice_or_after_the_start_is_refused(people, clock, create_event, rsvp):
    event = create_event()
    rsvp(people["Ana"], event)
    cancel(people["Ana"], event)
    with pytest.raises(EventRefused) as twice:
        cancel(people["Ana"], event)
    assert twice.value.code == "already_cancelled"
    db.session.rollback()

    rsvp(people["Bo"], event)
    clock.set(event.starts_at)
    with pytest.raises(EventRefused) as late:
        cancel(people["Bo"], event)
    assert late.value.code == "started"


def test_answering_again_after_cancelling_joins_at_the_end(people, clock, create_event, rsvp):
    event = create_event(capacity=1)
    rsvp(people["Ana"], event)
    clock.advance(minutes=1)
    rsvp(people["Bo"], event)
    clock.advance(minutes=1)
    rsvp(people["Chen"], event)
    clock.advance(minutes=1)
    cancel(people["Bo"], event)
    clock.advance(minutes=1)
    assert rsvp(people["Bo"], event).status == "waitlisted"
    assert position(people["Chen"], event) == 1
    assert position(people["Bo"], event) == 2
    assert db.session.query(EventRsvp).count() == 3  # one row per member and event


def test_a_staff_cancellation_of_a_party_tells_the_member_and_fills_the_place(
    people, clock, staff, create_event, rsvp
):
    event = create_event(capacity=1)
    first = rsvp(people["Ana"], event)
    clock.advance(minutes=1)
    rsvp(people["Bo"], event)

    cancel_party(db.session.get(EventRsvp, first.id), staff)
    db.session.commit()

    assert party_statuses(event) == {"Ana": "cancelled", "Bo": "confirmed"}
    kinds = {n.kind for n in db.session.query(Notification).filter_by(member_id=people["Ana"].id)}
    assert "event_party_cancelled" in kinds
    with pytest.raises(EventRefused):
        cancel_party(db.session.get(EventRsvp, first.id), staff)


def test_nobody_is_moved_from_the_waitlist_once_the_event_has_started(
    people, clock, staff, create_event, rsvp
):
    event = create_event(capacity=1)
    first = rsvp(people["Ana"], event)
    rsvp(people["Bo"], event)
    clock.set(event.starts_at + timedelta(minutes=5))
    cancel_party(db.session.get(EventRsvp, first.id), staff)
    db.session.commit()
    assert party_statuses(event)["Bo"] == "waitlisted"


def test_closing_an_account_gives_its_places_to_the_waitlist(people, clock, create_event, rsvp):
    from portal.services.members.closure import close_account
    from portal.services.members.export import export_member_data
    from tests.conftest import DEFAULT_PASSWORD

    event = create_event(capacity=1)
    rsvp(people["Ana"], event)
    clock.advance(minutes=1)
    rsvp(people["Bo"], event)
    exported = export_member_data(db.session.get(Member, people["Ana"].id))
    assert [(e["event"], e["status"]) for e in exported["events"]] == [
        ("Coloured stones salon", "confirmed")
    ]

    close_account(db.session.get(Member, people["Ana"].id), DEFAULT_PASSWORD)
    db.session.commit()

    assert party_statuses(event) == {"Closed account": "cancelled", "Bo": "confirmed"}
