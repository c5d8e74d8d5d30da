"""Members at the staff desk: find a member, see their standing, and the corrections staff
may make (the birthday after the member set it once, points by hand, and, for admins, the
tier). Every correction is audited with its reason."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, func, or_, select

from portal.clock import utcnow
from portal.extensions import db
from portal.models import (
    AuditEntry,
    LedgerEntry,
    Member,
    MemberNote,
    Purchase,
    Redemption,
    Referral,
    Tier,
    TierChange,
)
from portal.services.members.accounts import send_verification
from portal.services.messaging.audit import record_audit
from portal.services.messaging.notifications import notify_member
from portal.services.points.ledger import credit_points, debit_points, lock_member
from portal.services.points.tiers import TierProgress, all_tiers, change_tier, qualifying_spend
from portal.services.points.tiers import tier_progress as progress_of
from portal.services.programme.local_time import local_date, local_day_start
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
    balance_before = member.points_balance
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
        details={
            "points": points,
            "reason": reason,
            "ledger_entry_id": entry.id,
            "before": {"points_balance": balance_before},
            "after": {"points_balance": member.points_balance},
        },
    )
    logger.info("points of %r adjusted by %r: %+d", member, staff, points)
    return entry


class OverrideDateInvalid(Invalid):
    """An override holds until a day after today (and within `MAX_OVERRIDE_DAYS`)."""

    code = "override_date_invalid"


MAX_OVERRIDE_DAYS = 3 * 366


def set_tier_by_hand(
    member: Member,
    tier: Tier,
    *,
    reason: str,
    admin: Member,
    until: date | None = None,
    now: datetime | None = None,
) -> TierChange | None:
    """An admin moves a member to a tier (kept `tier_keep_months` like any tier reached);
    recorded as a "staff" tier change, notified and audited. With `until` (a date in the
    programme's zone) the tier is an override: it holds through that day, neither raised by
    purchases nor lowered by the evaluation, and the evaluation takes over the day after. An
    override of the tier the member already holds only fixes it until then."""
    now = now or utcnow()
    lock_member(member)
    db.session.refresh(
        member, attribute_names=["tier_code", "tier_kept_until", "tier_override_until"]
    )
    before = {
        "tier": member.tier_code,
        "kept_until": member.tier_kept_until.isoformat() if member.tier_kept_until else None,
        "override_until": (
            member.tier_override_until.isoformat() if member.tier_override_until else None
        ),
    }
    override_ends = None
    if until is not None:
        today = local_date(now)
        if until <= today or (until - today).days > MAX_OVERRIDE_DAYS:
            raise OverrideDateInvalid(max_days=MAX_OVERRIDE_DAYS)
        override_ends = local_day_start(until + timedelta(days=1))
    elif tier.code == member.tier_code:
        raise ValueError("the member already has this tier")
    change = None
    if tier.code != member.tier_code:
        change = change_tier(
            member,
            tier,
            reason="staff",
            spend=qualifying_spend(member, now=now),
            now=now,
            actor=admin,
            note=reason,
        )
    if override_ends is not None:
        member.tier_override_until = override_ends
        member.tier_kept_until = override_ends
        if change is not None:
            change.kept_until = override_ends
    else:
        member.tier_override_until = None
    db.session.flush()
    after = {
        "tier": tier.code,
        "kept_until": member.tier_kept_until.isoformat() if member.tier_kept_until else None,
        "override_until": override_ends.isoformat() if override_ends else None,
    }
    until_text = f" until {until.isoformat()}" if until else ""
    record_audit(
        "member.tier_change",
        actor=admin,
        target=member,
        summary=(
            f"Tier of {member.name} changed from {before['tier']} to {tier.code}"
            f"{until_text}: {reason}"
        ),
        details={
            "from": before["tier"],
            "to": tier.code,
            "until": until.isoformat() if until else None,
            "reason": reason,
            "tier_change_id": change.id if change is not None else None,
            "before": before,
            "after": after,
        },
    )
    logger.info("tier of %r set to %s%s by %r", member, tier.code, until_text, admin)
    return change


# -- the verification mail -------------------------------------------------------------------

RESEND_EVERY = timedelta(minutes=10)


class AlreadyVerified(Invalid):
    """The member's email is already confirmed."""

    code = "already_verified"


class ResentRecently(Conflict):
    """A verification mail was resent a moment ago; `values["minutes"]` until the next."""

    code = "resent_recently"


def resend_verification(member: Member, *, staff: Member, now: datetime | None = None) -> None:
    """Mail the member a new confirmation link (the one registration sends), at most once in
    ten minutes per member, for an address not yet confirmed."""
    now = now or utcnow()
    if member.email_verified or member.deactivated_at is not None:
        raise AlreadyVerified
    last = db.session.scalar(
        select(AuditEntry.created_at)
        .where(
            AuditEntry.target_type == Member.__tablename__,
            AuditEntry.target_id == member.id,
            AuditEntry.action == "member.verification_resend",
        )
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    if last is not None:
        if now - last < RESEND_EVERY:
            wait = RESEND_EVERY - (now - last)
            raise ResentRecently(minutes=max(1, -(-int(wait.total_seconds()) // 60)))
    send_verification(member, member.email)
    record_audit(
        "member.verification_resend",
        actor=staff,
        target=member,
        summary=f"Verification mail resent to {member.name}",
        details={"before": {"email_verified": False}, "after": {"mail": "verify_email"}},
    )
    logger.info("verification mail of %r resent by %r", member, staff)


# -- notes -----------------------------------------------------------------------------------

NOTE_LENGTH = 1000


class NoteEmpty(Invalid):
    code = "note_empty"


def add_note(member: Member, text: str, *, author: Member) -> MemberNote:
    """Staff write down what others should know about the member; notes are never edited or
    deleted (a correction is a new note)."""
    text = (text or "").strip()
    if not text:
        raise NoteEmpty
    note = MemberNote(member_id=member.id, author_id=author.id, text=text[:NOTE_LENGTH])
    db.session.add(note)
    db.session.flush()
    record_audit(
        "member.note",
        actor=author,
        target=member,
        summary=f"Note about {member.name}",
        details={"note_id": note.id, "before": None, "after": {"text": note.text}},
    )
    logger.info("note %d about %r by %r", note.id, member, author)
    return note
