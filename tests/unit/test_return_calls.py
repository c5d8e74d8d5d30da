"""The return-visit call list over a simulated year (the clock fixture): thank-you at day 7,
care at 3 months (month ends included), courtesy calls up to three a year, do-not-call
respected, `run-jobs` safe to repeat, overdue calls kept on the list."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import Member, ReturnCall
from portal.services.engagement.call_rules import schedule_calls
from portal.services.engagement.calls import call_list, record_outcome
from portal.services.programme.local_time import local_date

# Noon in Shanghai (the programme's zone).
NOON = 4


@pytest.fixture
def member(create_member):
    return create_member(name="Lin Mei", email="lin.mei@example.com", phone="13800138000")


def on_list(member=None) -> list[tuple[str, date]]:
    db.session.expire_all()
    return [
        (card.call.reason, card.call.due_on)
        for card in call_list()
        if member is None or card.call.member_id == member.id
    ]


def run_day(clock, day: date) -> int:
    clock.set(datetime(day.year, day.month, day.day, NOON, tzinfo=UTC))
    written = schedule_calls()
    db.session.commit()
    return written


def all_calls(member) -> list[ReturnCall]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(ReturnCall).where(ReturnCall.member_id == member.id).order_by(ReturnCall.id)
        )
    )


def test_a_thank_you_call_is_on_the_list_on_day_seven_not_six(member, clock, create_purchase):
    create_purchase(member, "12000.00", purchased_at=clock.now())
    start = local_date(clock.now())
    run_day(clock, start)
    assert on_list(member) == []
    run_day(clock, start + timedelta(days=6))
    assert on_list(member) == []
    run_day(clock, start + timedelta(days=7))
    assert on_list(member) == [("thank_you", start + timedelta(days=7))]
    card = call_list()[0]
    assert card.call.store == "Shanghai IFC" and not card.overdue


@pytest.mark.parametrize(
    ("amount", "returned", "thanked"),
    [("9999.99", None, False), ("10000.00", None, True), ("12000.00", "2000.01", False)],
)
def test_the_thank_you_call_needs_10000_net_of_returns(
    member, clock, create_purchase, create_return, amount, returned, thanked
):
    purchase = create_purchase(member, amount, purchased_at=clock.now())
    if returned:
        create_return(purchase, returned)
    run_day(clock, local_date(clock.now()))
    reasons = {call.reason for call in all_calls(member)}
    assert ("thank_you" in reasons) is thanked
    assert ("care" in reasons) is thanked
    # A smaller purchase gets a courtesy call instead (the member bought this year).
    assert ("courtesy" in reasons) is not thanked


@pytest.mark.parametrize(
    ("bought", "care_day"),
    [
        (date(2026, 11, 30), date(2027, 2, 28)),
        (date(2027, 11, 30), date(2028, 2, 29)),
        (date(2026, 6, 15), date(2026, 9, 15)),
    ],
)
def test_the_care_call_is_three_months_later_on_the_last_day_of_a_short_month(
    member, clock, create_purchase, bought, care_day
):
    run_day(clock, bought)
    create_purchase(member, "15000.00", purchased_at=clock.now() - timedelta(minutes=5))
    run_day(clock, bought)
    care = [call for call in all_calls(member) if call.reason == "care"]
    assert [call.due_on for call in care] == [care_day]
    run_day(clock, care_day - timedelta(days=1))
    assert ("care", care_day) not in on_list(member)
    run_day(clock, care_day)
    assert ("care", care_day) in on_list(member)


def made_calls(member) -> list[date]:
    return [
        local_date(call.called_at)
        for call in all_calls(member)
        if call.outcome in ("reached", "no_answer")
    ]


def work_through_a_year(clock, staff, start: date, days: int = 365) -> None:
    """Each day: the jobs, then staff make every call on the list (alternating outcomes)."""
    n = 0
    for offset in range(days):
        run_day(clock, start + timedelta(days=offset))
        for card in call_list():
            n += 1
            record_outcome(
                card.call, "reached" if n % 2 else "no_answer", staff=db.session.merge(staff)
            )
        db.session.commit()


def test_a_member_who_bought_a_small_item_is_called_three_times_in_the_year(
    member, staff, clock, create_purchase
):
    start = date(2026, 6, 15)
    run_day(clock, start)
    create_purchase(member, "800.00")
    work_through_a_year(clock, staff, start)
    calls = made_calls(member)
    assert calls == [start, start + timedelta(days=120), start + timedelta(days=240)]
    assert {call.reason for call in all_calls(member)} == {"courtesy"}


def test_a_large_purchase_gives_thank_you_care_and_a_courtesy_call_in_the_year(
    member, staff, clock, create_purchase
):
    start = date(2026, 6, 15)
    run_day(clock, start)
    create_purchase(member, "20000.00")
    work_through_a_year(clock, staff, start)
    by_reason = [(call.reason, local_date(call.called_at)) for call in all_calls(member)]
    assert by_reason == [
        ("thank_you", date(2026, 6, 22)),
        ("care", date(2026, 9, 15)),
        ("courtesy", date(2026, 9, 15) + timedelta(days=120)),
    ]
    assert len(made_calls(member)) >= 3


def test_a_member_who_has_not_bought_for_a_year_is_not_called(member, clock, create_purchase):
    start = date(2026, 6, 15)
    run_day(clock, start)
    create_purchase(member, "800.00", purchased_at=clock.now() - timedelta(days=370))
    run_day(clock, start)
    assert all_calls(member) == []


def test_do_not_call_withdraws_the_open_calls_and_no_call_is_made_again(
    member, staff, clock, create_purchase
):
    start = date(2026, 6, 15)
    run_day(clock, start)
    create_purchase(member, "20000.00")
    run_day(clock, start + timedelta(days=7))
    thank_you = call_list()[0].call
    record_outcome(thank_you, "do_not_call", staff=staff, note="Asked not to be phoned")
    db.session.commit()
    assert db.session.get(Member, member.id).do_not_call_at is not None
    assert {c.reason: c.status for c in all_calls(member)} == {
        "thank_you": "done",
        "care": "withdrawn",
    }
    create_purchase(member, "30000.00")
    for offset in (8, 100, 200):
        run_day(clock, start + timedelta(days=offset))
        assert on_list(member) == []
    assert len(all_calls(member)) == 2


def test_a_member_without_a_phone_number_is_not_put_on_a_list(
    create_member, clock, create_purchase
):
    member = create_member()
    create_purchase(member, "20000.00")
    run_day(clock, local_date(clock.now()))
    assert all_calls(member) == []
    db.session.get(Member, member.id).phone = "13700137000"
    db.session.commit()
    run_day(clock, local_date(clock.now()))
    assert {call.reason for call in all_calls(member)} == {"thank_you", "care"}


def test_a_member_marked_do_not_call_elsewhere_gets_no_calls(create_member, clock, create_purchase):
    member = create_member(phone="13800138000")
    db.session.get(Member, member.id).do_not_call_at = clock.now()
    db.session.commit()
    create_purchase(member, "20000.00")
    run_day(clock, local_date(clock.now()))
    assert all_calls(member) == []


def test_running_the_job_twice_writes_no_second_call(member, clock, create_purchase, create_member):
    create_purchase(member, "20000.00")
    create_purchase(create_member(phone="13900139000"), "500.00")
    today = local_date(clock.now())
    assert run_day(clock, today) == 3  # thank-you and care; a courtesy call for the other
    assert run_day(clock, today) == 0
    assert db.session.scalar(select(func.count(ReturnCall.id))) == 3
    # And the database itself refuses a second call for the same occasion.
    first = all_calls(member)[0]
    db.session.add(
        ReturnCall(
            member_id=member.id,
            reason=first.reason,
            occasion=first.occasion,
            store="",
            due_on=today,
            status="open",
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_an_overdue_call_stays_on_the_list_until_it_has_an_outcome(
    member, staff, clock, create_purchase
):
    start = local_date(clock.now())
    create_purchase(member, "20000.00")
    run_day(clock, start)
    run_day(clock, start + timedelta(days=20))
    cards = call_list()
    assert [(c.call.reason, c.overdue, c.days_overdue) for c in cards] == [("thank_you", True, 13)]
    record_outcome(cards[0].call, "no_answer", staff=staff)
    db.session.commit()
    assert on_list(member) == []


def test_call_back_moves_the_call_to_the_chosen_day(member, staff, clock, create_purchase):
    start = local_date(clock.now())
    create_purchase(member, "20000.00")
    run_day(clock, start + timedelta(days=7))
    call = call_list()[0].call
    record_outcome(call, "call_back", staff=staff, call_back_on=start + timedelta(days=10))
    db.session.commit()
    assert on_list(member) == []
    run_day(clock, start + timedelta(days=10))
    cards = call_list()
    assert [(c.call.reason, c.overdue) for c in cards] == [("thank_you", False)]
    assert cards[0].call.attempts == 1
