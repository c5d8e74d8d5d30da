"""The demo's day of return-visit calls (thank-you, care and courtesy calls, some overdue, one
reached, one to call back) and the vouchers that give "Rewards for you" its pairs; loading the
demo again adds nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import ReturnCall, RewardPair
from portal.services.engagement.calls import call_list
from portal.services.members.accounts import find_member_by_email
from portal.services.points.tiers import all_tiers
from portal.services.rewards.suggestions import rewards_for_you


def test_the_demo_has_a_day_of_calls_and_rewards_for_you(runner, clock):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    cards = call_list()
    assert {card.call.reason for card in cards} == {"thank_you", "care", "courtesy"}
    assert sum(card.overdue for card in cards) >= 2
    assert any(card.call.outcome == "call_back" for card in cards)
    assert all(card.call.member.phone for card in cards)
    reached = db.session.scalars(select(ReturnCall).where(ReturnCall.outcome == "reached")).all()
    assert any(call.note for call in reached)
    # The crowd's past calls were made as they fell due: what is left is a day's list and
    # the fortnight's backlog, not years of calls.
    oldest = min(card.call.due_on for card in cards)
    assert (clock.now().date() - oldest).days <= 30

    lin = find_member_by_email("demo@example.com")
    shown = rewards_for_you(lin, ranks={t.code: t.rank for t in all_tiers()})
    assert 0 < len(shown) <= 4
    assert any(s.chosen_with == "Jewellery cleaning & polishing" for s in shown)

    calls = db.session.scalar(select(func.count(ReturnCall.id)))
    pairs = db.session.scalar(select(func.count()).select_from(RewardPair))
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert db.session.scalar(select(func.count(ReturnCall.id))) == calls
    assert db.session.scalar(select(func.count()).select_from(RewardPair)) == pairs
