"""Redeeming rewards: who may redeem what, and the one transaction that takes the points,
lowers the stock and issues the voucher (DESIGN.md, "Redemption").

Overspending and overselling are prevented by the database, not by the checks alone:
- the member's row is locked first (PostgreSQL; SQLite writers begin IMMEDIATE), so the
  per-member limit and a repeated idempotency key are counted without a race;
- the stock goes down in a conditional UPDATE (`stock > 0`) and the points in another
  (`points_balance >= cost`, services/ledger.py): when either matches no row, nothing is issued;
- UNIQUE(member_id, idempotency_key) makes a resubmitted form find its first voucher.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from portal.clock import utcnow
from portal.database import changed_rows
from portal.extensions import db
from portal.metrics import count_voucher
from portal.models import Member, Redemption, Reward, Tier
from portal.services.points.ledger import InsufficientPoints, debit_points, lock_member
from portal.services.programme.refusals import Conflict

logger = logging.getLogger(__name__)

# No 0/O, 1/I/L: a code read aloud or typed from a phone screen cannot be misread.
VOUCHER_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
VOUCHER_LENGTH = 12
LOW_STOCK = 5
# Counted against the per-member limit: every voucher but a cancelled (refunded) one.
COUNTED_STATUSES = ("issued", "fulfilled", "expired")


# -- eligibility -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Reason:
    """Why a member cannot redeem a reward: a code, and the values its sentence needs (the
    words are the page's: portal/web/wording.py)."""

    code: str
    values: dict = field(default_factory=dict)


@dataclass
class Eligibility:
    reasons: list[Reason] = field(default_factory=list)
    points_short: int = 0

    @property
    def can_redeem(self) -> bool:
        return not self.reasons

    @property
    def codes(self) -> list[str]:
        return [reason.code for reason in self.reasons]


def tier_ranks() -> dict[str, int]:
    """Tier code -> rank (a handful of rows)."""
    return dict(db.session.execute(select(Tier.code, Tier.rank)).all())


def member_redemption_count(member: Member, reward: Reward) -> int:
    return db.session.execute(
        select(func.count(Redemption.id)).where(
            Redemption.member_id == member.id,
            Redemption.reward_id == reward.id,
            Redemption.status.in_(COUNTED_STATUSES),
        )
    ).scalar_one()


# -- on offer: active and inside [active_from, active_to) -------------------------------------


def offer_refusal(reward: Reward, now: datetime) -> Reason | None:
    """Why the reward is not on offer at `now`, or None when it is."""
    if not reward.active:
        return Reason("inactive")
    if reward.active_from is not None and now < reward.active_from:
        return Reason("not_started", {"date": reward.active_from})
    if reward.active_to is not None and now >= reward.active_to:
        return Reason("ended")
    return None


def on_offer(now: datetime | BindParameter[datetime]) -> ColumnElement[bool]:
    """offer_refusal's rule as a condition on Reward rows, for the catalogue's query (`now`
    a moment, or a parameter bound at each execution)."""
    return and_(
        Reward.active.is_(True),
        or_(Reward.active_from.is_(None), Reward.active_from <= now),
        or_(Reward.active_to.is_(None), Reward.active_to > now),
    )


def check_eligibility(
    member: Member,
    reward: Reward,
    *,
    now: datetime | None = None,
    redeemed: int | None = None,
    ranks: dict[str, int] | None = None,
) -> Eligibility:
    """Every reason the member cannot redeem the reward now, each one they can act on: the
    active window, the tier, the per-member limit, the stock, a negative balance, the cost."""
    now = now or utcnow()
    ranks = ranks if ranks is not None else tier_ranks()
    result = Eligibility()

    def refuse(code: str, **values: Any) -> None:
        result.reasons.append(Reason(code, values))

    off_offer = offer_refusal(reward, now)
    if off_offer is not None:
        result.reasons.append(off_offer)
    if reward.min_tier is not None and ranks.get(member.tier_code, 0) < ranks[reward.min_tier]:
        refuse("below_tier", tier=reward.tier)
    if reward.per_member_limit is not None:
        if redeemed is None:
            redeemed = member_redemption_count(member, reward)
        if redeemed >= reward.per_member_limit:
            refuse("limit_reached", limit=reward.per_member_limit)
    if reward.stock is not None and reward.stock <= 0:
        refuse("out_of_stock")
    if member.points_balance < 0:
        refuse("negative_balance", balance=member.points_balance)
    elif member.points_balance < reward.points_cost:
        result.points_short = reward.points_cost - member.points_balance
        refuse("not_enough_points", short=result.points_short)
    return result


# -- redeeming -------------------------------------------------------------------------------


class RedemptionRefused(Conflict):
    """The member may not redeem the reward; `reasons` says why."""

    def __init__(self, reasons: list[Reason]):
        super().__init__(code=reasons[0].code if reasons else "refused")
        self.reasons = reasons

    @property
    def codes(self) -> list[str]:
        return [reason.code for reason in self.reasons]


def new_voucher_code() -> str:
    return "".join(secrets.choice(VOUCHER_ALPHABET) for _ in range(VOUCHER_LENGTH))


def normalise_voucher_code(typed: str) -> str:
    """What staff type or scan ("abcd efgh-jkmn") as stored ("ABCDEFGHJKMN")."""
    return "".join(c for c in (typed or "").upper() if c.isalnum())


def _existing(member: Member, idempotency_key: str) -> Redemption | None:
    return db.session.scalar(
        select(Redemption)
        .where(Redemption.member_id == member.id, Redemption.idempotency_key == idempotency_key)
        .execution_options(populate_existing=True)
    )


def redeem(
    member: Member, reward: Reward, *, idempotency_key: str, now: datetime | None = None
) -> Redemption:
    """Spend the reward's cost and issue a voucher valid `voucher_valid_days`, in the caller's
    transaction. The same `idempotency_key` again returns the first voucher, also when both
    requests arrive together. Raises RedemptionRefused with every reason it cannot."""
    if not idempotency_key or len(idempotency_key) > 64:
        raise ValueError("an idempotency key of 1 to 64 characters is needed")
    now = now or utcnow()
    found = _existing(member, idempotency_key)
    if found is not None:
        return found
    lock_member(member)
    found = _existing(member, idempotency_key)  # a twin request may have committed meanwhile
    if found is not None:
        return found
    db.session.refresh(reward)
    eligibility = check_eligibility(member, reward, now=now)
    if not eligibility.can_redeem:
        raise RedemptionRefused(eligibility.reasons)

    redemption = Redemption(
        member_id=member.id,
        reward_id=reward.id,
        points_spent=reward.points_cost,
        status="issued",
        idempotency_key=idempotency_key,
        created_at=now,
        valid_until=now + timedelta(days=reward.voucher_valid_days),
    )
    for _attempt in range(5):
        redemption.voucher_code = new_voucher_code()
        try:
            with db.session.begin_nested():
                db.session.add(redemption)
        except IntegrityError:
            found = _existing(member, idempotency_key)
            if found is not None:
                return found  # the twin request won the race for this key
            continue  # a voucher code collision (1 in 10^17): draw another
        break
    else:  # pragma: no cover - would need five collisions in a row
        raise RuntimeError("could not draw a free voucher code")

    taken = changed_rows(
        db.session.execute(
            update(Reward)
            .where(Reward.id == reward.id, (Reward.stock.is_(None)) | (Reward.stock > 0))
            .values(stock=Reward.stock - 1, redemption_count=Reward.redemption_count + 1),
            execution_options={"synchronize_session": False},
        )
    )
    if taken != 1:
        raise RedemptionRefused([Reason("out_of_stock")])
    try:
        debit_points(
            member,
            "redeem",
            reward.points_cost,
            reason=f"Redeemed: {reward.name}",
            must_be_covered=True,
            details={
                "reward_id": reward.id,
                "reward_name": reward.name,
                "reward_name_zh": reward.name_zh,
                "voucher": redemption.voucher_code_display,
            },
            redemption_id=redemption.id,
        )
    except InsufficientPoints:
        short = reward.points_cost - member.points_balance
        raise RedemptionRefused([Reason("not_enough_points", {"short": short})]) from None
    db.session.refresh(reward, attribute_names=["stock", "redemption_count"])
    logger.info("%r redeemed %r for %d points", member, reward, reward.points_cost)
    count_voucher("issued")
    return redemption
