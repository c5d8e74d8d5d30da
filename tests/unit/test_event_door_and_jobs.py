"""At the door (check-in, points once, undo, walk-ins, the answers for cards) and the events'
jobs (the reminder the day before, no-shows after the end)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from portal.extensions import db
from portal.models import Event, EventRsvp, LedgerEntry, Member, Notification, OutboxMessage
from portal.services.events.allocation import EventRefused
from portal.services.events.door import admit_walk_in, check_in, check_in_card, undo_check_in
from portal.services.events.editing import cancel_event
from portal.services.events.reminders import mark_no_shows, send_event_reminders
from portal.services.points.ledger import ledger_sum


def fresh(model, ident):
    db.session.expire_all()
    return db.session.get(model, ident)


def event_points(member) -> list[int]:
    return [
        e.points
        for e in db.session.query(LedgerEntry)
        .filter(LedgerEntry.member_id == member.id, LedgerEntry.event_id.is_not(None))
        .order_by(LedgerEntry.id)
    ]


def test_a_check_in_admits_the_party_and_earns_the_points_once(
    member, staff, clock, create_event, rsvp
):
    event = create_event(attendance_points=150)
    party = rsvp(member, event, guests=2)
    clock.set(event.starts_at - timedelta(minutes=30))

    answer = check_in(fresh(Event, event.id), fresh(EventRsvp, party.id), staff)
    db.session.commit()
    again = check_in(fresh(Event, event.id), fresh(EventRsvp, party.id), staff)
    db.session.commit()

    assert answer.code == "admitted" and answer.rsvp.guests_admitted == 2
    assert again.code == "already_checked_in"
    assert again.rsvp.checked_in_by_id == staff.id
    assert event_points(member) == [150]
    assert fresh(Member, member.id).points_balance == 150 == ledger_sum(member)


def test_undoing_a_check_in_reverses_the_points_and_a_new_check_in_earns_them_again(
    member, staff, clock, create_event, rsvp
):
    event = create_event(attendance_points=150)
    party = rsvp(member, event)
    clock.set(event.starts_at - timedelta(minutes=30))
    check_in(fresh(Event, event.id), fresh(EventRsvp, party.id), staff)
    db.session.commit()

    undone = undo_check_in(fresh(EventRsvp, party.id), staff)
    db.session.commit()
    assert undone.status == "confirmed" and undone.checked_in_at is None
    assert fresh(Member, member.id).points_balance == 0
    with pytest.raises(EventRefused) as twice:
        undo_check_in(fresh(EventRsvp, party.id), staff)
    assert twice.value.code == "not_checked_in"
    db.session.rollback()

    check_in(fresh(Event, event.id), fresh(EventRsvp, party.id), staff)
    db.session.commit()
    assert event_points(member) == [150, -150, 150]
    assert fresh(Member, member.id).points_balance == 150 == ledger_sum(member)


def test_cards_at_the_door_get_an_unmistakable_answer(
    member, staff, create_member, clock, create_event, rsvp
):
    event = create_event(capacity=1)
    rsvp(member, event)
    waiting = create_member(name="Waiting Member")
    rsvp(waiting, event)
    stranger = create_member(name="Not Invited")
    elsewhere = create_event(title="Watch workshop", starts_at=event.starts_at + timedelta(hours=3))
    elsewhere_guest = create_member(name="Other Guest")
    rsvp(elsewhere_guest, elsewhere)
    clock.set(event.starts_at - timedelta(minutes=30))

    def answer(card):
        found = check_in_card(fresh(Event, event.id), card, staff)
        db.session.commit()
        return found.code

    assert answer(member.card_number_display) == "admitted"
    assert answer(member.card_number) == "already_checked_in"
    assert answer(waiting.card_number) == "waitlisted"
    assert answer(stranger.card_number) == "not_on_list"
    assert answer(elsewhere_guest.card_number) == "wrong_event"
    assert answer("4111 1111 1111") == "not_our_card"  # a bank card's digits, not ours
    assert answer("abc") == "not_our_card"
    # A valid number of this programme that no member holds.
    from portal.services.members.cards import luhn_check_digit

    unused = "66" + "0" * 9
    assert answer(unused + luhn_check_digit(unused)) == "unknown_card"


def test_a_walk_in_is_admitted_only_while_places_are_left(
    member, staff, create_member, clock, create_event, rsvp
):
    event = create_event(capacity=3, max_guests=2, attendance_points=50)
    rsvp(member, event, guests=1)  # 2 of 3 places
    walker = create_member(name="Walk In")
    clock.set(event.starts_at - timedelta(minutes=30))

    with pytest.raises(EventRefused) as full:
        admit_walk_in(fresh(Event, event.id), fresh(Member, walker.id), 1, staff)
    assert full.value.values == {"left": 1}
    db.session.rollback()

    answer = admit_walk_in(fresh(Event, event.id), fresh(Member, walker.id), 0, staff)
    db.session.commit()
    assert answer.code == "admitted" and answer.rsvp.walk_in
    assert answer.places_left == 0
    assert fresh(Member, walker.id).points_balance == 50

    undo_check_in(fresh(EventRsvp, answer.rsvp.id), staff)
    db.session.commit()
    assert fresh(EventRsvp, answer.rsvp.id).status == "cancelled"
    assert fresh(Member, walker.id).points_balance == 0


def test_the_door_opens_twelve_hours_before_the_start(member, staff, clock, create_event, rsvp):
    event = create_event()
    party = rsvp(member, event)
    clock.set(event.starts_at - timedelta(hours=12, seconds=1))
    with pytest.raises(EventRefused) as early:
        check_in(fresh(Event, event.id), fresh(EventRsvp, party.id), staff)
    assert early.value.code == "door_not_open"
    db.session.rollback()
    clock.set(event.starts_at - timedelta(hours=12))
    assert check_in(fresh(Event, event.id), fresh(EventRsvp, party.id), staff).code == "admitted"


def test_a_cancelled_event_admits_nobody(member, staff, clock, create_event, rsvp):
    event = create_event()
    party = rsvp(member, event)
    cancel_event(fresh(Event, event.id), staff=staff)
    db.session.commit()
    with pytest.raises(EventRefused) as refused:
        check_in(fresh(Event, event.id), fresh(EventRsvp, party.id), staff)
    assert refused.value.code == "cancelled"


# -- jobs ------------------------------------------------------------------------------------


@pytest.fixture
def evening_event(member, clock, create_event, rsvp):
    """An event at 19:00 Shanghai time on 20 June 2026 (11:00 UTC), with the member confirmed."""
    clock.set(datetime(2026, 6, 10, 4, 0, tzinfo=UTC))
    event = create_event(
        starts_at=datetime(2026, 6, 20, 11, 0, tzinfo=UTC),
        rsvp_deadline=datetime(2026, 6, 19, 11, 0, tzinfo=UTC),
    )
    rsvp(member, event)
    return event


@pytest.mark.parametrize(
    ("moment", "reminded"),
    [
        # Shanghai is UTC+8: 18 June 23:59 there is two days before.
        (datetime(2026, 6, 18, 15, 59, tzinfo=UTC), 0),
        # 19 June 00:00 and 23:59 in Shanghai: the day before.
        (datetime(2026, 6, 18, 16, 0, tzinfo=UTC), 1),
        (datetime(2026, 6, 19, 15, 59, tzinfo=UTC), 1),
        # 20 June, the day itself: too late for a reminder of "tomorrow".
        (datetime(2026, 6, 19, 16, 0, tzinfo=UTC), 0),
    ],
)
def test_the_reminder_goes_out_on_the_day_before_in_the_programmes_zone(
    evening_event, clock, moment, reminded
):
    clock.set(moment)
    assert send_event_reminders() == reminded
    db.session.commit()
    assert send_event_reminders() == 0  # once


def test_the_reminder_mail_carries_the_calendar_link(evening_event, member, clock):
    clock.set(datetime(2026, 6, 19, 2, 0, tzinfo=UTC))
    send_event_reminders()
    db.session.commit()
    mail = (
        db.session.query(OutboxMessage)
        .filter(OutboxMessage.dedupe_key.like("mail:event-reminder:%"))
        .one()
    )
    assert mail.to_address == member.email
    assert f"/events/{evening_event.id}/calendar.ics" in mail.body_text
    assert "Coloured stones salon" in mail.subject
    notice = db.session.query(Notification).filter_by(kind="event_reminder").one()
    assert notice.link_args == {"event_id": evening_event.id}


def test_no_shows_are_marked_after_the_end_and_not_before(
    evening_event, member, staff, create_member, clock, rsvp
):
    came = create_member(name="Came Along")
    party = rsvp(came, evening_event)
    clock.set(evening_event.starts_at)
    check_in(fresh(Event, evening_event.id), fresh(EventRsvp, party.id), staff)
    db.session.commit()

    clock.set(evening_event.ends_at - timedelta(seconds=1))
    assert mark_no_shows() == 0
    clock.set(evening_event.ends_at)
    assert mark_no_shows() == 1
    db.session.commit()
    assert mark_no_shows() == 0
    rows = {r.member.name: r.status for r in db.session.query(EventRsvp).all()}
    assert rows == {"Lin Mei": "no_show", "Came Along": "checked_in"}


def test_a_member_reading_chinese_gets_the_reminder_in_chinese(
    create_member, clock, create_event, rsvp
):
    clock.set(datetime(2026, 6, 10, 4, 0, tzinfo=UTC))
    event = create_event(starts_at=datetime(2026, 6, 20, 11, 0, tzinfo=UTC))
    reader = create_member(name="王芳", locale="zh_Hans")
    rsvp(reader, event, guests=1)
    clock.set(datetime(2026, 6, 19, 2, 0, tzinfo=UTC))
    send_event_reminders()
    db.session.commit()
    mail = (
        db.session.query(OutboxMessage)
        .filter(OutboxMessage.dedupe_key.like("mail:event-reminder:%"))
        .one()
    )
    assert mail.subject == "明天：彩色宝石沙龙"
    assert "同行人员：您与 1 位宾客。" in mail.body_text


def test_moving_an_event_tells_those_who_answered_and_raises_the_sequence(
    member, staff, clock, create_event, rsvp
):
    from portal.services.events.editing import EventChanges, update_event

    event = create_event()
    rsvp(member, event)
    stored = fresh(Event, event.id)
    values = {name: getattr(stored, name) for name in EventChanges.__dataclass_fields__}
    update_event(stored, EventChanges(**{**values, "description": "New words"}), staff=staff)
    db.session.commit()
    assert db.session.query(Notification).filter_by(kind="event_changed").count() == 0
    values["starts_at"] = stored.starts_at + timedelta(hours=1)
    values["ends_at"] = stored.ends_at + timedelta(hours=1)
    update_event(fresh(Event, event.id), EventChanges(**values), staff=staff)
    db.session.commit()
    changed = db.session.query(Notification).filter_by(kind="event_changed").one()
    assert changed.member_id == member.id
    assert fresh(Event, event.id).sequence == 2
