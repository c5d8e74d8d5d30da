"""The points ledger: every change of a member's points is one entry here, and the stored
balance on the member changes in the same transaction.

Invariants, held by these functions and checked by tests:
- `members.points_balance` equals the sum of the member's entries;
- the sum of `remaining` over a member's credits equals the balance when it is positive
  (and is 0 when the balance is negative): debits consume credits oldest-expiry first, and a
  credit first pays off a negative balance before any of it can be spent or expire;
- a debit that must be covered (a redemption) is a conditional UPDATE, so concurrent requests
  can never take the balance below what they were allowed to spend.

Every mutation starts by updating (and so row-locking) the member, which serialises all changes
to one member's points on PostgreSQL; on SQLite, writing transactions begin IMMEDIATE.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm.attributes import set_committed_value

from portal.clock import utcnow
from portal.extensions import db
from portal.metrics import count_points
from portal.models import LedgerEntry, Member
from portal.models.ledger import CREDIT_KINDS, DEBIT_KINDS
from portal.services.programme.local_time import add_local_months
from portal.services.programme.refusals import Conflict
from portal.services.programme.settings import programme_settings

logger = logging.getLogger(__name__)


class InsufficientPoints(Conflict):
    """The balance does not cover a debit that must be covered."""


def _move_balance(member: Member, delta: int, *, covered: int | None = None) -> int:
    """Add `delta` to the stored balance and return the new balance. With `covered`, only if
    the balance is at least that much (else InsufficientPoints)."""
    statement = update(Member).where(Member.id == member.id)
    if covered is not None:
        statement = statement.where(Member.points_balance >= covered)
    statement = statement.values(points_balance=Member.points_balance + delta).returning(
        Member.points_balance
    )
    new_balance = db.session.execute(
        statement, execution_options={"synchronize_session": False}
    ).scalar_one_or_none()
    if new_balance is None:
        raise InsufficientPoints
    set_committed_value(member, "points_balance", new_balance)
    return new_balance


def lock_member(member: Member) -> None:
    """Hold the member's row until commit (PostgreSQL), so a check-then-change on their points,
    tier or limits cannot interleave with another request for the same member."""
    balance, tier_code = db.session.execute(
        select(Member.points_balance, Member.tier_code)
        .where(Member.id == member.id)
        .with_for_update()
    ).one()
    # What the lock protects, as it stands now (one statement: no refresh after it).
    set_committed_value(member, "points_balance", balance)
    set_committed_value(member, "tier_code", tier_code)


def credit_points(
    member: Member,
    kind: str,
    points: int,
    *,
    reason: str,
    details: dict | None = None,
    earned_at: datetime | None = None,
    expires_at: datetime | None = None,
    actor: Member | None = None,
    **links: int,
) -> LedgerEntry:
    """Add points. They expire `points_expiry_months` after `earned_at` (default: now), and
    first pay off a negative balance: only what is left of them can be spent or expire."""
    if kind not in CREDIT_KINDS:
        raise ValueError(f"{kind} is not a credit")
    if points <= 0:
        raise ValueError("a credit adds at least one point")
    now = utcnow()
    if expires_at is None:
        expires_at = add_local_months(earned_at or now, programme_settings().points_expiry_months)
    balance_after = _move_balance(member, points)
    debt_paid = min(points, max(0, points - balance_after))
    entry = LedgerEntry(
        member_id=member.id,
        kind=kind,
        points=points,
        balance_after=balance_after,
        remaining=points - debt_paid,
        expires_at=expires_at,
        reason=reason,
        details=details,
        actor_id=actor.id if actor is not None else None,
        created_at=now,
        **links,
    )
    db.session.add(entry)
    db.session.flush()
    logger.info("%s %+d points for %r (balance %d)", kind, points, member, balance_after)
    count_points(kind, points)
    return entry


def debit_points(
    member: Member,
    kind: str,
    points: int,
    *,
    reason: str,
    must_be_covered: bool = False,
    consume_first: LedgerEntry | None = None,
    details: dict | None = None,
    actor: Member | None = None,
    **links: int,
) -> LedgerEntry:
    """Take `points` (a positive number) from the member. A redemption passes
    `must_be_covered=True` and gets InsufficientPoints rather than a negative balance; a
    reversal or expiry may take the balance below zero. Unspent credits are consumed
    `consume_first`, then oldest expiry first."""
    if kind not in DEBIT_KINDS:
        raise ValueError(f"{kind} is not a debit")
    if points <= 0:
        raise ValueError("a debit takes at least one point")
    balance_after = _move_balance(member, -points, covered=points if must_be_covered else None)
    balance_before = balance_after + points
    _consume_credits(member, min(points, max(balance_before, 0)), consume_first)
    entry = LedgerEntry(
        member_id=member.id,
        kind=kind,
        points=-points,
        balance_after=balance_after,
        remaining=None,
        reason=reason,
        details=details,
        actor_id=actor.id if actor is not None else None,
        created_at=utcnow(),
        **links,
    )
    db.session.add(entry)
    db.session.flush()
    logger.info("%s %d points from %r (balance %d)", kind, points, member, balance_after)
    count_points(kind, -points)
    return entry


def _consume_credits(member: Member, amount: int, first: LedgerEntry | None) -> None:
    if amount <= 0:
        return
    if first is not None and first.member_id == member.id:
        db.session.refresh(first, attribute_names=["remaining"])
        amount -= _take_from(first, amount)
    if amount <= 0:
        return
    credits = db.session.scalars(
        select(LedgerEntry)
        .where(LedgerEntry.member_id == member.id, LedgerEntry.remaining > 0)
        .order_by(LedgerEntry.expires_at, LedgerEntry.id)
        .execution_options(populate_existing=True)
    )
    for credit in credits:
        amount -= _take_from(credit, amount)
        if amount <= 0:
            return
    # Unreachable while the invariant holds; refusing is better than silently drifting.
    raise RuntimeError(f"ledger of {member!r} has fewer unspent points than its balance")


def _take_from(credit: LedgerEntry, wanted: int) -> int:
    remaining = credit.remaining or 0
    take = min(wanted, remaining)
    if take > 0:
        credit.remaining = remaining - take
        db.session.flush()
    return take


def expire_credit(credit: LedgerEntry, *, now: datetime | None = None) -> LedgerEntry | None:
    """Expire what is left of a credit whose date has passed. Safe to repeat: a credit with
    nothing left, or not yet due, is left alone."""
    now = now or utcnow()
    member = db.session.get_one(Member, credit.member_id)
    lock_member(member)
    db.session.refresh(credit, attribute_names=["remaining"])
    if not credit.remaining or credit.expires_at is None or credit.expires_at > now:
        return None
    return debit_points(
        member,
        "expire",
        credit.remaining,
        reason="Points expired",
        consume_first=credit,
        details={"credit_id": credit.id, "earned_on": credit.created_at.isoformat()},
    )


def ledger_sum(member: Member) -> int:
    """The balance recomputed from the entries (checks and reconciliation, not pages)."""
    return db.session.execute(
        select(func.coalesce(func.sum(LedgerEntry.points), 0)).where(
            LedgerEntry.member_id == member.id
        )
    ).scalar_one()


def unspent_sum(member: Member) -> int:
    unspent = db.session.execute(
        select(func.coalesce(func.sum(LedgerEntry.remaining), 0)).where(
            LedgerEntry.member_id == member.id, LedgerEntry.remaining > 0
        )
    ).scalar_one()
    return unspent or 0  # never None (COALESCE), but typed from a nullable column
