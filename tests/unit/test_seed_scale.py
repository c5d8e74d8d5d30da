"""`flask --app wsgi seed-scale`: synthetic members and purchases whose numbers hold together."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import LedgerEntry, Member, Purchase, PurchaseItem, Tier
from portal.services.members.cards import is_valid_card_number
from portal.services.points.tiers import qualifying_spend, tier_for_spend
from tests.conftest import form_post


def seed(runner, members: int, purchases: int):
    result = runner.invoke(
        args=["seed-scale", "--members", str(members), "--purchases", str(purchases)]
    )
    assert result.exit_code == 0, result.output
    return result


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_seed_scale_writes_consistent_members_purchases_and_ledger(app, runner, clock):
    result = seed(runner, 200, 2_000)
    assert "members: 200, purchases: 2000, ledger entries: 2000" in result.output
    assert count(Member) == 200
    assert count(Purchase) == count(PurchaseItem) == count(LedgerEntry) == 2_000

    sums = dict(
        db.session.execute(
            select(LedgerEntry.member_id, func.sum(LedgerEntry.points)).group_by(
                LedgerEntry.member_id
            )
        ).all()
    )
    unspent = dict(
        db.session.execute(
            select(LedgerEntry.member_id, func.sum(LedgerEntry.remaining)).group_by(
                LedgerEntry.member_id
            )
        ).all()
    )
    members = list(db.session.scalars(select(Member)))
    tiers = list(db.session.scalars(select(Tier).order_by(Tier.rank)))
    rank = {t.code: t.rank for t in tiers}
    for member in members:
        assert member.points_balance == sums.get(member.id, 0)
        assert member.points_balance == unspent.get(member.id, 0)
        assert is_valid_card_number(member.card_number)
        qualified = tier_for_spend(qualifying_spend(member), tiers)
        # Upgrades were applied; a higher tier than the spend is only held while it is kept.
        assert rank[member.tier_code] >= qualified.rank
        if rank[member.tier_code] > qualified.rank:
            assert member.tier_kept_until > clock.now()
        if member.tier_code != "member":
            assert member.tier_reached_at is not None and member.tier_kept_until is not None
    assert len({m.email for m in members}) == len({m.referral_code for m in members}) == 200
    assert len({m.card_number for m in members}) == 200
    assert any(rank[m.tier_code] > 0 for m in members)

    # Each purchase's points are its earn entry's, and balances run in order.
    mismatched = db.session.scalar(
        select(func.count())
        .select_from(Purchase)
        .join(LedgerEntry, LedgerEntry.purchase_id == Purchase.id)
        .where(LedgerEntry.points != Purchase.points_awarded)
    )
    assert mismatched == 0
    last = db.session.scalar(
        select(LedgerEntry)
        .where(LedgerEntry.member_id == members[0].id)
        .order_by(LedgerEntry.id.desc())
    )
    if last is not None:
        assert last.balance_after == members[0].points_balance
    # Nothing is due to expire yet: two years of history, points kept 24 months.
    assert not db.session.scalar(
        select(func.count()).select_from(LedgerEntry).where(LedgerEntry.expires_at <= clock.now())
    )


def test_seed_scale_adds_to_existing_data_and_synthetic_members_can_be_read(
    app, runner, client, member, create_purchase, clock
):
    seed(runner, 20, 100)
    seed(runner, 20, 100)
    assert count(Member) == 41
    assert count(Purchase) == 200
    # New rows after the bulk load take the next ids (PostgreSQL sequences moved on).
    purchase = create_purchase(member)
    assert purchase.id == 201
    busiest = db.session.scalar(
        select(Member).where(Member.id != member.id).order_by(Member.points_balance.desc())
    )
    response = form_post(
        client,
        "/login",
        {"email": busiest.email, "password": "synthetic-member-not-a-real-account"},
    )
    assert response.status_code == 303
    assert client.get("/dashboard").status_code == 200
    assert client.get("/purchases").status_code == 200


def test_seed_scale_adds_plausible_audit_rows_that_the_log_pages(app, runner, clock, login, client):
    from portal.models import AuditEntry

    result = runner.invoke(
        args=["seed-scale", "--members", "20", "--purchases", "40", "--audit-rows", "600"]
    )
    assert result.exit_code == 0, result.output
    assert "audit rows: 600" in result.output
    assert count(AuditEntry) == 600
    rows = list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    assert all(a.created_at <= b.created_at for a, b in zip(rows, rows[1:], strict=False))
    assert {row.action for row in rows} >= {"auth.sign_in", "member.points_adjust"}
    signed_in = next(row for row in rows if row.action == "auth.sign_in")
    assert signed_in.actor_id == signed_in.member_id and signed_in.details == {"method": "password"}
    login("staff")
    page = client.get("/admin/audit").get_data(as_text=True)
    assert page.count("<tr>") == 51  # the head's row and a page of 50


def test_seed_scale_has_the_kpi_summaries_made_again(app, runner, clock):
    from portal.models import KpiDailyPoints, KpiSummaryMark
    from portal.services.programme.kpi_summaries import summarise_points

    seed(runner, 10, 50)
    summarise_points()
    db.session.commit()
    summed = db.session.scalar(select(func.sum(KpiDailyPoints.points_sum)))
    seed(runner, 10, 50)  # dated in the past, after the summary was made
    assert count(KpiSummaryMark) == 0
    summarise_points()
    db.session.commit()
    assert db.session.scalar(select(func.sum(KpiDailyPoints.points_sum))) > summed
