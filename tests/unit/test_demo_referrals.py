"""The demo referrals: the demo member has friends in every state, the report has months of
data, the books balance, and loading the demo again adds nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Member, Referral
from portal.models.referrals import STATUSES
from portal.services.members.accounts import find_member_by_email
from portal.services.points.ledger import ledger_sum
from portal.services.referrals.report import referral_report


def test_the_demo_member_has_friends_in_every_state(runner, clock):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    lin = find_member_by_email("demo@example.com")
    referrals = db.session.scalars(select(Referral).where(Referral.referrer_id == lin.id)).all()
    assert {r.status for r in referrals} == set(STATUSES)
    reasons = {r.reason for r in referrals if r.status == "ineligible"}
    assert reasons == {"self_referral", "existing_account", "window_passed", "rejected"}
    assert any(r.status == "joined" and r.reason == "purchase_returned" for r in referrals)
    assert sum(r.status == "rewarded" for r in referrals) >= 5

    report = referral_report()
    assert sum(1 for month in report.months if month.points_paid) >= 3
    assert report.top_referrers[0].member.id == lin.id
    for member in db.session.scalars(select(Member)):
        assert member.points_balance == ledger_sum(member), member.name

    before = db.session.scalar(select(func.count(Referral.id)))
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert db.session.scalar(select(func.count(Referral.id))) == before
