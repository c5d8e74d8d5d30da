"""What the member's home pages show: the dashboard's read model and the notifications list.

The dashboard reads stored numbers (the balance and tier on the member) and a fixed number of
indexed queries, whatever the length of the member's history: the tiers, one aggregate over the
purchases of the rolling tier window, the next unspent credits by expiry date and the last few
ledger entries, and one statement for "Rewards for you" (none when the member turned
suggestions off).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, select

from portal.clock import utcnow
from portal.extensions import db
from portal.models import LedgerEntry, Member, Notification, SurveyAnswer, Tier
from portal.services.points.tiers import TierProgress, all_tiers, tier_progress
from portal.services.programme.local_time import local_date
from portal.services.programme.settings import programme_settings
from portal.services.rewards.suggestions import Suggestion, rewards_for_you
from portal.services.surveys.invitations import WaitingSurvey, waiting_surveys
from portal.services.surveys.testimonials import testimonials

RECENT_ACTIVITY = 5
# Unspent credits read to find the next expiry dates; a member rarely earns more than a few
# credits a day, so this covers the next dates many times over.
EXPIRY_ROWS = 60
EXPIRY_DATES_SHOWN = 3


@dataclass
class ExpiryGroup:
    """Points that expire on one day (in the programme's zone)."""

    on: date
    points: int
    credits: int = 1
    complete: bool = True  # False when more credits of that day may not have been read
    soon: bool = False  # within the expiry notice period
    # Past their date but not yet taken by `run-jobs`: shown as expiring now, never as a date
    # still to come.
    overdue: bool = False


@dataclass
class Dashboard:
    member: Member
    progress: TierProgress
    tiers: list[Tier]
    recent_activity: list[LedgerEntry]
    expiries: list[ExpiryGroup] = field(default_factory=list)
    today: date | None = None
    waiting_survey: WaitingSurvey | None = None
    testimonials: list[SurveyAnswer] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)

    @property
    def next_expiry(self) -> ExpiryGroup | None:
        return self.expiries[0] if self.expiries else None

    @property
    def is_new(self) -> bool:
        """Nothing has happened on the account yet."""
        return not self.recent_activity and self.member.points_balance == 0


def programme_tiers() -> list[Tier]:
    return all_tiers()


def group_expiries(
    credits: list[tuple[int, datetime]],
    *,
    today: date,
    notice_days: int,
    complete: bool = True,
    limit: int = EXPIRY_DATES_SHOWN,
    now: datetime | None = None,
) -> list[ExpiryGroup]:
    """Sum unspent credits (remaining, expires_at), ordered by expires_at, per local day.
    Credits already past `now` (waiting for `run-jobs`) make one group, overdue, dated today.
    When the rows read were not all there is (`complete` False), the last day read may be
    short: it is dropped, unless it is the only one (then marked incomplete)."""
    groups: list[ExpiryGroup] = []
    for remaining, expires_at in credits:
        if not remaining or expires_at is None:
            continue
        if now is not None and expires_at <= now:
            if groups and groups[-1].overdue:
                groups[-1].points += remaining
                groups[-1].credits += 1
            else:
                groups.append(ExpiryGroup(on=today, points=remaining, overdue=True))
            continue
        day = local_date(expires_at)
        if groups and groups[-1].on == day and not groups[-1].overdue:
            groups[-1].points += remaining
            groups[-1].credits += 1
        else:
            groups.append(ExpiryGroup(on=day, points=remaining))
    if not complete and groups:
        if len(groups) > 1:
            groups.pop()
        else:
            groups[0].complete = False
    for group in groups:
        group.soon = group.on <= today + timedelta(days=notice_days)
    return groups[:limit]


_EXPIRIES = (
    select(LedgerEntry.remaining, LedgerEntry.expires_at)
    .where(LedgerEntry.member_id == bindparam("member_id"), LedgerEntry.remaining > 0)
    .order_by(LedgerEntry.expires_at, LedgerEntry.id)
    .limit(EXPIRY_ROWS)
)
_RECENT = (
    select(LedgerEntry)
    .where(LedgerEntry.member_id == bindparam("member_id"))
    .order_by(LedgerEntry.id.desc())
    .limit(bindparam("limit"))
)


def member_expiries(member: Member, *, now: datetime) -> list[ExpiryGroup]:
    """The next expiry dates of unspent points: one query on the partial index
    (member_id, expires_at) WHERE remaining > 0."""
    rows = db.session.execute(_EXPIRIES, {"member_id": member.id}).all()
    return group_expiries(
        [(r.remaining, r.expires_at) for r in rows],
        today=local_date(now),
        notice_days=programme_settings().expiry_notice_days,
        complete=len(rows) < EXPIRY_ROWS,
        now=now,
    )


def recent_activity(member: Member, limit: int = RECENT_ACTIVITY) -> list[LedgerEntry]:
    return list(db.session.scalars(_RECENT, {"member_id": member.id, "limit": limit}))


def dashboard_for(member: Member, *, now: datetime | None = None) -> Dashboard:
    now = now or utcnow()
    tiers = all_tiers()
    return Dashboard(
        member=member,
        progress=tier_progress(member, now=now, tiers=tiers),
        tiers=tiers,
        recent_activity=recent_activity(member),
        expiries=member_expiries(member, now=now),
        today=local_date(now),
        waiting_survey=next(iter(waiting_surveys(member, now=now)), None),
        testimonials=testimonials(),
        suggestions=rewards_for_you(
            member, ranks={tier.code: tier.rank for tier in tiers}, now=now
        ),
    )


def recent_notifications(member: Member, limit: int = 50) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.member_id == member.id)
            .order_by(Notification.id.desc())
            .limit(limit)
        )
    )
