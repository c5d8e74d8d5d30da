"""Attributing a friend to the member who referred them: at registration (through the link
or a typed code) or by staff at the desk when they record a new member's first purchase.

The guards, in order: a friend is attributed once (UNIQUE friend_id; the first attribution
stands); a referrer cannot refer themselves (same email once normalised, same phone, same
card); an account that existed before the referral earns nothing; and several friends from
one client address or one device within 24 hours are held for staff review, not refused.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, insert, or_, select
from sqlalchemy.exc import IntegrityError

from portal.clock import utcnow
from portal.extensions import db
from portal.models import Member, Purchase, Referral, ReferralLinkOpen
from portal.services.messaging.audit import record_audit
from portal.services.programme.local_time import local_date
from portal.services.programme.refusals import Conflict, Invalid
from portal.services.referrals import notices
from portal.services.referrals.bonuses import qualifying_deadline
from portal.services.referrals.codes import find_referrer, is_well_formed, normalise_code
from portal.services.referrals.identity import self_referral_match

logger = logging.getLogger(__name__)

SUSPICION_WINDOW = timedelta(hours=24)
# A member attached at the desk counts as new when they joined at most this long before.
NEW_MEMBER_GRACE = timedelta(hours=24)


@dataclass(frozen=True)
class Visitor:
    """Where a friend registered from: the client address and the browser's device cookie."""

    ip: str | None = None
    device: str | None = None


class AlreadyReferred(Conflict):
    """The friend is already attributed to a referrer (the first attribution stands)."""

    code = "already_referred"


class UnknownCode(Invalid):
    code = "unknown_referral_code"


class OwnCode(Invalid):
    code = "own_referral_code"


def check_code(text: str | None) -> Member:
    """The open account behind a typed code, or UnknownCode saying what is wrong with it."""
    code = normalise_code(text)
    if not is_well_formed(code):
        raise UnknownCode(
            errors={
                "referral_code": _l(
                    "A referral code has 8 letters and digits, like K7PM 3XQA. Check it, or "
                    "leave it empty."
                )
            }
        )
    referrer = find_referrer(code)
    if referrer is None:
        raise UnknownCode(
            errors={
                "referral_code": _l(
                    "We do not know this referral code, or it is no longer in use. Check it, "
                    "or leave it empty."
                )
            }
        )
    return referrer


def referral_of_friend(friend: Member) -> Referral | None:
    return db.session.scalar(select(Referral).where(Referral.friend_id == friend.id))


def record_link_opened(referrer: Member, device: str, *, now: datetime | None = None) -> None:
    """Count a browser opening the referrer's link, once per device and day. Written in its own
    short transaction: the landing page is a GET and changes nothing of anyone's."""
    now = now or utcnow()
    statement = insert(ReferralLinkOpen).values(
        referrer_id=referrer.id, device=device[:64], opened_on=local_date(now), opened_at=now
    )
    try:
        with db.engine.begin() as connection:
            connection.execute(statement)
    except IntegrityError:
        pass  # this browser opened the link today already


def _suspicion(
    referrer: Member, visitor: Visitor, now: datetime
) -> tuple[list[str], list[Referral]]:
    """Hold reasons for a new friend of `referrer` coming from `visitor`, and the earlier
    referrals that share them (they are held too, unless already paid or decided)."""
    conditions: list[ColumnElement[bool]] = []
    if visitor.ip:
        conditions.append(
            (Referral.referrer_id == referrer.id) & (Referral.friend_ip == visitor.ip)
        )
    if visitor.device:
        conditions.append(Referral.friend_device == visitor.device)
    if not conditions:
        return [], []
    recent = list(
        db.session.scalars(
            select(Referral)
            .where(Referral.created_at >= now - SUSPICION_WINDOW, or_(*conditions))
            .order_by(Referral.id)
        )
    )
    reasons = []
    if visitor.device and any(r.friend_device == visitor.device for r in recent):
        reasons.append("same_device")
    if visitor.ip and any(
        r.referrer_id == referrer.id and r.friend_ip == visitor.ip for r in recent
    ):
        reasons.append("same_ip")
    return reasons, recent


def attribute_friend(
    friend: Member,
    referrer: Member,
    *,
    channel: str,
    visitor: Visitor | None = None,
    now: datetime | None = None,
) -> Referral:
    """Record that `referrer` brought `friend`. Not eligible from the start when the friend is
    the referrer themselves or an account older than the referral; held for review when
    several friends came from one address or device within 24 hours; else joined, waiting for
    a first qualifying purchase. AlreadyReferred when the friend has a referral already."""
    now = now or utcnow()
    visitor = visitor or Visitor()
    earlier = referral_of_friend(friend)
    if earlier is not None:
        raise AlreadyReferred(referrer=earlier.referrer)
    status: str = "joined"
    reason: str | None = None
    hold_reasons: list[str] = []
    cluster: list[Referral] = []
    if self_referral_match(referrer, friend):
        status, reason = "ineligible", "self_referral"
    elif friend.created_at < now - NEW_MEMBER_GRACE or db.session.scalar(
        select(Purchase.id).where(Purchase.member_id == friend.id).limit(1)
    ):
        status, reason = "ineligible", "existing_account"
    else:
        hold_reasons, cluster = _suspicion(referrer, visitor, now)
        if hold_reasons:
            status = "held"
    referral = Referral(
        referrer_id=referrer.id,
        friend_id=friend.id,
        code=referrer.referral_code,
        channel=channel,
        status=status,
        reason=reason,
        hold_reasons=hold_reasons or None,
        friend_ip=(visitor.ip or None) and visitor.ip[:45],
        friend_device=(visitor.device or None) and visitor.device[:64],
        created_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(referral)
    except IntegrityError:
        # A concurrent attribution of the same friend committed first: it stands.
        winner = referral_of_friend(friend)
        raise AlreadyReferred(referrer=winner.referrer if winner else None) from None
    if friend.referred_by_id is None and status != "ineligible":
        friend.referred_by_id = referrer.id
    db.session.flush()
    for earlier in cluster:
        if earlier.status in ("joined", "pending") and earlier.reviewed_at is None:
            earlier.status = "held"
            earlier.hold_reasons = sorted(set(earlier.hold_reasons or []) | set(hold_reasons))
            notices.tell_held(earlier, "cluster")
    db.session.flush()
    logger.info("%r: %r referred by %r via %s", referral, friend, referrer, channel)
    if status == "ineligible":
        notices.tell_not_eligible(referral)
    else:
        notices.tell_joined(referral, qualifying_deadline(referral))
        if status == "held":
            notices.tell_held(referral, "joined")
    return referral


def attach_code_at_desk(friend: Member, code: str, *, staff: Member) -> Referral:
    """Staff attach a referral code while recording a new member's first purchase, before the
    purchase itself (so it can qualify). The same code again is harmless (a form sent twice);
    another referrer's is AlreadyReferred; the member's own code is OwnCode."""
    referrer = check_code(code)
    if referrer.id == friend.id:
        raise OwnCode(
            errors={"referral_code": _l("This is the member's own referral code.")},
        )
    existing = referral_of_friend(friend)
    if existing is not None:
        if existing.referrer_id == referrer.id:
            return existing
        raise AlreadyReferred(referrer=existing.referrer)
    referral = attribute_friend(friend, referrer, channel="desk")
    record_audit(
        "referral.attach",
        actor=staff,
        target=referral,
        summary=(
            f"Referral code {referrer.referral_code} of {referrer.name} attached to "
            f"{friend.name} at the desk ({referral.status})"
        ),
        details={
            "referrer_id": referrer.id,
            "friend_id": friend.id,
            "status": referral.status,
            "reason": referral.reason,
        },
    )
    return referral
