"""The staff dashboard's figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from portal.clock import utcnow
from portal.extensions import db
from portal.models import Member, Tier


@dataclass
class ProgrammeKpis:
    members: int
    joined_last_30_days: int
    verified_share_percent: int
    members_by_tier: list[tuple[Tier, int]]


def programme_kpis() -> ProgrammeKpis:
    members = db.session.execute(
        select(func.count(Member.id)).where(Member.role == "member")
    ).scalar_one()
    joined = db.session.execute(
        select(func.count(Member.id)).where(
            Member.role == "member", Member.created_at >= utcnow() - timedelta(days=30)
        )
    ).scalar_one()
    verified = db.session.execute(
        select(func.count(Member.id)).where(
            Member.role == "member", Member.email_verified_at.is_not(None)
        )
    ).scalar_one()
    by_tier = db.session.execute(
        select(Tier, func.count(Member.id))
        .join(Member, (Member.tier_code == Tier.code) & (Member.role == "member"), isouter=True)
        .group_by(Tier.code)
        .order_by(Tier.rank)
    ).all()
    return ProgrammeKpis(
        members=members,
        joined_last_30_days=joined,
        verified_share_percent=(verified * 100 // members) if members else 0,
        members_by_tier=[(tier, count) for tier, count in by_tier],
    )
