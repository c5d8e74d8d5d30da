"""“Rewards for you”: up to SUGGESTIONS rewards a member may redeem, each with its reason.

Item-to-item co-occurrence: `run-jobs` counts, for every two rewards, how many members chose
both (vouchers issued, fulfilled or expired; cancelled ones do not count) into reward_pairs, in
one INSERT … SELECT. A member's suggestions are the rewards on offer their tier opens, in
stock and under the per-member limit, ranked:
1. rewards chosen by members who chose one of the member's rewards (the most such members
   first, then the fewest points away), said as "members who chose X also chose this";
2. rewards the member nearly affords (at most a quarter of the cost away), fewest points first;
3. rewards the member can redeem now, the dearest first.
A reward with none of these reasons is not suggested; none at all when the member turned
personalised suggestions off. One statement, whatever the member's history.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import BindParameter, Select, bindparam, delete, func, insert, or_, select
from sqlalchemy.orm import aliased

from portal.clock import utcnow
from portal.extensions import db
from portal.models import Member, Redemption, Reward, RewardPair
from portal.models.base import UTCDateTime
from portal.services.rewards.redemption import COUNTED_STATUSES, on_offer

logger = logging.getLogger(__name__)

SUGGESTIONS = 4
# "Nearly affordable": at most this share of the reward's cost away.
NEAR_SHARE = 4


def refresh_reward_pairs() -> int:
    """The `run-jobs` step: recount reward_pairs from the redemptions, set-based."""
    chosen = (
        select(Redemption.member_id, Redemption.reward_id)
        .where(Redemption.status.in_(COUNTED_STATUSES))
        .distinct()
        .subquery()
    )
    first = aliased(chosen)
    second = aliased(chosen)
    pairs = (
        select(first.c.reward_id, second.c.reward_id, func.count())
        .select_from(first)
        .join(
            second,
            (second.c.member_id == first.c.member_id) & (second.c.reward_id != first.c.reward_id),
        )
        .group_by(first.c.reward_id, second.c.reward_id)
    )
    db.session.execute(delete(RewardPair))
    db.session.execute(
        insert(RewardPair.__table__).from_select(
            ["reward_id", "other_reward_id", "members_count"], pairs
        )
    )
    # Counted, not taken from the cursor: drivers differ on INSERT … SELECT's rowcount.
    count = db.session.scalar(select(func.count()).select_from(RewardPair)) or 0
    logger.info("reward pairs refreshed: %d", count)
    return count


@dataclass
class Suggestion:
    reward: Reward
    points_away: int  # cost − balance; 0 or less: the member can redeem it now
    chosen_with: str | None = None  # the member's reward that others chose with this one
    chosen_with_zh: str | None = None
    members_count: int = 0

    @property
    def affordable(self) -> bool:
        return self.points_away <= 0

    @property
    def nearly_affordable(self) -> bool:
        return 0 < self.points_away <= self.reward.points_cost // NEAR_SHARE


def rewards_for_you(
    member: Member,
    *,
    ranks: dict[str, int],
    now: datetime | None = None,
    limit: int = SUGGESTIONS,
) -> list[Suggestion]:
    """The member's suggestions as ranked above (`ranks`: tier code -> rank)."""
    if not member.personalised_suggestions:
        return []
    now = now or utcnow()
    rank = ranks.get(member.tier_code, 0)
    opened = [code for code, r in ranks.items() if r <= rank]
    rows = db.session.execute(
        _suggestion_rows(), {"member_id": member.id, "now": now, "opened": opened}
    ).all()
    balance = member.points_balance
    suggestions = []
    for reward, redeemed, pair_count, name, name_zh in rows:
        if reward.per_member_limit is not None and redeemed >= reward.per_member_limit:
            continue
        suggestion = Suggestion(reward, reward.points_cost - balance)
        if pair_count and not redeemed:
            suggestion.chosen_with, suggestion.chosen_with_zh = name, name_zh
            suggestion.members_count = pair_count
        elif not (suggestion.nearly_affordable or suggestion.affordable):
            continue
        suggestions.append(suggestion)

    def order(s: Suggestion) -> tuple:
        if s.members_count:
            return (0, -s.members_count, max(s.points_away, 0), s.reward.id)
        if s.nearly_affordable:
            return (1, s.points_away, 0, s.reward.id)
        return (2, -s.reward.points_cost, 0, s.reward.id)

    return sorted(suggestions, key=order)[:limit]


@cache
def _suggestion_rows() -> Select:
    """The one statement, built once per process (its parameters bound at each call): the
    rewards on offer to the opened tiers and in stock, each with how many times the member
    chose it and the best pair among the member's own rewards."""
    member_id: BindParameter[int] = bindparam("member_id")
    mine = (
        select(Redemption.reward_id)
        .where(Redemption.member_id == member_id, Redemption.status.in_(COUNTED_STATUSES))
        .scalar_subquery()
    )
    mine_count = (
        select(func.count(Redemption.id))
        .where(
            Redemption.member_id == member_id,
            Redemption.reward_id == Reward.id,
            Redemption.status.in_(COUNTED_STATUSES),
        )
        .correlate(Reward)
        .scalar_subquery()
    )
    chosen = aliased(Reward)

    def best_pair(column):  # type: ignore[no-untyped-def]
        return (
            select(column)
            .select_from(RewardPair)
            .join(chosen, chosen.id == RewardPair.reward_id)
            .where(RewardPair.other_reward_id == Reward.id, RewardPair.reward_id.in_(mine))
            .order_by(RewardPair.members_count.desc(), RewardPair.reward_id)
            .limit(1)
            .correlate(Reward)
            .scalar_subquery()
        )

    return select(
        Reward,
        mine_count,
        best_pair(RewardPair.members_count),
        best_pair(chosen.name),
        best_pair(chosen.name_zh),
    ).where(
        on_offer(bindparam("now", type_=UTCDateTime())),
        or_(Reward.min_tier.is_(None), Reward.min_tier.in_(bindparam("opened", expanding=True))),
        or_(Reward.stock.is_(None), Reward.stock > 0),
    )
