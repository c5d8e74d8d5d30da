"""“Rewards for you”: the co-occurrence counts of `run-jobs` and the member's suggestions
(tier-aware, in stock, under the limit, at most 4, each with its reason)."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.models import Member, RewardPair
from portal.services.rewards.redemption import tier_ranks
from portal.services.rewards.suggestions import refresh_reward_pairs, rewards_for_you
from portal.services.rewards.vouchers import cancel_redemption


def pairs() -> dict[tuple[str, str], int]:
    from portal.models import Reward

    names = dict(db.session.execute(select(Reward.id, Reward.name)).all())
    return {
        (names[p.reward_id], names[p.other_reward_id]): p.members_count
        for p in db.session.scalars(select(RewardPair))
    }


def suggestions_for(member):
    db.session.expire_all()
    return rewards_for_you(db.session.get(Member, member.id), ranks=tier_ranks())


def test_pairs_count_the_members_who_chose_both_and_skip_cancelled_vouchers(
    create_member, create_reward, redeem_reward, staff
):
    pouch = create_reward(name="Silk pouch", points_cost=100)
    cleaning = create_reward(name="Cleaning", points_cost=100)
    tea = create_reward(name="Tea", points_cost=100)
    engraving = create_reward(name="Engraving", points_cost=100)
    a, b, c, d = (create_member() for _ in range(4))
    redeem_reward(a, pouch)
    redeem_reward(a, cleaning)
    redeem_reward(a, cleaning)  # twice by one member: still one member
    redeem_reward(b, pouch)
    redeem_reward(b, cleaning)
    redeem_reward(b, tea)
    redeem_reward(c, pouch)
    redeem_reward(c, tea)
    redeem_reward(d, pouch)
    cancel_redemption(redeem_reward(d, engraving), staff, "Changed their mind")
    db.session.commit()

    assert refresh_reward_pairs() == 6
    # By hand: pouch & cleaning chosen by a and b; pouch & tea by b and c; cleaning & tea by b.
    assert pairs() == {
        ("Silk pouch", "Cleaning"): 2,
        ("Cleaning", "Silk pouch"): 2,
        ("Silk pouch", "Tea"): 2,
        ("Tea", "Silk pouch"): 2,
        ("Cleaning", "Tea"): 1,
        ("Tea", "Cleaning"): 1,
    }
    # Run again: the same table, not doubled.
    assert refresh_reward_pairs() == 6
    assert pairs()[("Silk pouch", "Cleaning")] == 2


def test_a_silver_reward_is_never_suggested_to_a_member_of_the_first_tier(
    create_member, create_reward, redeem_reward, give_points
):
    pouch = create_reward(name="Silk pouch", points_cost=100)
    salon = create_reward(name="Silver salon", points_cost=100, min_tier="silver")
    silver_friend = create_member(tier="silver")
    redeem_reward(silver_friend, pouch)
    redeem_reward(silver_friend, salon)
    basic = create_member()
    assert basic.tier_code == "member"
    redeem_reward(basic, pouch)
    give_points(basic, 5_000)  # affordable, co-chosen, and still not for this tier
    silver = create_member(tier="silver")
    redeem_reward(silver, pouch)
    refresh_reward_pairs()
    db.session.commit()

    assert "Silver salon" not in [s.reward.name for s in suggestions_for(basic)]
    shown = suggestions_for(silver)
    assert shown[0].reward.name == "Silver salon"
    assert shown[0].chosen_with == "Silk pouch" and shown[0].members_count == 1


def test_co_chosen_first_then_nearly_affordable_then_affordable_at_most_four(
    create_member, create_reward, redeem_reward, give_points
):
    pouch = create_reward(name="Silk pouch", points_cost=100)
    often = create_reward(name="Chosen by two", points_cost=9_000)
    once = create_reward(name="Chosen by one", points_cost=200)
    create_reward(name="120 away", points_cost=1_120)  # a quarter of 1,120 is 280
    far = create_reward(name="1,500 away", points_cost=2_500)  # more than a quarter away
    for cost in (300, 900, 1_000):
        create_reward(name=f"Affordable {cost}", points_cost=cost)
    for _ in range(2):
        friend = create_member()
        redeem_reward(friend, pouch)
        redeem_reward(friend, often)
    friend = create_member()
    redeem_reward(friend, pouch)
    redeem_reward(friend, once)
    member = create_member()
    redeem_reward(member, pouch)
    give_points(member, 1_000)
    refresh_reward_pairs()
    db.session.commit()

    shown = suggestions_for(member)
    assert [s.reward.name for s in shown] == [
        "Chosen by two",
        "Chosen by one",
        "120 away",
        "Affordable 1000",
    ]
    assert shown[0].points_away == 8_000 and shown[0].chosen_with == "Silk pouch"
    assert shown[2].points_away == 120 and shown[2].nearly_affordable
    assert shown[3].affordable
    assert far.name not in [s.reward.name for s in shown]


def test_no_reward_off_offer_out_of_stock_or_over_the_limit_and_none_when_turned_off(
    create_member, create_reward, redeem_reward, give_points
):
    create_reward(name="Inactive", points_cost=100, active=False)
    create_reward(name="Sold out", points_cost=100, stock=0)
    once_only = create_reward(name="Once each", points_cost=100, per_member_limit=1)
    create_reward(name="Open", points_cost=100)
    member = create_member()
    redeem_reward(member, once_only)
    give_points(member, 500)

    assert [s.reward.name for s in suggestions_for(member)] == ["Open"]
    db.session.get(Member, member.id).personalised_suggestions = False
    db.session.commit()
    assert suggestions_for(member) == []
