"""Browsing the rewards catalogue and a member's vouchers: search, filters, sort, and what
each card says to the member reading it."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import QueryableAttribute

from portal.clock import utcnow
from portal.extensions import db
from portal.models import Member, Redemption, Reward
from portal.models.rewards import REDEMPTION_STATUSES, REWARD_CATEGORIES
from portal.services.rewards.redemption import (
    COUNTED_STATUSES,
    LOW_STOCK,
    Eligibility,
    check_eligibility,
    normalise_voucher_code,
    on_offer,
    tier_ranks,
)
from portal.services.rewards.suggestions import Suggestion, rewards_for_you

SORTS = ("popular", "cost", "cost_desc", "newest")
# tier filter: "" every reward, "mine" those my tier opens, or a tier code (that tier's own).
MY_TIER = "mine"


@dataclass
class CatalogueQuery:
    search: str = ""
    category: str = ""
    affordable: bool = False
    tier: str = ""
    sort: str = "popular"

    def cleaned(self, tier_codes: Collection[str]) -> CatalogueQuery:
        """Unknown values (an edited URL) fall back to "everything", never an error."""
        return CatalogueQuery(
            search=(self.search or "").strip()[:100],
            category=self.category if self.category in REWARD_CATEGORIES else "",
            affordable=bool(self.affordable),
            tier=self.tier if self.tier == MY_TIER or self.tier in tier_codes else "",
            sort=self.sort if self.sort in SORTS else "popular",
        )

    @property
    def is_filtered(self) -> bool:
        return bool(self.search or self.category or self.affordable or self.tier)


@dataclass
class RewardCard:
    reward: Reward
    eligibility: Eligibility

    @property
    def stock_is_low(self) -> bool:
        stock = self.reward.stock
        return stock is not None and 0 < stock <= LOW_STOCK


def redeemed_counts(member: Member) -> dict[int, int]:
    """Reward id -> vouchers of this member counted against the per-member limit."""
    rows = db.session.execute(
        select(Redemption.reward_id, func.count(Redemption.id))
        .where(Redemption.member_id == member.id, Redemption.status.in_(COUNTED_STATUSES))
        .group_by(Redemption.reward_id)
    )
    return dict(rows.all())


def browse_catalogue(
    member: Member, query: CatalogueQuery, *, now: datetime | None = None
) -> list[RewardCard]:
    """The rewards on offer now that match the member's search and filters, each with what
    stands between the member and redeeming it."""
    now = now or utcnow()
    ranks = tier_ranks()
    statement = select(Reward).where(on_offer(now))
    if query.search:
        text = query.search
        statement = statement.where(
            or_(
                Reward.name.icontains(text, autoescape=True),
                Reward.name_zh.icontains(text, autoescape=True),
                Reward.description.icontains(text, autoescape=True),
                Reward.description_zh.icontains(text, autoescape=True),
            )
        )
    if query.category:
        statement = statement.where(Reward.category == query.category)
    if query.affordable:
        statement = statement.where(Reward.points_cost <= member.points_balance)
    if query.tier == MY_TIER:
        allowed = [code for code, rank in ranks.items() if rank <= ranks.get(member.tier_code, 0)]
        statement = statement.where(or_(Reward.min_tier.is_(None), Reward.min_tier.in_(allowed)))
    elif query.tier:
        lowest = min(ranks, key=ranks.__getitem__)
        if query.tier == lowest:
            statement = statement.where(
                or_(Reward.min_tier.is_(None), Reward.min_tier == query.tier)
            )
        else:
            statement = statement.where(Reward.min_tier == query.tier)
    orders: dict[str, list[ColumnElement[Any] | QueryableAttribute[Any]]] = {
        "popular": [Reward.redemption_count.desc(), Reward.points_cost],
        "cost": [Reward.points_cost, Reward.name],
        "cost_desc": [Reward.points_cost.desc(), Reward.name],
        "newest": [Reward.created_at.desc(), Reward.id.desc()],
    }
    order = orders[query.sort]
    rewards = db.session.scalars(statement.order_by(*order, Reward.id)).unique().all()
    counts = redeemed_counts(member)
    return [
        RewardCard(
            reward,
            check_eligibility(
                member, reward, now=now, redeemed=counts.get(reward.id, 0), ranks=ranks
            ),
        )
        for reward in rewards
    ]


def catalogue_suggestions(
    member: Member, query: CatalogueQuery, *, now: datetime | None = None
) -> list[Suggestion]:
    """The "Rewards for you" panel above the catalogue's plain list (a search, a filter or
    another sort shows only what was asked for); none when the member turned them off."""
    if query.is_filtered or query.sort != "popular" or not member.personalised_suggestions:
        return []
    return rewards_for_you(member, ranks=tier_ranks(), now=now)


def reward_for_member(reward_id: int) -> Reward | None:
    """A reward a member may look at: an active one (a future or ended one says so on its
    page); None for an inactive or unknown id, which the member sees as not found."""
    reward = db.session.get(Reward, reward_id)
    if reward is None or not reward.active:
        return None
    return reward


def member_vouchers(member: Member) -> list[Redemption]:
    return list(
        db.session.scalars(
            select(Redemption)
            .where(Redemption.member_id == member.id)
            .order_by(Redemption.id.desc())
            .limit(200)
        )
    )


def member_voucher(member: Member, redemption_id: int) -> Redemption | None:
    """The member's own voucher; None for anybody else's (shown as not found)."""
    return db.session.scalar(
        select(Redemption).where(Redemption.id == redemption_id, Redemption.member_id == member.id)
    )


def find_voucher(typed_code: str) -> Redemption | None:
    code = normalise_voucher_code(typed_code)
    if not code:
        return None
    return db.session.scalar(select(Redemption).where(Redemption.voucher_code == code))


def recent_redemptions(status: str = "", limit: int = 50) -> list[Redemption]:
    statement = select(Redemption).order_by(Redemption.id.desc()).limit(limit)
    if status in REDEMPTION_STATUSES:
        statement = statement.where(Redemption.status == status)
    return list(db.session.scalars(statement))
