"""Returns (DESIGN.md): points reversed in proportion, floor(P x R / A) in all, never beyond
what was bought; qualifying spend lowered; idempotent per return reference."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import LedgerEntry, PurchaseReturn
from portal.services.points.ledger import ledger_sum, unspent_sum
from portal.services.points.tiers import qualifying_spend
from portal.services.purchases.recording import InvalidReturn, ReturnConflict, record_return
from portal.services.rewards.redemption import redeem


def reversals(member):
    return db.session.scalars(
        select(LedgerEntry)
        .where(LedgerEntry.member_id == member.id, LedgerEntry.kind == "reverse")
        .order_by(LedgerEntry.id)
    ).all()


def give_back(purchase, amount, **kwargs):
    purchase_return, created = record_return(purchase, amount=amount, **kwargs)
    db.session.commit()
    return purchase_return, created


@pytest.fixture
def silver_member(create_member):
    return create_member(birthday=date(1990, 1, 1), tier="silver")


def test_several_partial_returns_reverse_exactly_the_points_earned(
    silver_member, create_purchase, clock
):
    purchase = create_purchase(silver_member, "777.00")  # 777 x 1.25 = 971 points
    assert purchase.points_awarded == 971
    parts = [25900, 25900, 25900]  # three thirds of ¥777
    reversed_each = [give_back(purchase, part)[0].points_reversed for part in parts]
    # floor(971 x 259/777) = 323, floor(971 x 518/777) = 647, then all 971.
    assert reversed_each == [323, 324, 324]
    assert sum(e.points for e in reversals(silver_member)) == -971
    assert purchase.points_reversed == 971 and purchase.returned_amount == purchase.amount
    assert silver_member.points_balance == 0 == ledger_sum(silver_member)


def test_a_return_is_proportional_and_rounded_down(silver_member, create_purchase, clock):
    purchase = create_purchase(silver_member, "1000.00")  # 1250 points
    purchase_return, created = give_back(purchase, 33333, reason="Ring resized elsewhere")
    assert created
    assert purchase_return.points_reversed == 416  # floor(1250 x 333.33 / 1000) = 416
    [entry] = reversals(silver_member)
    assert entry.points == -416
    assert entry.purchase_id == purchase.id
    assert entry.purchase_return_id == purchase_return.id
    assert purchase.receipt_no in entry.reason
    assert silver_member.points_balance == 1250 - 416


def test_nothing_can_be_returned_beyond_what_is_left(silver_member, create_purchase, clock):
    purchase = create_purchase(silver_member, "500.00")
    give_back(purchase, 30000)
    with pytest.raises(InvalidReturn) as refused:
        record_return(purchase, amount=20001)
    assert "more than what is left" in refused.value.messages()["amount"]
    give_back(purchase, 20000)
    with pytest.raises(InvalidReturn) as refused:
        record_return(purchase, amount=1)
    assert "already been returned" in refused.value.messages()["amount"]
    assert db.session.scalar(select(db.func.count(PurchaseReturn.id))) == 2


@pytest.mark.parametrize("amount", [0, -100, 1.5, True])
def test_a_return_amount_must_be_positive_minor_units(
    silver_member, create_purchase, clock, amount
):
    purchase = create_purchase(silver_member, "500.00")
    with pytest.raises(InvalidReturn):
        record_return(purchase, amount=amount)


def test_the_same_return_reference_is_recorded_once(silver_member, create_purchase, clock):
    purchase = create_purchase(silver_member, "800.00")  # 1000 points
    first, created = give_back(purchase, 40000, return_ref="RT-1")
    again, created_again = give_back(purchase, 40000, return_ref="RT-1")
    assert created and not created_again and again.id == first.id
    assert silver_member.points_balance == 500
    with pytest.raises(ReturnConflict):
        record_return(purchase, amount=10000, return_ref="RT-1")


def test_returns_lower_qualifying_spend(silver_member, create_purchase, clock):
    purchase = create_purchase(silver_member, "2000.00")
    assert qualifying_spend(silver_member) == 200000
    give_back(purchase, 50000)
    assert qualifying_spend(silver_member) == 150000


def test_a_reversal_after_spending_may_take_the_balance_below_zero(
    silver_member, create_purchase, clock, create_reward
):
    purchase = create_purchase(silver_member, "800.00")  # 1000 points
    redeem(silver_member, create_reward(points_cost=900), idempotency_key="spend-900")
    db.session.commit()
    give_back(purchase, 80000)
    assert silver_member.points_balance == -900
    assert ledger_sum(silver_member) == -900
    assert unspent_sum(silver_member) == 0
    # A later purchase first pays off the debt.
    create_purchase(silver_member, "1000.00")  # 1250 points
    assert silver_member.points_balance == 350 == unspent_sum(silver_member)


def test_a_purchase_that_earned_nothing_can_still_be_returned(
    silver_member, create_purchase, clock
):
    purchase = create_purchase(silver_member, "0.50")
    purchase_return, _created = give_back(purchase, 50)
    assert purchase_return.points_reversed == 0 and reversals(silver_member) == []
