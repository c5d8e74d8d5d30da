"""What the member's home pages show."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from portal.extensions import db
from portal.models import LedgerEntry, Member, Notification, Tier


@dataclass
class Dashboard:
    member: Member
    recent_activity: list[LedgerEntry]
    tiers: list[Tier]


def programme_tiers() -> list[Tier]:
    return list(db.session.scalars(select(Tier).order_by(Tier.rank)))


def dashboard_for(member: Member) -> Dashboard:
    recent = db.session.scalars(
        select(LedgerEntry)
        .where(LedgerEntry.member_id == member.id)
        .order_by(LedgerEntry.id.desc())
        .limit(5)
    ).all()
    return Dashboard(member=member, recent_activity=list(recent), tiers=programme_tiers())


def recent_notifications(member: Member, limit: int = 50) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.member_id == member.id)
            .order_by(Notification.id.desc())
            .limit(limit)
        )
    )
