"""Members at the staff desk: find a member, see their standing, and the corrections staff
may make (the birthday after the member set it once, points by hand, and, for admins, the
tier). Every correction is audited with its reason."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, func, or_, select

from portal.extensions import db
from portal.models import LedgerEntry, Member, Purchase, Redemption, Referral, Tier, TierChange
from portal.services.messaging.audit import record_audit
from portal.services.messaging.notifications import notify_member
from portal.services.points.ledger import credit_points, debit_points, lock_member
from portal.services.points.tiers import TierProgress, all_tiers, change_tier, qualifying_spend
from portal.services.points.tiers import tier_progress as progress_of
from portal.services.programme.refusals import Conflict, Invalid
from portal.services.referrals.overview import referrals_of_member

logger = logging.getLogger(__name__)

PAGE_SIZE = 25
MAX_ADJUSTMENT = 1_000_000


@dataclass
class MemberSearch:
    members: list[Member]
    page: int
    has_more: bool


def search_members(text: str = "", *, page: int = 1, size: int = PAGE_SIZE) -> MemberSearch:
    """Members whose name, email, card number or phone contains `text` (digits of a card or
    phone number match with or without spaces); the newest members when `text` is empty."""
    text = (text or "").strip()[:100]
    page = max(1, min(page, 1000))
    query = select(Member)
    if text:
        conditions = [
            Member.name.icontains(text, autoescape=True),
            Member.email.icontains(text, autoescape=True),
        ]
        digits = re.sub(r"\D", "", text)
        if len(digits) >= 4 and not re.search(r"[^\d\s+\-]", text):
            conditions.append(Member.card_number.contains(digits, autoescape=True))
            phone_digits = func.replace(func.replace(Member.phone, " ", ""), "-", "")
            conditions.append(phone_digits.contains(digits, autoescape=True))
        query = query.where(or_(*conditions)).order_by(Member.name, Member.id)
    else:
        query = query.order_by(Member.id.desc())
    rows = list(db.session.scalars(query.offset((page - 1) * size).limit(size + 1)))
    return MemberSearch(rows[:size], page, len(rows) > size)


@dataclass
class MemberProfile:
    member: Member
    progress: TierProgress
    tiers: list[Tier]
    purchases: list[Purchase]
    ledger: list[LedgerEntry]
    vouchers: list[Redemption]
    tier_changes: list[TierChange]
    referred_by: Referral | None
    referrals: list[Referral]


# The member's own rows that a staff page lists, newest first.
MemberRow = TypeVar("MemberRow", Purchase, LedgerEntry, Redemption, TierChange)


def _latest(
    model: type[MemberRow], member: Member, limit: int, *order: ColumnElement[Any]
) -> list[MemberRow]:
    """The member's newest `limit` rows of `model` (an indexed query on member_id)."""
    order = order or (model.id.desc(),)
    return list(
        db.session.scalars(
            select(model).where(model.member_id == member.id).order_by(*order).limit(limit)
        )
    )


def member_profile(member: Member) -> MemberProfile:
    """What staff see of a member: a fixed number of indexed queries, however long the
    member's history."""
    tiers = all_tiers()
    referred_by, referrals = referrals_of_member(member)
    return MemberProfile(
        member=member,
        progress=progress_of(member, tiers=tiers),
        tiers=tiers,
        purchases=_latest(Purchase, member, 10, Purchase.purchased_at.desc(), Purchase.id.desc()),
        ledger=_latest(LedgerEntry, member, 15),
        vouchers=_latest(Redemption, member, 10),
        tier_changes=_latest(TierChange, member, 5),
        referred_by=referred_by,
        referrals=referrals,
    )


def correct_birthday(member: Member, birthday: date, *, reason: str, staff: Member) -> None:
    """Members set their birthday once (it decides the double-points month); staff correct it
    afterwards, with the reason kept in the audit log."""
    before = member.birthday
    member.birthday = birthday
    db.session.flush()
    record_audit(
        "member.birthday",
        actor=staff,
        target=member,
        summary=(
            f"Birthday of {member.name} corrected from "
            f"{before.isoformat() if before else 'none'} to {birthday.isoformat()}: {reason}"
        ),
        details={
            "from": before.isoformat() if before else None,
            "to": birthday.isoformat(),
            "reason": reason,
        },
    )
    logger.info("birthday of %r corrected by %r", member, staff)


class AdjustmentRefused(Invalid):
    """A debit larger than the member's balance."""


class BalanceChanged(Conflict):
    """The balance is no longer the one the staff member saw when they filled the form."""


def adjust_points(
    member: Member,
    points: int,
    *,
    reason: str,
    staff: Member,
    balance_seen: int | None = None,
) -> LedgerEntry:
    """Add (points > 0) or take away (points < 0) points by hand, with a reason the member
    reads in their activity and is told about. A debit never takes the balance below zero.
    With `balance_seen`, nothing happens unless the balance is still that (so a form sent
    twice adjusts once)."""
    if points == 0 or abs(points) > MAX_ADJUSTMENT:
        raise ValueError("an adjustment is between 1 and 1,000,000 points")
    lock_member(member)
    if balance_seen is not None and member.points_balance != balance_seen:
        raise BalanceChanged
    if points > 0:
        entry = credit_points(
            member, "adjust_credit", points, reason=reason, actor=staff, details={"by": staff.id}
        )
        title = _l("%(points)s points added to your balance", points=f"{points:,}")
    else:
        if member.points_balance < -points:
            raise AdjustmentRefused(balance=member.points_balance)
        entry = debit_points(
            member,
            "adjust_debit",
            -points,
            reason=reason,
            must_be_covered=True,
            actor=staff,
            details={"by": staff.id},
        )
        title = _l("%(points)s points taken from your balance", points=f"{-points:,}")
    notify_member(
        member,
        "points_adjusted",
        title=title,
        body=_l(
            "Our staff adjusted your points: %(reason)s. Your balance is now %(balance)s.",
            reason=reason,
            balance=f"{member.points_balance:,}",
        ),
        link=("member.dashboard", {}),
        dedupe_key=f"points-adjusted:{entry.id}",
    )
    record_audit(
        "member.points_adjust",
        actor=staff,
        target=member,
        summary=f"{points:+,} points for {member.name}: {reason}",
        details={"points": points, "reason": reason, "ledger_entry_id": entry.id},
    )
    logger.info("points of %r adjusted by %r: %+d", member, staff, points)
    return entry


def set_tier_by_hand(member: Member, tier: Tier, *, reason: str, admin: Member) -> TierChange:
    """An admin moves a member to a tier (kept `tier_keep_months` like any tier reached);
    recorded as a "staff" tier change, notified and audited."""
    lock_member(member)
    db.session.refresh(member, attribute_names=["tier_code"])
    before = member.tier_code
    if tier.code == before:
        raise ValueError("the member already has this tier")
    change = change_tier(
        member,
        tier,
        reason="staff",
        spend=qualifying_spend(member),
        actor=admin,
        note=reason,
    )
    record_audit(
        "member.tier_change",
        actor=admin,
        target=member,
        summary=f"Tier of {member.name} changed from {before} to {tier.code}: {reason}",
        details={"from": before, "to": tier.code, "reason": reason, "tier_change_id": change.id},
    )
    return change
