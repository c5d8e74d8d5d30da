"""Expiry (DESIGN.md): points expire 24 months after they were earned, oldest first; members
are told 30 days before, once per expiry date; every run may be repeated."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.models import LedgerEntry, Notification, OutboxMessage
from portal.services.points.expiry import expire_due_points, send_expiry_notices
from portal.services.points.ledger import ledger_sum, unspent_sum
from portal.services.programme.local_time import add_local_months, local_date
from portal.services.rewards.redemption import redeem


def entries(member, kind):
    return db.session.scalars(
        select(LedgerEntry)
        .where(LedgerEntry.member_id == member.id, LedgerEntry.kind == kind)
        .order_by(LedgerEntry.id)
    ).all()


def run(function):
    result = function()
    db.session.commit()
    return result


def test_points_expire_oldest_first_and_only_once(
    create_member, create_purchase, clock, create_reward
):
    member = create_member()
    first = datetime(2024, 7, 1, 2, 0, tzinfo=UTC)
    second = datetime(2024, 9, 1, 2, 0, tzinfo=UTC)
    clock.set(datetime(2024, 10, 1, tzinfo=UTC))
    create_purchase(member, "1000.00", purchased_at=first)
    create_purchase(member, "600.00", purchased_at=second)
    # Spending takes the oldest points first: 700 of the first purchase's 1000.
    redeem(
        member,
        create_reward(name="Gift wrapping set", points_cost=700),
        idempotency_key="spend-700",
    )
    db.session.commit()

    clock.set(add_local_months(first, 24) - timedelta(minutes=1))
    assert run(expire_due_points) == 0
    clock.set(add_local_months(first, 24) + timedelta(hours=1))
    assert run(expire_due_points) == 1
    [expired] = entries(member, "expire")
    assert expired.points == -300  # what was left of the first purchase's points
    assert member.points_balance == 600

    assert run(expire_due_points) == 0  # a second run the same day does nothing
    assert len(entries(member, "expire")) == 1

    clock.set(add_local_months(second, 24) + timedelta(hours=1))
    assert run(expire_due_points) == 1
    assert [e.points for e in entries(member, "expire")] == [-300, -600]
    assert member.points_balance == 0 == ledger_sum(member) == unspent_sum(member)


def test_points_earned_on_29_february_expire_on_28_february_in_the_programme_zone(
    create_member, create_purchase, clock
):
    """24 months on the programme's calendar: bought on 29 February 2024 at 06:00 in
    Shanghai, the points expire on 28 February 2026 at 06:00 there (not on 1 March, as
    counting the months in UTC would have it)."""
    member = create_member()
    clock.set(datetime(2024, 3, 1, tzinfo=UTC))
    create_purchase(member, "1000.00", purchased_at=datetime(2024, 2, 28, 22, 0, tzinfo=UTC))
    [earned] = entries(member, "earn")
    assert local_date(earned.expires_at) == date(2026, 2, 28)

    clock.set(datetime(2026, 2, 27, 21, 59, tzinfo=UTC))  # 28 February, 05:59 in Shanghai
    assert run(expire_due_points) == 0
    clock.set(datetime(2026, 2, 27, 22, 0, tzinfo=UTC))  # 06:00
    assert run(expire_due_points) == 1
    assert member.points_balance == 0


def test_members_are_told_30_days_before_once_per_expiry_date(
    create_member, create_purchase, clock, mailbox
):
    member = create_member(email="mei.notice@example.com")
    # 1 July 01:00 in Shanghai is still 30 June in UTC: the notice speaks of 1 July.
    bought = datetime(2024, 6, 30, 17, 0, tzinfo=UTC)
    clock.set(datetime(2024, 7, 2, tzinfo=UTC))
    create_purchase(member, "1500.00", purchased_at=bought)
    create_purchase(member, "500.00", purchased_at=bought + timedelta(hours=2))
    expiry = add_local_months(bought, 24)

    clock.set(expiry - timedelta(days=31))
    assert run(send_expiry_notices) == 0
    clock.set(expiry - timedelta(days=29))
    assert run(send_expiry_notices) == 1
    assert run(send_expiry_notices) == 0
    clock.advance(days=10)
    assert run(send_expiry_notices) == 0

    [notice] = db.session.scalars(select(Notification)).all()
    assert notice.member_id == member.id
    assert notice.title == "2,000 points expire on July 1, 2026"
    assert "2,000" in notice.body
    assert db.session.scalar(select(db.func.count(OutboxMessage.id))) == 1
    assert "July 1, 2026" in mailbox.text_of(mailbox.last_to("mei.notice@example.com"))


def test_no_notice_for_points_already_spent(create_member, create_purchase, clock, create_reward):
    member = create_member()
    bought = datetime(2024, 8, 1, 2, 0, tzinfo=UTC)
    clock.set(datetime(2024, 8, 2, tzinfo=UTC))
    create_purchase(member, "300.00", purchased_at=bought)
    redeem(member, create_reward(points_cost=300), idempotency_key="spend-all-300")
    db.session.commit()
    clock.set(add_local_months(bought, 24) - timedelta(days=5))
    assert run(send_expiry_notices) == 0


def test_run_jobs_expires_and_notifies_and_can_run_again(
    create_member, create_purchase, clock, runner
):
    member = create_member(locale="zh_Hans")
    clock.set(datetime(2024, 6, 2, tzinfo=UTC))
    create_purchase(member, "800.00", purchased_at=datetime(2024, 5, 1, 4, tzinfo=UTC))
    create_purchase(member, "200.00", purchased_at=datetime(2024, 6, 1, 3, tzinfo=UTC))
    clock.set(datetime(2026, 5, 20, tzinfo=UTC))

    first = runner.invoke(args=["run-jobs"])
    assert first.exit_code == 0, first.output
    assert "points-expiry: 1" in first.output
    assert "points-expiry-notices: 1" in first.output
    second = runner.invoke(args=["run-jobs"])
    assert "points-expiry: 0" in second.output
    assert "points-expiry-notices: 0" in second.output
    db.session.expire_all()
    assert member.points_balance == 200
    [notice] = db.session.scalars(select(Notification)).all()
    assert "2026年6月1日" in notice.title  # the date as a reader in Chinese writes it
