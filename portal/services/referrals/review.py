"""Held referrals: staff approve or reject them with a reason, kept in the audit log."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from portal.clock import utcnow
from portal.extensions import db
from portal.models import Member, Referral
from portal.services.messaging.audit import record_audit
from portal.services.points.ledger import lock_member
from portal.services.programme.local_time import local_date
from portal.services.programme.refusals import Conflict
from portal.services.referrals import notices
from portal.services.referrals.bonuses import qualifying_deadline, release_referral

logger = logging.getLogger(__name__)


class NotHeld(Conflict):
    """Only a held referral is decided by staff (it may have been decided meanwhile)."""

    code = "referral_not_held"


def review_queue() -> list[Referral]:
    """The held referrals, oldest first, with both members loaded."""
    return list(
        db.session.scalars(
            select(Referral)
            .where(Referral.status == "held")
            .options(joinedload(Referral.friend), joinedload(Referral.referrer))
            .order_by(Referral.created_at, Referral.id)
        )
    )


def related_referrals(referral: Referral) -> list[Referral]:
    """Other referrals from the same device, or from the same address to the same referrer:
    what made staff look."""
    conditions = []
    if referral.friend_device:
        conditions.append(Referral.friend_device == referral.friend_device)
    if referral.friend_ip:
        conditions.append(
            (Referral.friend_ip == referral.friend_ip)
            & (Referral.referrer_id == referral.referrer_id)
        )
    if not conditions:
        return []
    return list(
        db.session.scalars(
            select(Referral)
            .where(Referral.id != referral.id, or_(*conditions))
            .options(joinedload(Referral.friend))
            .order_by(Referral.created_at)
            .limit(20)
        )
    )


def _lock_held(referral: Referral) -> Referral:
    lock_member(db.session.get_one(Member, referral.friend_id))
    db.session.refresh(referral)
    if referral.status != "held":
        raise NotHeld(status=referral.status)
    return referral


def approve_referral(
    referral: Referral, *, staff: Member, note: str, now: datetime | None = None
) -> Referral:
    """Let a held referral go on by the usual rules: pending when it has a qualifying purchase
    (paid at once if its release date has passed), waiting for one while the window is open,
    not eligible when the window closed without one."""
    now = now or utcnow()
    referral = _lock_held(referral)
    referral.reviewed_by_id = staff.id
    referral.reviewed_at = now
    referral.review_note = note
    if referral.qualifying_purchase_id is not None:
        referral.status = "pending"
    elif local_date(now) <= qualifying_deadline(referral):
        referral.status = "joined"
    else:
        referral.status = "ineligible"
        referral.reason = referral.reason or "window_passed"
    db.session.flush()
    record_audit(
        "referral.approve",
        actor=staff,
        target=referral,
        summary=f"Referral of {referral.friend.name} by {referral.referrer.name} approved: {note}",
        details={"status": referral.status, "hold_reasons": referral.hold_reasons, "note": note},
    )
    notices.tell_reviewed(referral, approved=True)
    if (
        referral.status == "pending"
        and referral.release_at is not None
        and referral.release_at <= now
    ):
        release_referral(referral, now=now)
    logger.info("%r approved by %r", referral, staff)
    return referral


def reject_referral(
    referral: Referral, *, staff: Member, note: str, now: datetime | None = None
) -> Referral:
    """Refuse a held referral: no bonus for either member; the reason stays in the audit log."""
    now = now or utcnow()
    referral = _lock_held(referral)
    referral.reviewed_by_id = staff.id
    referral.reviewed_at = now
    referral.review_note = note
    referral.status = "ineligible"
    referral.reason = "rejected"
    db.session.flush()
    record_audit(
        "referral.reject",
        actor=staff,
        target=referral,
        summary=f"Referral of {referral.friend.name} by {referral.referrer.name} rejected: {note}",
        details={"hold_reasons": referral.hold_reasons, "note": note},
    )
    notices.tell_reviewed(referral, approved=False)
    logger.info("%r rejected by %r", referral, staff)
    return referral
