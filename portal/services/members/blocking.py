"""Blocking a member's sign-in (staff, with a reason): the account stays open (its points, its
card at the till) but nobody signs in to it until it is unblocked. Blocking ends every session
of the account at once; the password and passkey sign-ins refuse it with a message, and the
till's look-up reports it as blocked."""

from __future__ import annotations

import logging
from datetime import datetime

from portal.clock import utcnow
from portal.extensions import db
from portal.models import Member
from portal.services.members.sessions import end_all_sessions
from portal.services.messaging.audit import record_audit
from portal.services.points.ledger import lock_member
from portal.services.programme.refusals import Conflict, Forbidden, Invalid

logger = logging.getLogger(__name__)


class BlockReasonMissing(Invalid):
    code = "reason_missing"


class BlockNotAllowed(Forbidden):
    """Staff do not block themselves; only admins block staff accounts."""

    code = "block_not_allowed"


class BlockUnchanged(Conflict):
    """The account is already blocked (or already not)."""

    code = "block_unchanged"


def _check(member: Member, staff: Member, reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise BlockReasonMissing
    if member.id == staff.id or (member.is_staff and not staff.is_admin):
        raise BlockNotAllowed
    return reason


def block_sign_in(
    member: Member, *, reason: str, staff: Member, now: datetime | None = None
) -> int:
    """Block signing in to `member`'s account and end its sessions; returns how many ended."""
    reason = _check(member, staff, reason)
    now = now or utcnow()
    lock_member(member)
    db.session.refresh(member, attribute_names=["blocked_at", "blocked_reason"])
    if member.blocked_at is not None:
        raise BlockUnchanged
    member.blocked_at = now
    member.blocked_reason = reason[:200]
    ended = end_all_sessions(member)
    db.session.flush()
    record_audit(
        "member.block",
        actor=staff,
        target=member,
        summary=f"Sign-in of {member.name} blocked ({ended} sessions ended): {reason}",
        details={
            "reason": reason,
            "sessions_ended": ended,
            "before": {"blocked": False},
            "after": {"blocked": True},
        },
    )
    logger.info("sign-in of %r blocked by %r, %d sessions ended", member, staff, ended)
    return ended


def unblock_sign_in(member: Member, *, reason: str, staff: Member) -> None:
    """Let the member sign in again."""
    reason = _check(member, staff, reason)
    lock_member(member)
    db.session.refresh(member, attribute_names=["blocked_at", "blocked_reason"])
    if member.blocked_at is None:
        raise BlockUnchanged
    before_reason = member.blocked_reason
    member.blocked_at = None
    member.blocked_reason = None
    db.session.flush()
    record_audit(
        "member.unblock",
        actor=staff,
        target=member,
        summary=f"Sign-in of {member.name} unblocked: {reason}",
        details={
            "reason": reason,
            "before": {"blocked": True, "reason": before_reason},
            "after": {"blocked": False},
        },
    )
    logger.info("sign-in of %r unblocked by %r", member, staff)
