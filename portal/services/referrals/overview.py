"""What a member reads on /referrals: their code, the friends they brought with where each
stands, the points earned so far, and, for a member who was referred, their welcome bonus."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.clock import utcnow
from portal.extensions import db
from portal.models import Member, Referral
from portal.services.programme.local_time import local_date
from portal.services.referrals.bonuses import (
    next_month_start,
    qualifying_deadline,
    rewarded_this_month,
)
from portal.services.referrals.identity import short_name


@dataclass
class ReferralLine:
    """One referral as one of its two members sees it (`role` "referrer" or "friend")."""

    referral: Referral
    role: str
    name: str  # the other member: a friend by first name and initial, a referrer by first name
    status: str
    reason: str | None
    joined_on: date
    deadline: date
    release_on: date | None
    paid_on: date | None
    points: int  # this member's bonus: pending, waiting or paid
    next_month: date | None
    hold_reasons: list[str]


@dataclass
class ReferralOverview:
    member: Member
    friends: list[ReferralLine]
    points_earned: int
    points_pending: int
    rewarded_this_month: int
    invited_by: ReferralLine | None


def line_for(referral: Referral, role: str, *, today: date | None = None) -> ReferralLine:
    today = today or local_date()
    if role == "referrer":
        name = short_name(referral.friend)
        points = referral.referrer_points
        paid_at = referral.referrer_credited_at
        status = referral.status
    else:
        name = referral.referrer.first_name
        points = referral.friend_points
        paid_at = referral.friend_credited_at
        # The friend's bonus is paid when the referrer's waits for the cap.
        status = "rewarded" if referral.status == "capped" else referral.status
    return ReferralLine(
        referral=referral,
        role=role,
        name=name,
        status=status,
        reason=referral.reason,
        joined_on=local_date(referral.friend.created_at),
        deadline=qualifying_deadline(referral),
        release_on=local_date(referral.release_at) if referral.release_at else None,
        paid_on=local_date(paid_at) if paid_at else None,
        points=points,
        next_month=next_month_start(today) if status == "capped" else None,
        hold_reasons=list(referral.hold_reasons or []),
    )


def referral_overview(member: Member) -> ReferralOverview:
    """The member's referrals, newest first, in a fixed number of queries."""
    referrals = list(
        db.session.scalars(
            select(Referral)
            .where(Referral.referrer_id == member.id)
            .options(joinedload(Referral.friend))
            .order_by(Referral.id.desc())
        )
    )
    today = local_date()
    friends = [line_for(referral, "referrer", today=today) for referral in referrals]
    own = db.session.scalar(
        select(Referral)
        .where(Referral.friend_id == member.id)
        .options(joinedload(Referral.referrer), joinedload(Referral.friend))
    )
    return ReferralOverview(
        member=member,
        friends=friends,
        points_earned=sum(r.referrer_points for r in referrals if r.referrer_credited_at),
        points_pending=sum(
            r.referrer_points for r in referrals if r.status in ("pending", "capped")
        ),
        rewarded_this_month=rewarded_this_month(member, now=utcnow()),
        invited_by=line_for(own, "friend", today=today) if own else None,
    )


def referrals_of_member(member: Member) -> tuple[Referral | None, list[Referral]]:
    """For staff: who referred the member, and whom they referred (newest first)."""
    own = db.session.scalar(
        select(Referral)
        .where(Referral.friend_id == member.id)
        .options(joinedload(Referral.referrer))
    )
    made = list(
        db.session.scalars(
            select(Referral)
            .where(Referral.referrer_id == member.id)
            .options(joinedload(Referral.friend))
            .order_by(Referral.id.desc())
            .limit(50)
        )
    )
    return own, made
