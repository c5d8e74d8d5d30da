"""The staff report on referrals: per month (programme zone) links opened, friends joined,
qualifying purchases and bonuses paid; what is pending and held now; the top referrers."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import case, func, select

from portal.extensions import db
from portal.models import LedgerEntry, Member, Referral, ReferralLinkOpen
from portal.services.programme.local_time import local_date, local_day_start
from portal.services.referrals.bonuses import month_start

MONTHS = 6
TOP_REFERRERS = 10


@dataclass
class MonthFigures:
    month: date  # its first day
    links_opened: int = 0
    joined: int = 0
    qualified: int = 0
    rewarded: int = 0
    points_paid: int = 0


@dataclass
class ReferrerFigures:
    member: Member
    joined: int
    qualified: int
    rewarded: int
    points_earned: int


@dataclass
class ReferralReport:
    months: list[MonthFigures]
    pending: int
    pending_points: int
    capped: int
    held: int
    statuses: dict[str, int] = field(default_factory=dict)
    top_referrers: list[ReferrerFigures] = field(default_factory=list)


def _months(today: date, count: int) -> list[date]:
    """The first days of the last `count` months, oldest first, this month last."""
    first = month_start(today)
    months = [first]
    while len(months) < count:
        first = month_start(first - timedelta(days=1))
        months.append(first)
    return months[::-1]


def _month_of(moment: datetime) -> date:
    return month_start(local_date(moment))


def referral_report(*, today: date | None = None, months: int = MONTHS) -> ReferralReport:
    """The figures of the report, in a fixed number of queries whatever the number of rows."""
    today = today or local_date()
    firsts = _months(today, months)
    start = local_day_start(firsts[0])
    figures = {first: MonthFigures(first) for first in firsts}

    def bump(moment: datetime | date | None, attribute: str, amount: int = 1) -> None:
        if moment is None:
            return
        month = _month_of(moment) if isinstance(moment, datetime) else month_start(moment)
        entry = figures.get(month)
        if entry is not None:
            setattr(entry, attribute, getattr(entry, attribute) + amount)

    opens = db.session.execute(
        select(ReferralLinkOpen.opened_on, func.count(ReferralLinkOpen.id))
        .where(ReferralLinkOpen.opened_on >= firsts[0])
        .group_by(ReferralLinkOpen.opened_on)
    )
    for day, count in opens:
        bump(day, "links_opened", count)
    for joined_at in db.session.scalars(
        select(Referral.created_at).where(Referral.created_at >= start)
    ):
        bump(joined_at, "joined")
    for qualified_at in db.session.scalars(
        select(Referral.qualified_at).where(Referral.qualified_at >= start)
    ):
        bump(qualified_at, "qualified")
    for credited_at in db.session.scalars(
        select(Referral.referrer_credited_at).where(Referral.referrer_credited_at >= start)
    ):
        bump(credited_at, "rewarded")
    for moment, points in db.session.execute(
        select(LedgerEntry.created_at, LedgerEntry.points).where(
            LedgerEntry.referral_id.is_not(None),
            LedgerEntry.kind == "bonus",
            LedgerEntry.created_at >= start,
        )
    ):
        bump(moment, "points_paid", points)

    statuses = Counter(
        {
            status: count
            for status, count in db.session.execute(
                select(Referral.status, func.count(Referral.id)).group_by(Referral.status)
            )
        }
    )
    pending_points = db.session.scalar(
        select(
            func.coalesce(
                func.sum(
                    case(
                        (Referral.friend_credited_at.is_(None), Referral.friend_points),
                        else_=0,
                    )
                    + case(
                        (Referral.referrer_credited_at.is_(None), Referral.referrer_points),
                        else_=0,
                    )
                ),
                0,
            )
        ).where(Referral.status.in_(("pending", "capped")))
    )
    pending_points = int(pending_points or 0)
    return ReferralReport(
        months=[figures[first] for first in firsts],
        pending=statuses.get("pending", 0),
        pending_points=pending_points,
        capped=statuses.get("capped", 0),
        held=statuses.get("held", 0),
        statuses=dict(statuses),
        top_referrers=top_referrers(),
    )


def top_referrers(limit: int = TOP_REFERRERS) -> list[ReferrerFigures]:
    """The members who brought the most friends who qualified, then the most who joined."""
    qualified = func.sum(case((Referral.status.in_(("pending", "capped", "rewarded")), 1), else_=0))
    rewarded = func.sum(case((Referral.referrer_credited_at.is_not(None), 1), else_=0))
    earned = func.sum(
        case((Referral.referrer_credited_at.is_not(None), Referral.referrer_points), else_=0)
    )
    rows = db.session.execute(
        select(Referral.referrer_id, func.count(Referral.id), qualified, rewarded, earned)
        .group_by(Referral.referrer_id)
        .order_by(qualified.desc(), func.count(Referral.id).desc(), Referral.referrer_id)
        .limit(limit)
    ).all()
    members = {
        member.id: member
        for member in db.session.scalars(
            select(Member).where(Member.id.in_([row[0] for row in rows]))
        )
    }
    return [
        ReferrerFigures(members[member_id], joined, qualified or 0, rewarded or 0, earned or 0)
        for member_id, joined, qualified, rewarded, earned in rows
    ]
