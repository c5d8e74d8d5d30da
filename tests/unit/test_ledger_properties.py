"""Property test of the ledger with purchases (Hypothesis): whatever sequence of purchases,
returns, redemptions and expiries (with the clock moving) happens, the stored balance equals
the sum of the entries and the last entry's balance, unspent points equal the positive
balance, and no point is ever created beyond what the purchases earned."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from portal import clock as portal_clock
from portal.extensions import db
from portal.models import LedgerEntry, Purchase
from portal.services.points.expiry import expire_due_points
from portal.services.points.ledger import InsufficientPoints, debit_points, ledger_sum, unspent_sum
from portal.services.points.tiers import evaluate_tiers
from portal.services.purchases.recording import InvalidReturn, record_purchase, record_return

buy = st.tuples(st.just("buy"), st.integers(1, 6_000_000), st.integers(0, 60))
give_back = st.tuples(st.just("return"), st.integers(0, 30), st.integers(1, 120))
redeem = st.tuples(st.just("redeem"), st.integers(1, 20_000), st.just(0))
wait = st.tuples(st.just("wait"), st.integers(1, 400), st.just(0))
operations = st.lists(st.one_of(buy, give_back, redeem, wait), min_size=1, max_size=25)


def check_invariants(member, purchases):
    db.session.refresh(member)
    entries = db.session.scalars(
        select(LedgerEntry).where(LedgerEntry.member_id == member.id).order_by(LedgerEntry.id)
    ).all()
    balance = member.points_balance
    assert balance == ledger_sum(member)
    assert balance == (entries[-1].balance_after if entries else 0)
    assert unspent_sum(member) == max(balance, 0)
    credited = sum(e.points for e in entries if e.points > 0)
    assert all(e.kind == "earn" for e in entries if e.points > 0)
    earned = 0
    for purchase in purchases:
        db.session.refresh(purchase)
        units = purchase.amount // 100
        # At most 2 (Diamond) x 2 (birthday) per whole unit.
        assert 0 <= purchase.points_awarded <= units * 4
        # A return takes back its share of the points, except those already expired (never
        # taken twice): what is reversed and what was kept add up to the returned share.
        kept = sum(r.points_expired_kept for r in purchase.returns)
        assert purchase.points_reversed + kept == (
            purchase.points_awarded * purchase.returned_amount // purchase.amount
        )
        earned += purchase.points_awarded
    assert credited == earned
    reversed_points = -sum(e.points for e in entries if e.kind == "reverse")
    assert reversed_points == sum(p.points_reversed for p in purchases)
    assert balance <= earned - reversed_points


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=operations, birth_month=st.integers(1, 12))
def test_any_sequence_keeps_the_ledger_balanced(create_member, clock, steps, birth_month):
    portal_clock.set_now(datetime(2026, 1, 10, 4, 0, tzinfo=UTC))
    member = create_member(email=f"prop-{uuid.uuid4().hex[:10]}@example.com")
    member.birthday = date(1990, birth_month, 15)
    db.session.commit()
    purchases: list[Purchase] = []
    for action, first, second in steps:
        if action == "buy":
            purchase, created = record_purchase(
                member,
                receipt_no=f"PT-{uuid.uuid4().hex[:16]}",
                amount=first,
                currency="CNY",
                purchased_at=portal_clock.utcnow() - timedelta(days=second),
                store="Online shop",
                items=[],
                channel="api",
            )
            assert created
            purchases.append(purchase)
        elif action == "return" and purchases:
            purchase = purchases[first % len(purchases)]
            db.session.refresh(purchase)
            amount = max(1, purchase.amount * second // 100)
            if amount > purchase.returnable_amount:
                try:
                    record_return(purchase, amount=amount)
                except InvalidReturn:
                    pass
                else:
                    raise AssertionError("returned more than what was left")
            else:
                record_return(purchase, amount=amount)
        elif action == "redeem":
            before = member.points_balance
            try:
                debit_points(member, "redeem", first, reason="Reward", must_be_covered=True)
            except InsufficientPoints:
                assert before < first
        elif action == "wait":
            portal_clock.advance(timedelta(days=first))
            expire_due_points()
            evaluate_tiers()
        db.session.commit()
        check_invariants(member, purchases)
    # However often expiry runs again, nothing changes.
    before = db.session.scalar(select(func.count(LedgerEntry.id)))
    expire_due_points()
    db.session.commit()
    assert db.session.scalar(select(func.count(LedgerEntry.id))) == before
