"""Tiers: qualification is net spend (purchases minus returns) over the rolling window of
`tier_window_months` (12), counted from purchased_at."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import case, func, select, type_coerce

from portal.clock import add_months, local_date, utcnow
from portal.extensions import db
from portal.models import Member, Purchase, Tier
from portal.models.base import UTCDateTime
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
    """Where a member stands: what they spent in the window, what the next tier needs and by
    when, and what keeps the tier they hold. Amounts in minor units, dates in the programme's
    zone."""

    current: Tier
    next: Tier | None
    spend: int  # qualifying spend now, minor units
    needed_for_next: int  # 0 when at the top
    percent_to_next: int  # 0-100: share of the next tier's threshold already spent
    kept_until: datetime | None
    needed_to_keep: int  # spend still needed by kept_until to keep the current tier
    # The last day on which spending `needed_for_next` surely reaches the next tier: the day
    # before the oldest purchase counted now leaves the rolling window. None when nothing is
    # counted yet (any 12 months of spending will do).
    next_by: date | None = None
    # The last day of the current guarantee, when `needed_to_keep` must have been spent (None
    # when the tier is not held by a guarantee, e.g. the entry tier, or one already overdue).
    keep_by: date | None = None
    window_months: int = 12


def spend_summary(
    member: Member, *, now: datetime, keep_until: datetime | None = None
) -> tuple[int, datetime | None, int]:
    """One indexed range query over the member's purchases in the rolling window: (net spend
    in the window, the oldest purchase still counting, net spend that will still count on
    `keep_until`)."""
    months = programme_settings().tier_window_months
    since = add_months(now, -months)
    net = Purchase.amount - Purchase.returned_amount
    keep_since = add_months(keep_until, -months) if keep_until and keep_until > now else None
    if keep_since is not None:
        keep_sum = func.coalesce(
            func.sum(case((Purchase.purchased_at > keep_since, net), else_=0)), 0
        )
    else:
        keep_sum = func.coalesce(func.sum(net), 0)
    row = db.session.execute(
        select(
            func.coalesce(func.sum(net), 0),
            type_coerce(func.min(case((net > 0, Purchase.purchased_at))), UTCDateTime),
            keep_sum,
        ).where(
            Purchase.member_id == member.id,
            Purchase.purchased_at > since,
            Purchase.purchased_at <= now,
        )
    ).one()
    return int(row[0]), row[1], int(row[2])


def progress_for(
    tiers: list[Tier],
    tier_code: str,
    *,
    spend: int,
    oldest_counted: datetime | None,
    spend_kept: int,
    kept_until: datetime | None,
    now: datetime,
    window_months: int = 12,
) -> TierProgress:
    """The arithmetic of tier_progress, without the database (unit-tested on its own)."""
    current = next((t for t in tiers if t.code == tier_code), tiers[0])
    higher = [t for t in tiers if t.rank > current.rank]
    following = higher[0] if higher else None
    today = local_date(now)
    needed = max(0, following.qualifying_spend - spend) if following else 0
    if following is None:
        percent = 100
    elif following.qualifying_spend <= 0:
        percent = 100
    else:
        percent = max(0, min(100, spend * 100 // following.qualifying_spend))
    next_by = None
    if following is not None and needed > 0 and oldest_counted is not None:
        # The oldest purchase stops counting at this moment, part way through that day; the
        # day before is the last one on which the sentence is true all day.
        next_by = max(today, local_date(add_months(oldest_counted, window_months)) - timedelta(1))
    guaranteed = kept_until is not None and kept_until > now and current.qualifying_spend > 0
    if current.qualifying_spend <= 0:
        needed_to_keep = 0
    elif guaranteed:
        needed_to_keep = max(0, current.qualifying_spend - spend_kept)
    else:
        needed_to_keep = max(0, current.qualifying_spend - spend)
    return TierProgress(
        current=current,
        next=following,
        spend=spend,
        needed_for_next=needed,
        percent_to_next=percent,
        kept_until=kept_until,
        needed_to_keep=needed_to_keep,
        next_by=next_by,
        keep_by=local_date(kept_until) if guaranteed else None,
        window_months=window_months,
    )


def tier_progress(
    member: Member, *, now: datetime | None = None, tiers: list[Tier] | None = None
) -> TierProgress:
    """Progress to the next tier and what keeps the current one: the tiers (unless given) and
    one aggregate over the member's purchases of the last `tier_window_months`."""
    now = now or utcnow()
    tiers = tiers or all_tiers()
    spend, oldest, spend_kept = spend_summary(member, now=now, keep_until=member.tier_kept_until)
    return progress_for(
        tiers,
        member.tier_code,
        spend=spend,
        oldest_counted=oldest,
        spend_kept=spend_kept,
        kept_until=member.tier_kept_until,
        now=now,
        window_months=programme_settings().tier_window_months,
    )
