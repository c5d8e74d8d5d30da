"""The living demo programme: a crowd of generated members with three years of history recorded
by the real rules, so the books balance, the tiers follow the spending and every staff figure
has something true to count; loading the demo again changes nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from portal.demo.people import plan_crowd
from portal.extensions import db
from portal.models import (
    Event,
    EventRsvp,
    FollowUpCase,
    LedgerEntry,
    Member,
    Notification,
    OutboxMessage,
    Purchase,
    PurchaseReturn,
    Redemption,
    Referral,
    ReferralLinkOpen,
    SurveyAnswer,
    TierChange,
)
from portal.services.members.accounts import find_member_by_email
from portal.services.points.ledger import ledger_sum, unspent_sum
from portal.services.points.tiers import all_tiers, qualifying_spend, tier_for_spend
from portal.services.programme.local_time import programme_zone

TABLES = (
    Member,
    Purchase,
    PurchaseReturn,
    LedgerEntry,
    TierChange,
    Redemption,
    Referral,
    ReferralLinkOpen,
    Event,
    EventRsvp,
    SurveyAnswer,
    FollowUpCase,
    Notification,
    OutboxMessage,
)


def counts():
    return {model.__name__: db.session.scalar(select(func.count(model.id))) for model in TABLES}


def crowd(app, clock):
    people = plan_crowd(app.config["DEMO_GENERATED_MEMBERS"], clock.now(), programme_zone())
    members = [find_member_by_email(p.email) for p in people]
    assert all(members), "every planned member was created"
    return members


def test_the_crowd_has_three_years_of_history_by_the_rules(app, runner, clock):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    now = clock.now()
    members = crowd(app, clock)
    ids = [m.id for m in members]
    assert len(members) == app.config["DEMO_GENERATED_MEMBERS"] == 24
    assert f"programme: {len(members)} members" in result.output

    # Mixed languages, most with a phone and a birthday, joined over the years and lately.
    assert {m.locale for m in members} == {"en", "zh_Hans"}
    assert {m.email.split("@")[1] for m in members} == {"example.com", "example.cn"}
    assert sum(m.phone is not None for m in members) > len(members) / 2
    assert sum(m.birthday is not None for m in members) > len(members) / 2
    joined = sorted(m.created_at for m in members)
    assert joined[0] < now - timedelta(days=730)
    assert any(j > now - timedelta(days=90) for j in joined)

    # Purchases at the stores over more than two years, some lapsed members.
    purchases = db.session.scalars(select(Purchase).where(Purchase.member_id.in_(ids))).all()
    assert now - min(p.purchased_at for p in purchases) > timedelta(days=730)
    assert len({p.store for p in purchases}) >= 4
    last_purchase = {}
    for p in purchases:
        last_purchase[p.member_id] = max(
            last_purchase.get(p.member_id, p.purchased_at), p.purchased_at
        )
    assert any(when < now - timedelta(days=180) for when in last_purchase.values())
    assert any(when > now - timedelta(days=30) for when in last_purchase.values())

    # Returns, full and partial, reversing their share of the points.
    returned = [p for p in purchases if p.returned_amount > 0]
    assert any(p.returned_amount == p.amount for p in returned)
    assert any(0 < p.returned_amount < p.amount for p in returned)
    assert all(p.points_reversed <= p.points_awarded for p in returned)

    # Every balance is the sum of its ledger, and the unspent credits cover it.
    for member in db.session.scalars(select(Member)):
        assert member.points_balance == ledger_sum(member), member.email
        if member.points_balance >= 0:
            assert unspent_sum(member) == member.points_balance, member.email

    kinds = set(db.session.scalars(select(LedgerEntry.kind).where(LedgerEntry.member_id.in_(ids))))
    assert {"earn", "reverse", "expire", "redeem", "bonus"} <= kinds
    # Expiry came from the job, 24 months after the points were earned.
    expired = db.session.scalars(
        select(LedgerEntry).where(LedgerEntry.member_id.in_(ids), LedgerEntry.kind == "expire")
    ).all()
    for entry in expired:
        credit = db.session.get(LedgerEntry, entry.details["credit_id"])
        assert credit.expires_at <= entry.created_at < credit.expires_at + timedelta(days=15)

    # Tiers: all four held, moves up and down, and nobody below what their spend earns.
    tiers = all_tiers()
    assert {m.tier_code for m in members} == {t.code for t in tiers}
    ranks = {t.code: t.rank for t in tiers}
    for member in members:
        earned = tier_for_spend(qualifying_spend(member, now=now), tiers)
        assert ranks[member.tier_code] >= ranks[earned.code], member.email
        changes = db.session.scalars(
            select(TierChange).where(TierChange.member_id == member.id).order_by(TierChange.id)
        ).all()
        assert (changes[-1].to_tier if changes else "member") == member.tier_code
    reasons = set(
        db.session.execute(
            select(TierChange.reason, TierChange.to_tier).where(TierChange.member_id.in_(ids))
        ).all()
    )
    assert ("upgrade", "silver") in reasons
    assert any(reason == "evaluation" for reason, _tier in reasons)

    # Vouchers of the catalogue, used, cancelled with a refund, expired and still open.
    redemptions = db.session.scalars(select(Redemption).where(Redemption.member_id.in_(ids))).all()
    assert {r.status for r in redemptions} >= {"fulfilled", "cancelled", "expired"}
    assert len({r.reward_id for r in redemptions}) >= 3

    # Friends through members' links: opened, joined, rewarded.
    referrals = db.session.scalars(select(Referral).where(Referral.referrer_id.in_(ids))).all()
    assert "rewarded" in {r.status for r in referrals}
    opens = db.session.scalar(
        select(func.count(ReferralLinkOpen.id)).where(ReferralLinkOpen.referrer_id.in_(ids))
    )
    assert opens > len(referrals)

    # Past evenings with guests, check-ins, no-shows, cancellations, and one event cancelled.
    past = db.session.scalars(select(Event).where(Event.ends_at < now)).all()
    assert len(past) >= 10
    assert any(e.status == "cancelled" for e in past)
    statuses = set(
        db.session.scalars(
            select(EventRsvp.status).where(
                EventRsvp.member_id.in_(ids), EventRsvp.event_id.in_([e.id for e in past])
            )
        )
    )
    assert {"checked_in", "no_show", "cancelled"} <= statuses

    # Survey answers over the years: promoters, passives and detractors, moderated comments,
    # and the detractors' cases resolved.
    answers = db.session.scalars(select(SurveyAnswer).where(SurveyAnswer.member_id.in_(ids))).all()
    nps = [a.nps_score for a in answers if a.nps_score is not None]
    csat = [a.csat_score for a in answers if a.csat_score is not None]
    assert min(nps) <= 6 and max(nps) >= 9 and any(7 <= n <= 8 for n in nps)
    assert min(csat) <= 2 and max(csat) == 5
    assert now - min(a.submitted_at for a in answers) > timedelta(days=365)
    assert {"approved", "none"} <= {a.moderation for a in answers}
    cases = db.session.scalars(select(FollowUpCase).where(FollowUpCase.member_id.in_(ids))).all()
    assert "resolved" in {c.status for c in cases}

    # The crowd's mail of the past is not waiting to be sent today.
    assert not db.session.scalar(
        select(func.count(OutboxMessage.id)).where(
            OutboxMessage.member_id.in_(ids), OutboxMessage.status != "sent"
        )
    )

    before = counts()
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0, again.output
    assert "the members' history is there already" in again.output
    db.session.expire_all()
    assert counts() == before


def test_seed_demo_if_empty_leaves_a_programme_alone_and_members_sets_the_crowd(
    runner, clock, create_member
):
    create_member(email="someone@example.com")
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert "already has members" in result.output
    assert db.session.scalar(select(func.count(Member.id))) == 1

    assert runner.invoke(args=["seed-demo", "--members", "-1"]).exit_code != 0
