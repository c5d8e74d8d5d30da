"""Tiers: qualification is net spend (purchases minus returns) over the rolling window of
`tier_window_months` (12), counted from purchased_at."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from portal.clock import add_months, utcnow
from portal.extensions import db
from portal.models import Member, Purchase, Tier
from portal.services.settings import programme_settings


def all_tiers() -> list[Tier]:
    """The tiers, lowest first (a handful of rows; read once per request)."""
    return list(db.session.scalars(select(Tier).order_by(Tier.rank)))


def qualifying_spend(member: Member, *, now: datetime | None = None) -> int:
    """Net spend in minor units of the purchases made in the window ending `now`."""
    now = now or utcnow()
    since = add_months(now, -programme_settings().tier_window_months)
    return db.session.scalar(
        select(func.coalesce(func.sum(Purchase.amount - Purchase.returned_amount), 0)).where(
            Purchase.member_id == member.id,
            Purchase.purchased_at > since,
            Purchase.purchased_at <= now,
        )
    )


def tier_for_spend(spend: int, tiers: list[Tier] | None = None) -> Tier:
    """The highest tier whose threshold `spend` reaches."""
    tiers = tiers or all_tiers()
    reached = tiers[0]
    for tier in tiers:
        if spend >= tier.qualifying_spend:
            reached = tier
    return reached


@dataclass
class TierProgress:
    current: Tier
    next: Tier | None
    spend: int  # qualifying spend now, minor units
    needed_for_next: int  # 0 when at the top
    percent_to_next: int  # 0-100, for the progress bar
    kept_until: datetime | None
    needed_to_keep: int  # spend still needed by kept_until to keep the current tier


def tier_progress(member: Member, *, now: datetime | None = None) -> TierProgress:
    tiers = all_tiers()
    spend = qualifying_spend(member, now=now)
    current = next((t for t in tiers if t.code == member.tier_code), tiers[0])
    higher = [t for t in tiers if t.rank > current.rank]
    following = higher[0] if higher else None
    needed = max(0, following.qualifying_spend - spend) if following else 0
    if following:
        span = following.qualifying_spend - current.qualifying_spend
        percent = (
            100 if span <= 0 else max(0, min(100, (spend - current.qualifying_spend) * 100 // span))
        )
    else:
        percent = 100
    return TierProgress(
        current=current,
        next=following,
        spend=spend,
        needed_for_next=needed,
        percent_to_next=percent,
        kept_until=member.tier_kept_until,
        needed_to_keep=max(0, current.qualifying_spend - spend),
    )
