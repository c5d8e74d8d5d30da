"""Tiers: qualification is net spend (purchases minus returns) over the rolling window of
`tier_window_months` (12), counted from purchased_at.

A purchase that makes the spend reach a higher tier upgrades the member at once. A reached tier
is kept `tier_keep_months` (12); then the periodic evaluation moves the member to the tier their
spend qualifies for, at most one level down per evaluation. Every move is a TierChange row and a
notification. An admin's override (members.tier_override_until) holds the tier as it is, against
upgrades and the evaluation alike, until it ends; the evaluation then takes over."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import force_locale, format_date, ngettext
from flask_babel import gettext as _
from sqlalchemy import bindparam, case, func, or_, select, type_coerce

from portal.clock import utcnow
from portal.extensions import db
from portal.models import Member, Purchase, Tier, TierChange
from portal.models.base import UTCDateTime
from portal.services.messaging.notifications import notify_member
from portal.services.points.ledger import lock_member
from portal.services.programme.local_time import add_local_months, local_date
from portal.services.programme.settings import programme_settings

logger = logging.getLogger(__name__)


_ALL_TIERS = select(Tier).order_by(Tier.rank)


def all_tiers() -> list[Tier]:
    """The tiers, lowest first (a handful of rows; read once per request)."""
    return list(db.session.scalars(_ALL_TIERS))


def qualifying_spend(member: Member, *, now: datetime | None = None) -> int:
    """Net spend in minor units of the purchases made in the window ending `now`."""
    now = now or utcnow()
    since = add_local_months(now, -programme_settings().tier_window_months)
    return db.session.execute(
        select(func.coalesce(func.sum(Purchase.amount - Purchase.returned_amount), 0)).where(
            Purchase.member_id == member.id,
            Purchase.purchased_at > since,
            Purchase.purchased_at <= now,
        )
    ).scalar_one()


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


def _spend_statement(*, keep: bool) -> Any:
    """The aggregate of spend_summary, built once (bound per call: member, since, now and the
    start of the window on `keep_until`)."""
    net = Purchase.amount - Purchase.returned_amount
    if keep:
        keep_sum = func.coalesce(
            func.sum(
                case(
                    (Purchase.purchased_at > bindparam("keep_since", type_=UTCDateTime), net),
                    else_=0,
                )
            ),
            0,
        )
    else:
        keep_sum = func.coalesce(func.sum(net), 0)
    return select(
        func.coalesce(func.sum(net), 0),
        type_coerce(func.min(case((net > 0, Purchase.purchased_at))), UTCDateTime),
        keep_sum,
    ).where(
        Purchase.member_id == bindparam("member_id"),
        Purchase.purchased_at > bindparam("since", type_=UTCDateTime),
        Purchase.purchased_at <= bindparam("now", type_=UTCDateTime),
    )


_SPEND = _spend_statement(keep=False)
_SPEND_KEEPING = _spend_statement(keep=True)


def spend_summary(
    member: Member, *, now: datetime, keep_until: datetime | None = None
) -> tuple[int, datetime | None, int]:
    """One indexed range query over the member's purchases in the rolling window (from the
    covering index ix_purchases_member_spend): (net spend in the window, the oldest purchase
    still counting, net spend that will still count on `keep_until`)."""
    months = programme_settings().tier_window_months
    since = add_local_months(now, -months)
    keep_since = add_local_months(keep_until, -months) if keep_until and keep_until > now else None
    values: dict[str, Any] = {"member_id": member.id, "since": since, "now": now}
    if keep_since is not None:
        values["keep_since"] = keep_since
    row = db.session.execute(_SPEND_KEEPING if keep_since else _SPEND, values).one()
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
        next_by = max(
            today, local_date(add_local_months(oldest_counted, window_months)) - timedelta(1)
        )
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


# -- moving between tiers --------------------------------------------------------------------


def _tier_name_for(member: Member, tier: Tier) -> str:
    if (member.locale or "").startswith("zh") and tier.name_zh:
        return tier.name_zh
    return tier.name


def change_tier(
    member: Member,
    to_tier: Tier,
    *,
    reason: str,
    spend: int,
    now: datetime | None = None,
    purchase: Purchase | None = None,
    actor: Member | None = None,
    note: str = "",
) -> TierChange:
    """Move the member to `to_tier` now, keep it `tier_keep_months` (the lowest tier has
    nothing to keep), record why and tell the member. The caller holds lock_member()."""
    now = now or utcnow()
    tiers = all_tiers()
    from_tier = next((t for t in tiers if t.code == member.tier_code), tiers[0])
    kept_until = None
    if to_tier.rank > tiers[0].rank:
        kept_until = add_local_months(now, programme_settings().tier_keep_months)
    member.tier_code = to_tier.code
    member.tier_reached_at = now
    member.tier_kept_until = kept_until
    change = TierChange(
        member_id=member.id,
        from_tier=from_tier.code,
        to_tier=to_tier.code,
        reason=reason,
        qualifying_spend=spend,
        kept_until=kept_until,
        purchase_id=purchase.id if purchase is not None else None,
        actor_id=actor.id if actor is not None else None,
        note=note[:200],
        created_at=now,
    )
    db.session.add(change)
    db.session.flush()
    db.session.expire(member, ["tier"])
    upward = to_tier.rank > from_tier.rank
    window_months = programme_settings().tier_window_months
    keep_months = programme_settings().tier_keep_months
    with force_locale(member.locale or "en"):
        name = _tier_name_for(member, to_tier)
        if upward:
            title = _("Welcome to %(tier)s", tier=name)
        else:
            title = _("Your membership is now %(tier)s", tier=name)
        if kept_until is not None:
            body = ngettext(
                "Your spending over the last %(num)d month brought you to %(tier)s. "
                "It is yours at least until %(date)s.",
                "Your spending over the last %(num)d months brought you to %(tier)s. "
                "It is yours at least until %(date)s.",
                window_months,
                tier=name,
                date=format_date(local_date(kept_until), "long"),
            )
            if not upward:
                body = ngettext(
                    "Your tier has been reviewed after the %(num)d month it was kept, and "
                    "moved one level to %(tier)s. It is yours at least until %(date)s; spend "
                    "more to move up again.",
                    "Your tier has been reviewed after the %(num)d months it was kept, and "
                    "moved one level to %(tier)s. It is yours at least until %(date)s; spend "
                    "more to move up again.",
                    keep_months,
                    tier=name,
                    date=format_date(local_date(kept_until), "long"),
                )
        else:
            body = ngettext(
                "Your tier has been reviewed after the %(num)d month it was kept. Every "
                "purchase brings you closer to the next tier.",
                "Your tier has been reviewed after the %(num)d months it was kept. Every "
                "purchase brings you closer to the next tier.",
                keep_months,
            )
        if reason == "staff":
            body = _("Our staff have set your membership to %(tier)s.", tier=name)
            if kept_until is not None:
                body = _(
                    "Our staff have set your membership to %(tier)s. It is yours at least "
                    "until %(date)s.",
                    tier=name,
                    date=format_date(local_date(kept_until), "long"),
                )
    notify_member(
        member,
        "tier_change",
        title=title,
        body=body,
        link=("member.dashboard", {}),
        dedupe_key=f"tier-change:{change.id}",
    )
    logger.info("tier of %r: %s -> %s (%s)", member, from_tier.code, to_tier.code, reason)
    return change


def override_holds(member: Member, now: datetime) -> bool:
    """Whether an admin's override fixes the member's tier at `now` (neither raised nor
    lowered until it ends)."""
    return member.tier_override_until is not None and member.tier_override_until > now


def upgrade_after_purchase(
    member: Member, purchase: Purchase | None = None, *, now: datetime | None = None
) -> TierChange | None:
    """Upgrade at once when the member's qualifying spend now reaches a higher tier."""
    now = now or utcnow()
    if override_holds(member, now):
        return None
    tiers = all_tiers()
    spend = qualifying_spend(member, now=now)
    reached = tier_for_spend(spend, tiers)
    current = next((t for t in tiers if t.code == member.tier_code), tiers[0])
    if reached.rank <= current.rank:
        return None
    return change_tier(member, reached, reason="upgrade", spend=spend, now=now, purchase=purchase)


def evaluate_member_tier(member: Member, *, now: datetime | None = None) -> TierChange | None:
    """Once the tier's kept-until date has passed: move to the tier the rolling spend qualifies
    for, but at most one level down; a member who still qualifies keeps it another
    `tier_keep_months`. Does nothing before the date, so it is safe to repeat."""
    now = now or utcnow()
    lock_member(member)
    db.session.refresh(
        member, attribute_names=["tier_code", "tier_kept_until", "tier_override_until"]
    )
    if override_holds(member, now):
        return None
    tiers = all_tiers()
    current = next((t for t in tiers if t.code == member.tier_code), tiers[0])
    if current.rank == tiers[0].rank:
        return None
    if member.tier_kept_until is not None and member.tier_kept_until > now:
        return None
    spend = qualifying_spend(member, now=now)
    qualified = tier_for_spend(spend, tiers)
    if qualified.rank > current.rank:
        return change_tier(member, qualified, reason="evaluation", spend=spend, now=now)
    if qualified.rank == current.rank:
        member.tier_kept_until = add_local_months(now, programme_settings().tier_keep_months)
        db.session.flush()
        logger.info("tier %s of %r kept until %s", current.code, member, member.tier_kept_until)
        return None
    one_down = max((t for t in tiers if t.rank < current.rank), key=lambda t: t.rank)
    return change_tier(member, one_down, reason="evaluation", spend=spend, now=now)


def members_due_for_evaluation(now: datetime) -> list[int]:
    lowest = all_tiers()[0]
    return list(
        db.session.scalars(
            select(Member.id)
            .where(
                Member.tier_code != lowest.code,
                or_(Member.tier_kept_until.is_(None), Member.tier_kept_until <= now),
                or_(Member.tier_override_until.is_(None), Member.tier_override_until <= now),
            )
            .order_by(Member.id)
        )
    )


def evaluate_tiers(now: datetime | None = None) -> int:
    """Evaluate every member whose tier's kept-until date has passed; the number evaluated."""
    now = now or utcnow()
    due = members_due_for_evaluation(now)
    for member_id in due:
        evaluate_member_tier(db.session.get_one(Member, member_id), now=now)
    return len(due)
