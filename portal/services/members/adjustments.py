"""Points adjusted by hand, within each role's limit (settings `points_adjust_staff_limit`,
`points_adjust_admin_limit`).

An adjustment up to the actor's limit is written at once (desk.adjust_points). Above a staff
member's limit it becomes a request that waits until an admin approves it (the ledger entry is
written then, in the same transaction as the decision) or refuses it. Nothing may be larger
than the admins' limit, and a closed account is never adjusted. A request is decided once:
the decision is a conditional UPDATE of a pending row, so two admins deciding at the same
moment cannot both succeed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from portal.clock import utcnow
from portal.database import changed_rows
from portal.extensions import db
from portal.models import LedgerEntry, Member, PointsAdjustmentRequest
from portal.services.members.desk import adjust_points
from portal.services.messaging.audit import record_audit
from portal.services.points.ledger import lock_member
from portal.services.programme.refusals import Conflict, Forbidden, Invalid
from portal.services.programme.settings import programme_settings

logger = logging.getLogger(__name__)

PAGE_SIZE = 25


class ReasonMissing(Invalid):
    """Every adjustment says why."""

    code = "reason_missing"


class OverMaximum(Invalid):
    """Larger than any single adjustment may be (the admins' limit); `values["limit"]`."""

    code = "over_maximum"


class AccountClosed(Invalid):
    """The member closed their account: its points are not adjusted any more."""

    code = "account_closed"


class AlreadyDecided(Conflict):
    """Another admin decided the request first; `values["status"]` says how."""

    code = "already_decided"


class NotForAdmins(Forbidden):
    """Only admins decide adjustment requests."""


def adjustment_limit(actor: Member) -> int:
    """The most points `actor` may adjust at once without an admin's approval."""
    settings = programme_settings()
    return (
        settings.points_adjust_admin_limit if actor.is_admin else settings.points_adjust_staff_limit
    )


@dataclass
class AdjustmentOutcome:
    """Either the ledger entry written now, or the request that waits for an admin."""

    entry: LedgerEntry | None = None
    request: PointsAdjustmentRequest | None = None


def _check(member: Member, points: int, reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ReasonMissing
    if member.deactivated_at is not None:
        raise AccountClosed
    maximum = programme_settings().points_adjust_admin_limit
    if points == 0 or abs(points) > maximum:
        raise OverMaximum(limit=maximum)
    return reason


def adjust_or_request_points(
    member: Member,
    points: int,
    *,
    reason: str,
    staff: Member,
    balance_seen: int | None = None,
    now: datetime | None = None,
) -> AdjustmentOutcome:
    """Adjust at once up to the actor's limit; above it, file a request for an admin (the
    same request sent twice is filed once)."""
    reason = _check(member, points, reason)
    if abs(points) <= adjustment_limit(staff):
        entry = adjust_points(member, points, reason=reason, staff=staff, balance_seen=balance_seen)
        return AdjustmentOutcome(entry=entry)
    now = now or utcnow()
    lock_member(member)
    waiting = db.session.scalar(
        select(PointsAdjustmentRequest).where(
            PointsAdjustmentRequest.member_id == member.id,
            PointsAdjustmentRequest.requested_by_id == staff.id,
            PointsAdjustmentRequest.status == "pending",
            PointsAdjustmentRequest.points == points,
            PointsAdjustmentRequest.reason == reason,
        )
    )
    if waiting is not None:
        return AdjustmentOutcome(request=waiting)
    request = PointsAdjustmentRequest(
        member_id=member.id,
        points=points,
        reason=reason[:200],
        requested_by_id=staff.id,
        status="pending",
        created_at=now,
    )
    db.session.add(request)
    db.session.flush()
    record_audit(
        "points_request.create",
        actor=staff,
        target=member,
        summary=f"{points:+,} points for {member.name} asked (over the limit): {reason}",
        details={
            "request_id": request.id,
            "points": points,
            "reason": reason,
            "limit": adjustment_limit(staff),
            "before": None,
            "after": {"status": "pending"},
        },
    )
    logger.info("points adjustment %+d for %r asked by %r", points, member, staff)
    return AdjustmentOutcome(request=request)


def _decide(
    request: PointsAdjustmentRequest, status: str, *, admin: Member, note: str, now: datetime
) -> None:
    """Mark the request decided, if it still waits; AlreadyDecided otherwise."""
    if not admin.is_admin:
        raise NotForAdmins
    decided = db.session.execute(
        update(PointsAdjustmentRequest)
        .where(
            PointsAdjustmentRequest.id == request.id, PointsAdjustmentRequest.status == "pending"
        )
        .values(status=status, decided_by_id=admin.id, decided_at=now, decision_note=note or None)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(request)
    if changed_rows(decided) != 1:
        raise AlreadyDecided(status=request.status, decided_by=request.decided_by)


def approve_request(
    request: PointsAdjustmentRequest, *, admin: Member, note: str = "", now: datetime | None = None
) -> LedgerEntry:
    """An admin approves: the request is decided and the ledger entry written together (a
    refusal of the entry, such as a debit the balance no longer covers, undoes both)."""
    now = now or utcnow()
    note = (note or "").strip()[:200]
    _decide(request, "approved", admin=admin, note=note, now=now)
    member = request.member
    if member.deactivated_at is not None:
        raise AccountClosed
    entry = adjust_points(member, request.points, reason=request.reason, staff=admin)
    request.ledger_entry_id = entry.id
    db.session.flush()
    _audit_decision(
        request,
        admin,
        note,
        summary=f"{request.points:+,} points for {member.name} approved: {request.reason}",
        after={"status": "approved", "ledger_entry_id": entry.id},
    )
    logger.info("points request %d approved by %r", request.id, admin)
    return entry


def _audit_decision(
    request: PointsAdjustmentRequest, admin: Member, note: str, *, summary: str, after: dict
) -> None:
    """The audit row of an admin's decision on a request, its status before and after."""
    verb = "approve" if after["status"] == "approved" else "refuse"
    record_audit(
        f"points_request.{verb}",
        actor=admin,
        target=request.member,
        summary=summary,
        details={
            "request_id": request.id,
            "points": request.points,
            "reason": request.reason,
            "note": note,
            "requested_by": request.requested_by_id,
            "before": {"status": "pending"},
            "after": after,
        },
    )


class RefusalNoteMissing(Invalid):
    """A refusal says why, for the staff member who asked."""

    code = "note_missing"


def refuse_request(
    request: PointsAdjustmentRequest, *, admin: Member, note: str, now: datetime | None = None
) -> None:
    """An admin refuses, saying why; nothing is written to the ledger."""
    now = now or utcnow()
    note = (note or "").strip()[:200]
    if not note:
        raise RefusalNoteMissing
    _decide(request, "refused", admin=admin, note=note, now=now)
    _audit_decision(
        request,
        admin,
        note,
        summary=f"{request.points:+,} points for {request.member.name} refused: {note}",
        after={"status": "refused"},
    )
    logger.info("points request %d refused by %r", request.id, admin)


@dataclass
class RequestPage:
    requests: list[PointsAdjustmentRequest]
    page: int
    has_more: bool


def adjustment_requests(
    viewer: Member, *, status: str = "pending", page: int = 1, size: int = PAGE_SIZE
) -> RequestPage:
    """The requests `viewer` may see, newest first: all of them for admins, their own for
    staff; `status` "pending", "decided" or "all"."""
    page = max(1, min(page, 1000))
    query = select(PointsAdjustmentRequest)
    if not viewer.is_admin:
        query = query.where(PointsAdjustmentRequest.requested_by_id == viewer.id)
    if status == "pending":
        query = query.where(PointsAdjustmentRequest.status == "pending")
    elif status == "decided":
        query = query.where(PointsAdjustmentRequest.status != "pending")
    rows = list(
        db.session.scalars(
            query.options(
                joinedload(PointsAdjustmentRequest.member),
                joinedload(PointsAdjustmentRequest.requested_by),
                joinedload(PointsAdjustmentRequest.decided_by),
            )
            .order_by(PointsAdjustmentRequest.id.desc())
            .offset((page - 1) * size)
            .limit(size + 1)
        )
    )
    return RequestPage(rows[:size], page, len(rows) > size)


def pending_request_count() -> int:
    """Requests waiting for an admin (one indexed count)."""
    return (
        db.session.scalar(
            select(func.count(PointsAdjustmentRequest.id)).where(
                PointsAdjustmentRequest.status == "pending"
            )
        )
        or 0
    )
