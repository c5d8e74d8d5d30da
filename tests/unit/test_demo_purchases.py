"""The demo history: recorded by the real rules, and loading it again changes nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import LedgerEntry, Notification, Purchase, PurchaseReturn, TierChange
from portal.services.members.accounts import find_member_by_email
from portal.services.points.ledger import ledger_sum, unspent_sum
from portal.services.points.tiers import qualifying_spend


def counts():
    return [
        db.session.scalar(select(func.count(model.id)))
        for model in (Purchase, LedgerEntry, PurchaseReturn, TierChange, Notification)
    ]


def test_the_demo_member_has_two_years_of_history_and_points_about_to_expire(runner, clock):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    lin = find_member_by_email("demo@example.com")
    purchases = db.session.scalars(select(Purchase).where(Purchase.member_id == lin.id)).all()
    assert len(purchases) >= 15
    oldest = min(p.purchased_at for p in purchases)
    assert clock.now() - oldest > timedelta(days=700)
    assert lin.tier_code == "gold"
    assert qualifying_spend(lin) >= 5_000_000
    assert lin.points_balance == ledger_sum(lin) == unspent_sum(lin) > 0
    assert db.session.scalar(
        select(func.count(LedgerEntry.id)).where(
            LedgerEntry.member_id == lin.id,
            LedgerEntry.remaining > 0,
            LedgerEntry.expires_at > clock.now(),
            LedgerEntry.expires_at <= clock.now() + timedelta(days=30),
        )
    )
    kinds = set(db.session.scalars(select(LedgerEntry.kind).where(LedgerEntry.member_id == lin.id)))
    assert {"earn", "reverse", "expire"} <= kinds
    assert sum(p.returned_amount > 0 for p in purchases) == 1
    [upgrade_to_silver, upgrade_to_gold] = db.session.scalars(
        select(TierChange).where(TierChange.member_id == lin.id).order_by(TierChange.id)
    ).all()
    assert (upgrade_to_silver.to_tier, upgrade_to_gold.to_tier) == ("silver", "gold")
    assert find_member_by_email("sophie.laurent@example.com").points_balance > 0

    before = counts()
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0, again.output
    assert counts() == before
