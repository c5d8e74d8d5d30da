"""Members' segments: recency, frequency and monetary value over purchases net of returns, and
the named groups of DESIGN.md ("Knowing the member"), refreshed by `run-jobs`.

- Recency: the last purchase not wholly returned (any time); scored 5 within
  `rfm_recency_5_months`, 4 within `rfm_recency_4_months`, 3, 2, else 1.
- Frequency: purchases not wholly returned in the last 24 months; 5 from `rfm_frequency_5`...
- Monetary: their net spend (amount minus returns) in the last 24 months; 5 from
  `rfm_monetary_5_units` whole currency units, ...
- Groups, the first that fits: lapsed (a purchase, but none for `segment_lapsed_months`),
  at risk (none for `segment_at_risk_months`), champions (R, F and M at least 4), loyal (F and
  M at least 3), promising (joined in the last `segment_promising_days`), others.

The refresh is set-based SQL, the same on SQLite and PostgreSQL: one UPDATE … FROM for the
members already placed (keeping their previous group, for the movement) and one
INSERT … SELECT for the others, both from one aggregate over the purchases; no loop per member.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from babel.numbers import get_currency_precision
from sqlalchemy import (
    Integer,
    and_,
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.orm import contains_eager
from sqlalchemy.sql.expression import ColumnElement, Subquery

from portal.clock import utcnow
from portal.extensions import db
from portal.models import Member, MemberSegment, Purchase, SpecialDate
from portal.models.segments import SEGMENT_GROUPS
from portal.services.programme.local_time import add_local_months, local_date
from portal.services.programme.settings import programme_settings

logger = logging.getLogger(__name__)

WINDOW_MONTHS = 24
# The groups offered to staff for win-back, measured by "bought within win_back_days".
WIN_BACK_GROUPS = ("lapsed", "at_risk")


def eligible_members() -> ColumnElement[bool]:
    """Who is segmented: open accounts of members (not staff)."""
    return and_(Member.role == "member", Member.deactivated_at.is_(None))


def _scored_members(now: datetime) -> Subquery:
    """A SELECT of every eligible member with their figures, scores and group."""
    s = programme_settings()
    unit = 10 ** get_currency_precision(s.currency)
    window_start = add_local_months(now, -WINDOW_MONTHS)
    net = Purchase.amount - Purchase.returned_amount
    in_window = Purchase.purchased_at >= window_start
    figures = (
        select(
            Purchase.member_id.label("member_id"),
            func.max(Purchase.purchased_at).label("last_purchase_at"),
            func.sum(case((in_window, 1), else_=0)).label("purchases"),
            func.sum(case((in_window, net), else_=0)).label("spend"),
        )
        .where(Purchase.returned_amount < Purchase.amount, Purchase.purchased_at <= now)
        .group_by(Purchase.member_id)
        .subquery("figures")
    )
    last_store = (
        select(Purchase.store)
        .where(
            Purchase.member_id == Member.id,
            Purchase.returned_amount < Purchase.amount,
            Purchase.purchased_at <= now,
        )
        .order_by(Purchase.purchased_at.desc(), Purchase.id.desc())
        .limit(1)
        .correlate(Member)
        .scalar_subquery()
    )

    def months_ago(months: int) -> datetime:
        return add_local_months(now, -months)

    last = figures.c.last_purchase_at
    count = func.coalesce(figures.c.purchases, 0)
    spend = func.coalesce(figures.c.spend, 0)
    r_score = case(
        (last >= months_ago(s.rfm_recency_5_months), 5),
        (last >= months_ago(s.rfm_recency_4_months), 4),
        (last >= months_ago(s.rfm_recency_3_months), 3),
        (last >= months_ago(s.rfm_recency_2_months), 2),
        else_=1,
    )
    f_score = case(
        (count >= s.rfm_frequency_5, 5),
        (count >= s.rfm_frequency_4, 4),
        (count >= s.rfm_frequency_3, 3),
        (count >= s.rfm_frequency_2, 2),
        else_=1,
    )
    m_score = case(
        (spend >= s.rfm_monetary_5_units * unit, 5),
        (spend >= s.rfm_monetary_4_units * unit, 4),
        (spend >= s.rfm_monetary_3_units * unit, 3),
        (spend >= s.rfm_monetary_2_units * unit, 2),
        else_=1,
    )
    scored = (
        select(
            Member.id.label("member_id"),
            Member.created_at.label("joined_at"),
            last.label("last_purchase_at"),
            count.label("purchases_24m"),
            spend.label("net_spend_24m"),
            last_store.label("store"),
            r_score.label("r_score"),
            f_score.label("f_score"),
            m_score.label("m_score"),
        )
        .select_from(Member)
        .outerjoin(figures, figures.c.member_id == Member.id)
        .where(eligible_members())
        .subquery("scored")
    )
    c = scored.c
    group_code = case(
        (
            and_(
                c.last_purchase_at.is_not(None),
                c.last_purchase_at < months_ago(s.segment_lapsed_months),
            ),
            "lapsed",
        ),
        (
            and_(
                c.last_purchase_at.is_not(None),
                c.last_purchase_at < months_ago(s.segment_at_risk_months),
            ),
            "at_risk",
        ),
        (and_(c.r_score >= 4, c.f_score >= 4, c.m_score >= 4), "champions"),
        (and_(c.f_score >= 3, c.m_score >= 3), "loyal"),
        (c.joined_at >= now - timedelta(days=s.segment_promising_days), "promising"),
        else_="others",
    )
    return select(
        c.member_id,
        group_code.label("group_code"),
        c.r_score,
        c.f_score,
        c.m_score,
        c.last_purchase_at,
        c.purchases_24m,
        c.net_spend_24m,
        c.store,
    ).subquery("grouped")


def refresh_segments(*, now: datetime | None = None) -> int:
    """Place every eligible member in their group as of `now`; returns how many are placed.
    Callers hold the refresh's lock (portal/jobs.py), so two refreshes never overlap."""
    now = now or utcnow()
    grouped = _scored_members(now)
    db.session.execute(
        delete(MemberSegment)
        .where(~MemberSegment.member_id.in_(select(Member.id).where(eligible_members())))
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(MemberSegment)
        .where(MemberSegment.member_id == grouped.c.member_id)
        .values(
            previous_group=MemberSegment.group_code,
            group_code=grouped.c.group_code,
            r_score=grouped.c.r_score,
            f_score=grouped.c.f_score,
            m_score=grouped.c.m_score,
            last_purchase_at=grouped.c.last_purchase_at,
            purchases_24m=grouped.c.purchases_24m,
            net_spend_24m=grouped.c.net_spend_24m,
            store=grouped.c.store,
            refreshed_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    columns = [
        "member_id",
        "group_code",
        "r_score",
        "f_score",
        "m_score",
        "last_purchase_at",
        "purchases_24m",
        "net_spend_24m",
        "store",
        "refreshed_at",
    ]
    refreshed_at = literal(now, MemberSegment.__table__.c.refreshed_at.type)
    db.session.execute(
        insert(MemberSegment).from_select(
            columns,
            select(
                grouped.c.member_id,
                grouped.c.group_code,
                grouped.c.r_score,
                grouped.c.f_score,
                grouped.c.m_score,
                grouped.c.last_purchase_at,
                grouped.c.purchases_24m,
                grouped.c.net_spend_24m,
                grouped.c.store,
                refreshed_at,
            ).where(~exists().where(MemberSegment.member_id == grouped.c.member_id)),
        )
    )
    db.session.expire_all()
    placed = db.session.scalar(select(func.count()).select_from(MemberSegment)) or 0
    logger.info("segments refreshed: %d members placed", placed)
    return placed


def segment_of(member: Member) -> MemberSegment | None:
    """The member's segment as of the last refresh (None before their first)."""
    return db.session.get(MemberSegment, member.id)


# -- what /admin/segments shows ----------------------------------------------------------------


@dataclass(frozen=True)
class SegmentOverview:
    refreshed_at: datetime | None
    total: int
    groups: dict[str, int]  # every group, 0 included
    by_tier: dict[str, dict[str, int]]  # tier code -> group -> count
    by_store: dict[str, dict[str, int]]  # store ("" for none) -> group -> count
    by_birthday_month: dict[int, int]  # 1-12 -> members
    special_dates_soon: int  # members with a special date in the next 30 days
    movement: list[tuple[str | None, str, int]]  # (from, to, members), largest first


def _crosstab(rows: Iterable[Any]) -> dict[str, dict[str, int]]:
    table: dict[str, dict[str, int]] = {}
    for key, group, n in rows:
        table.setdefault(key or "", {code: 0 for code in SEGMENT_GROUPS})[group] = n
    return table


def upcoming_month_days(today: date, days: int) -> list[tuple[int, int]]:
    """The (month, day) pairs of the `days` days from `today` on; 29 February is among them
    in a year without it when 28 February is (it falls on that day)."""
    pairs = []
    for offset in range(days):
        day = today + timedelta(days=offset)
        pairs.append((day.month, day.day))
        if day.month == 2 and day.day == 28 and not _is_leap(day.year):
            pairs.append((2, 29))
    return pairs


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def segment_overview(*, now: datetime | None = None) -> SegmentOverview:
    now = now or utcnow()
    groups = {code: 0 for code in SEGMENT_GROUPS}
    for code, n in db.session.execute(
        select(MemberSegment.group_code, func.count()).group_by(MemberSegment.group_code)
    ):
        groups[code] = n
    by_tier = _crosstab(
        db.session.execute(
            select(Member.tier_code, MemberSegment.group_code, func.count())
            .join(Member, Member.id == MemberSegment.member_id)
            .group_by(Member.tier_code, MemberSegment.group_code)
        )
    )
    by_store = _crosstab(
        db.session.execute(
            select(MemberSegment.store, MemberSegment.group_code, func.count()).group_by(
                MemberSegment.store, MemberSegment.group_code
            )
        )
    )
    month = func.extract("month", Member.birthday)
    by_birthday_month = {m: 0 for m in range(1, 13)}
    for m, n in db.session.execute(
        select(month.cast(Integer), func.count())
        .join(MemberSegment, MemberSegment.member_id == Member.id)
        .where(Member.birthday.is_not(None))
        .group_by(month.cast(Integer))
    ):
        by_birthday_month[int(m)] = n
    pairs = upcoming_month_days(local_date(now), 30)
    special_dates_soon = (
        db.session.scalar(
            select(func.count(func.distinct(SpecialDate.member_id)))
            .join(MemberSegment, MemberSegment.member_id == SpecialDate.member_id)
            .where(or_(*(and_(SpecialDate.month == m, SpecialDate.day == d) for m, d in pairs)))
        )
        or 0
    )
    movement = [
        (before, after, n)
        for before, after, n in db.session.execute(
            select(MemberSegment.previous_group, MemberSegment.group_code, func.count())
            .where(
                or_(
                    MemberSegment.previous_group.is_(None),
                    MemberSegment.previous_group != MemberSegment.group_code,
                )
            )
            .group_by(MemberSegment.previous_group, MemberSegment.group_code)
            .order_by(func.count().desc())
        )
    ]
    return SegmentOverview(
        refreshed_at=db.session.scalar(select(func.max(MemberSegment.refreshed_at))),
        total=sum(groups.values()),
        groups=groups,
        by_tier=by_tier,
        by_store=by_store,
        by_birthday_month=by_birthday_month,
        special_dates_soon=special_dates_soon,
        movement=movement,
    )


@dataclass(frozen=True)
class GroupPage:
    segments: list[MemberSegment]
    page: int
    has_more: bool


def members_in_group(group: str, *, page: int = 1, per_page: int = 50) -> GroupPage:
    """A group's members, the most valuable first, with their figures (the reason in words is
    the page's: portal/web/wording.py)."""
    rows = list(
        db.session.scalars(
            select(MemberSegment)
            .join(Member, Member.id == MemberSegment.member_id)
            .where(MemberSegment.group_code == group)
            .options(contains_eager(MemberSegment.member))
            .order_by(MemberSegment.net_spend_24m.desc(), MemberSegment.member_id)
            .offset((page - 1) * per_page)
            .limit(per_page + 1)
        )
    )
    return GroupPage(segments=rows[:per_page], page=page, has_more=len(rows) > per_page)
