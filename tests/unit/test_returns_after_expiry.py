"""A return after some of the purchase's points expired (DESIGN.md, "Returns"): the reversal is
limited to what of them has not expired, and the ledger line says so."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.models import LedgerEntry
from portal.services.members.dashboard import group_expiries
from portal.services.points.expiry import expire_due_points
from portal.services.points.ledger import ledger_sum
from portal.services.purchases.recording import record_return
from portal.services.rewards.redemption import redeem


def expire_after_two_years(clock) -> None:
    clock.advance(days=2 * 366)
    expire_due_points()
    db.session.commit()


def entries(member, kind):
    return db.session.scalars(
        select(LedgerEntry).where(LedgerEntry.member_id == member.id, LedgerEntry.kind == kind)
    ).all()


def test_a_full_return_after_the_points_expired_takes_nothing_again(member, create_purchase, clock):
    purchase = create_purchase(member, "400.00")
    expire_after_two_years(clock)
    db.session.refresh(member)
    assert member.points_balance == 0  # earned +400, expired -400

    purchase_return, _created = record_return(purchase, amount=purchase.amount)
    db.session.commit()

    db.session.refresh(member)
    assert member.points_balance == 0 == ledger_sum(member)
    assert purchase_return.points_reversed == 0
    assert purchase_return.points_expired_kept == 400
    assert entries(member, "reverse") == []


def test_a_return_the_day_before_expiry_still_reverses_everything(member, create_purchase, clock):
    purchase = create_purchase(member, "400.00")
    clock.advance(days=2 * 365 - 2)  # 24 months less a day or so: not yet expired
    expire_due_points()
    purchase_return, _created = record_return(purchase, amount=purchase.amount)
    db.session.commit()
    assert purchase_return.points_reversed == 400 and purchase_return.points_expired_kept == 0
    db.session.refresh(member)
    assert member.points_balance == 0


def spend_100_points(member, create_reward) -> None:
    """A reward of 100 points, paid with the purchase's points (the only ones there are)."""
    redeem(member, create_reward(points_cost=100), idempotency_key=uuid.uuid4().hex)
    db.session.commit()


def test_spent_points_are_reversed_but_expired_ones_are_not(
    member, create_purchase, create_reward, clock
):
    purchase = create_purchase(member, "400.00")
    spend_100_points(member, create_reward)
    expire_after_two_years(clock)  # the other 300 expire
    db.session.refresh(member)
    assert member.points_balance == 0

    first, _ = record_return(purchase, amount=purchase.amount // 4)  # 100.00 of 400.00
    db.session.commit()
    assert (first.points_reversed, first.points_expired_kept) == (100, 0)
    rest, _ = record_return(purchase, amount=purchase.returnable_amount)
    db.session.commit()
    assert (rest.points_reversed, rest.points_expired_kept) == (0, 300)

    db.session.refresh(member)
    # +400 earned, -100 spent, -300 expired, -100 reversed: the reward must still be paid for.
    assert member.points_balance == -100 == ledger_sum(member)
    assert purchase.points_reversed == 100


def test_the_ledger_line_says_that_expired_points_were_kept(
    member, create_purchase, create_reward, clock
):
    purchase = create_purchase(member, "400.00")
    spend_100_points(member, create_reward)
    expire_after_two_years(clock)
    record_return(purchase, amount=purchase.amount)
    db.session.commit()
    (line,) = entries(member, "reverse")
    assert line.points == -100
    assert line.details["expired_not_reversed"] == 300
    assert "300 had already expired and are not taken again" in line.reason


# -- the dashboard's next expiry --------------------------------------------------------------


def test_points_past_their_date_show_as_expiring_now_never_as_a_date_to_come():
    now = datetime(2026, 6, 15, 4, 0, tzinfo=UTC)
    credits = [
        (100, now - timedelta(days=3)),
        (50, now - timedelta(seconds=1)),
        (70, now + timedelta(days=10)),
    ]
    groups = group_expiries(credits, today=date(2026, 6, 15), notice_days=30, now=now)
    assert [(g.overdue, g.points) for g in groups] == [(True, 150), (False, 70)]
    assert groups[0].on == date(2026, 6, 15)
    assert all(g.on >= date(2026, 6, 15) for g in groups)


def test_the_dashboard_says_expiring_now_until_run_jobs_has_run(
    login, member, create_purchase, clock, client
):
    create_purchase(member, "400.00")
    clock.advance(days=2 * 366)
    login(member)  # two years on: a session of then would have ended
    page = client.get("/dashboard").get_data(as_text=True)
    assert "400 points are expiring now." in page
    expire_due_points()
    db.session.commit()
    page = client.get("/dashboard").get_data(as_text=True)
    assert "expiring now" not in page


def test_the_purchase_page_says_which_returned_points_had_expired(
    login, member, create_purchase, clock, client
):
    purchase = create_purchase(member, "400.00")
    expire_after_two_years(clock)
    record_return(purchase, amount=purchase.amount)
    db.session.commit()
    login(member)
    page = client.get(f"/purchases/{purchase.id}").get_data(as_text=True)
    assert "400 points of it had already expired and were not taken again" in page


def test_partial_returns_after_expiry_keep_the_expired_share_once(member, create_purchase, clock):
    # 10.23 earns 10 points; all of them expire. Returns of 5.00 and then 2.00 make a returned
    # share of 10 x 7.00 / 10.23 = 6.8, so 6 points in all stay in place, never 5 + 6.
    purchase = create_purchase(member, "10.23")
    expire_after_two_years(clock)

    first, _created = record_return(purchase, amount=500)
    second, _created = record_return(purchase, amount=200)
    db.session.commit()

    assert (first.points_reversed, first.points_expired_kept) == (0, 4)
    assert (second.points_reversed, second.points_expired_kept) == (0, 2)
    db.session.refresh(member)
    assert member.points_balance == 0 == ledger_sum(member)
