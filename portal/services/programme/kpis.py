"""The KPI dashboard's figures: members, points and rewards, for a period and the one before.

Every figure is an SQL aggregate over an indexed range of days (migration 0020), computed for
both periods in the same statement, so the page costs a fixed handful of queries whatever the
number of members, purchases or ledger entries, and no figure is loaded row by row into Python.
Two figures would read millions of rows live, so they start from rows `run-jobs` writes
(kpi_summaries.py) and add only what those rows lack:
- points issued, redeemed and expired: daily sums per kind of ledger entry for the closed days,
  plus the ledger summed live from the day after the last summed one (today and the days since
  the job last ran);
- active members and repeat buyers of the offered periods (this month, the last 30, 90 and 365
  days): each member's purchases in the period and the one before, written once a day, plus the
  purchases dated today or recorded since. A custom period, or an offered one before the job ran
  on its day, is counted live (exact, slower: about 0.7 s at 2,000,000 purchases on SQLite).
Every figure is the same as the live count; tests/unit/test_kpi_summaries.py compares them.

Definitions (the page states them):
- members joined: member accounts (not staff) created in the period;
- active members: accounts with at least one purchase dated in the period (`purchased_at`);
  repeat-purchase rate: the share of them with two purchases or more in the period;
- points issued: points credited in the period for purchases, referral, survey, event and staff
  bonuses, net of the points that returns and staff debits took back; redeemed: points spent on
  rewards, net of cancelled vouchers' refunds; expired: points that expired. So issued −
  redeemed − expired is the change in outstanding points over the period;
- redemption rate = redeemed ÷ issued; breakage = expired ÷ issued (None when nothing issued);
- outstanding points: the sum of all balances at the end of the period; its liability is
  outstanding × `point_value_minor_units` × `expected_redemption_percent` ÷ 100.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import aliased

from portal.extensions import db
from portal.models import (
    KpiDailyPoints,
    KpiPeriodMembers,
    LedgerEntry,
    Member,
    Purchase,
    Redemption,
    Reward,
    Tier,
    TierChange,
)
from portal.services.programme.kpi_summaries import (
    MembersSummary,
    members_summary,
    summarised_through,
)
from portal.services.programme.local_time import local_day_start
from portal.services.programme.periods import ReportPeriod
from portal.services.programme.settings import programme_settings

REDEEMING_KINDS = ("redeem", "refund")
EXPIRING_KINDS = ("expire",)
TOP_REWARDS = 5


@dataclass(frozen=True)
class Compared:
    """A figure for the period and for the period before it."""

    value: Any
    previous: Any


def ratio(part: int, whole: int) -> Fraction | None:
    return Fraction(part, whole) if whole else None


def in_range(column: Any, starts_at: datetime, ends_at: datetime) -> ColumnElement[bool]:
    return and_(column >= starts_at, column < ends_at)


def count_in(column: Any, starts_at: datetime, ends_at: datetime) -> Any:
    return func.coalesce(func.sum(case((in_range(column, starts_at, ends_at), 1), else_=0)), 0)


@dataclass(frozen=True)
class MemberFigures:
    joined: Compared
    active: Compared
    repeat_buyers: Compared

    @property
    def repeat_rate(self) -> Compared:
        return Compared(
            ratio(self.repeat_buyers.value, self.active.value),
            ratio(self.repeat_buyers.previous, self.active.previous),
        )


def member_figures(period: ReportPeriod) -> MemberFigures:
    """Members joined, active members and repeat buyers. Joined: one statement for both
    periods. The buyers: from the job's rows of an offered period and the purchases they lack
    (two small statements), or else live over each period's purchases (two statements)."""
    before = period.previous
    joined = db.session.execute(
        select(
            count_in(Member.created_at, period.starts_at, period.ends_at),
            count_in(Member.created_at, before.starts_at, before.ends_at),
        ).where(
            Member.role == "member",
            Member.created_at >= before.starts_at,
            Member.created_at < period.ends_at,
        )
    ).one()
    summary = members_summary(period, programme_settings().timezone)
    if summary is None:
        (now_active, now_repeat), (then_active, then_repeat) = map(_buyers_live, (period, before))
        active, repeat_buyers = (
            Compared(now_active, then_active),
            Compared(now_repeat, then_repeat),
        )
    else:
        active, repeat_buyers = _buyers_summarised(period, summary)
    return MemberFigures(
        joined=Compared(int(joined[0]), int(joined[1])),
        active=active,
        repeat_buyers=repeat_buyers,
    )


def _buyers_live(period: ReportPeriod) -> tuple[int, int]:
    """(members with a purchase in the period, with two or more): the purchases grouped by
    member over the period's range of ix_purchases_time_member."""
    per_member = (
        select(func.count().label("n"))
        .where(Purchase.purchased_at >= period.starts_at, Purchase.purchased_at < period.ends_at)
        .group_by(Purchase.member_id)
        .subquery()
    )
    row = db.session.execute(
        select(func.count(), func.coalesce(func.sum(case((per_member.c.n >= 2, 1), else_=0)), 0))
    ).one()
    return int(row[0]), int(row[1])


def _buyers_summarised(period: ReportPeriod, summary: MembersSummary) -> tuple[Compared, Compared]:
    """Active members and repeat buyers of the period and the one before from the job's rows,
    corrected by the purchases they lack (dated today or recorded since): for each member
    with such a purchase, what the purchases add to the counts."""
    before = period.previous
    rows = KpiPeriodMembers
    counted = db.session.execute(
        select(
            func.coalesce(func.sum(case((rows.purchases_now >= 1, 1), else_=0)), 0),
            func.coalesce(func.sum(case((rows.purchases_now >= 2, 1), else_=0)), 0),
            func.coalesce(func.sum(case((rows.purchases_before >= 1, 1), else_=0)), 0),
            func.coalesce(func.sum(case((rows.purchases_before >= 2, 1), else_=0)), 0),
        ).where(rows.code == summary.code)
    ).one()
    # Dated today (a range of ix_purchases_time_member), or recorded since the rows were
    # written (a range of ix_purchases_recorded; those dated today are in the first part).
    # Purchases outside both periods add nothing.
    dated_today = select(Purchase.member_id, Purchase.purchased_at).where(
        Purchase.purchased_at >= summary.open_from
    )
    recorded_since = select(
        Purchase.member_id,
        case((Purchase.purchased_at < summary.open_from, Purchase.purchased_at)),
    ).where(Purchase.created_at >= summary.recorded_before)
    lacking = dated_today.union_all(recorded_since).subquery()
    added = (
        select(
            lacking.c.member_id,
            count_in(lacking.c.purchased_at, period.starts_at, period.ends_at).label("now"),
            count_in(lacking.c.purchased_at, before.starts_at, before.ends_at).label("before"),
        )
        .group_by(lacking.c.member_id)
        .subquery()
    )
    now_had = func.coalesce(rows.purchases_now, 0)
    before_had = func.coalesce(rows.purchases_before, 0)

    def gained(had: Any, more: Any, least: int) -> Any:
        became = and_(had < least, had + more >= least)
        return func.coalesce(func.sum(case((became, 1), else_=0)), 0)

    extra = db.session.execute(
        select(
            gained(now_had, added.c.now, 1),
            gained(now_had, added.c.now, 2),
            gained(before_had, added.c.before, 1),
            gained(before_had, added.c.before, 2),
        )
        .select_from(added)
        .join(
            rows,
            and_(rows.code == summary.code, rows.member_id == added.c.member_id),
            isouter=True,
        )
    ).one()
    total = [int(c) + int(e) for c, e in zip(counted, extra, strict=True)]
    return Compared(total[0], total[2]), Compared(total[1], total[3])


@dataclass(frozen=True)
class PointFigures:
    issued: Compared
    redeemed: Compared
    expired: Compared
    outstanding: Compared  # at the end of each period
    point_value_minor_units: int
    expected_redemption_percent: int

    @property
    def redemption_rate(self) -> Compared:
        return Compared(
            ratio(self.redeemed.value, self.issued.value),
            ratio(self.redeemed.previous, self.issued.previous),
        )

    @property
    def breakage(self) -> Compared:
        return Compared(
            ratio(self.expired.value, self.issued.value),
            ratio(self.expired.previous, self.issued.previous),
        )

    def _liability(self, outstanding: int) -> int:
        value = max(outstanding, 0) * self.point_value_minor_units
        return value * self.expected_redemption_percent // 100

    @property
    def liability(self) -> Compared:
        """What the outstanding points are expected to cost, in minor units."""
        return Compared(
            self._liability(self.outstanding.value), self._liability(self.outstanding.previous)
        )


def point_figures(period: ReportPeriod) -> PointFigures:
    """Points issued, redeemed and expired per period, and the outstanding points at the end of
    each period (today's balances less what the ledger moved since). The closed days come from
    the daily sums per kind (kpi_summaries.py), the days after the last summed one from a
    grouped sum of the ledger over that short range (the index on created_at, kind, points
    covers it): three small statements whatever the size of the ledger."""
    before = period.previous
    through = summarised_through(programme_settings().timezone)
    # Days up to `through` are read from the summary, the moments from `live_from` on live.
    live_from = before.starts_at
    if through is not None:
        live_from = max(live_from, local_day_start(through + timedelta(days=1)))
    else:
        through = before.first_day - timedelta(days=1)

    def summed_in(first: date, last: date) -> Any:
        inside = and_(KpiDailyPoints.day >= first, KpiDailyPoints.day <= min(last, through))
        return func.coalesce(func.sum(case((inside, KpiDailyPoints.points_sum), else_=0)), 0)

    summed = db.session.execute(
        select(
            KpiDailyPoints.kind,
            summed_in(period.first_day, period.last_day),
            summed_in(before.first_day, before.last_day),
            summed_in(period.last_day + timedelta(days=1), through),
        )
        .where(KpiDailyPoints.day >= before.first_day, KpiDailyPoints.day <= through)
        .group_by(KpiDailyPoints.kind)
    ).all()

    def points_in(starts_at: datetime, ends_at: datetime) -> Any:
        inside = in_range(LedgerEntry.created_at, starts_at, ends_at)
        return func.coalesce(func.sum(case((inside, LedgerEntry.points), else_=0)), 0)

    live = db.session.execute(
        select(
            LedgerEntry.kind,
            points_in(period.starts_at, period.ends_at),
            points_in(before.starts_at, before.ends_at),
            func.coalesce(
                func.sum(case((LedgerEntry.created_at >= period.ends_at, LedgerEntry.points))), 0
            ),
        )
        .where(LedgerEntry.created_at >= live_from)
        .group_by(LedgerEntry.kind)
    ).all()
    balances = db.session.execute(select(func.coalesce(func.sum(Member.points_balance), 0)))
    outstanding_now = int(balances.scalar_one())
    moved: dict[str, tuple[int, int, int]] = {}
    for kind, now, earlier, later in [*summed, *live]:
        sums = moved.get(kind, (0, 0, 0))
        moved[kind] = (sums[0] + int(now), sums[1] + int(earlier), sums[2] + int(later))

    def total(
        index: int, kinds: tuple[str, ...] | None = None, exclude: tuple[str, ...] = ()
    ) -> int:
        return sum(
            values[index]
            for kind, values in moved.items()
            if (kinds is None or kind in kinds) and kind not in exclude
        )

    others = REDEEMING_KINDS + EXPIRING_KINDS
    at_end = outstanding_now - total(2)
    settings = programme_settings()
    return PointFigures(
        issued=Compared(total(0, exclude=others), total(1, exclude=others)),
        redeemed=Compared(-total(0, REDEEMING_KINDS), -total(1, REDEEMING_KINDS)),
        expired=Compared(-total(0, EXPIRING_KINDS), -total(1, EXPIRING_KINDS)),
        outstanding=Compared(at_end, at_end - total(0)),
        point_value_minor_units=settings.point_value_minor_units,
        expected_redemption_percent=settings.expected_redemption_percent,
    )


@dataclass(frozen=True)
class RewardLine:
    reward: Reward
    redemptions: int
    points: int
    previous_redemptions: int


def top_rewards(period: ReportPeriod, limit: int = TOP_REWARDS) -> list[RewardLine]:
    """The rewards redeemed most often in the period (vouchers cancelled since not counted),
    with their points and their count in the period before."""
    before = period.previous
    inside = in_range(Redemption.created_at, period.starts_at, period.ends_at)
    now = func.coalesce(func.sum(case((inside, 1), else_=0)), 0)
    rows = db.session.execute(
        select(
            Reward,
            now,
            func.coalesce(func.sum(case((inside, Redemption.points_spent), else_=0)), 0),
            count_in(Redemption.created_at, before.starts_at, before.ends_at),
        )
        .join(Redemption, Redemption.reward_id == Reward.id)
        .where(
            Redemption.created_at >= before.starts_at,
            Redemption.created_at < period.ends_at,
            Redemption.status != "cancelled",
        )
        .group_by(Reward.id)
        .having(now > 0)
        .order_by(now.desc(), Reward.id)
        .limit(limit)
    ).all()
    return [RewardLine(reward, int(n), int(p), int(b)) for reward, n, p, b in rows]


@dataclass(frozen=True)
class TierFigures:
    members_by_tier: list[tuple[Tier, int]]  # today
    moves_up: Compared
    moves_down: Compared


def tier_figures(period: ReportPeriod) -> TierFigures:
    """Members per tier today, and the moves up and down the tiers (by rank) in each period.
    A member's first tier (no tier before) is not a move."""
    by_tier = db.session.execute(
        select(Tier, func.count(Member.id))
        .join(Member, (Member.tier_code == Tier.code) & (Member.role == "member"), isouter=True)
        .group_by(Tier.code)
        .order_by(Tier.rank)
    ).all()
    before = period.previous
    old, new = aliased(Tier), aliased(Tier)
    up, down = new.rank > old.rank, new.rank < old.rank

    def moves(direction: ColumnElement[bool], starts_at: datetime, ends_at: datetime) -> Any:
        inside = and_(direction, in_range(TierChange.created_at, starts_at, ends_at))
        return func.coalesce(func.sum(case((inside, 1), else_=0)), 0)

    row = db.session.execute(
        select(
            moves(up, period.starts_at, period.ends_at),
            moves(up, before.starts_at, before.ends_at),
            moves(down, period.starts_at, period.ends_at),
            moves(down, before.starts_at, before.ends_at),
        )
        .select_from(TierChange)
        .join(old, old.code == TierChange.from_tier)
        .join(new, new.code == TierChange.to_tier)
        .where(TierChange.created_at >= before.starts_at, TierChange.created_at < period.ends_at)
    ).one()
    return TierFigures(
        members_by_tier=[(tier, int(count)) for tier, count in by_tier],
        moves_up=Compared(int(row[0]), int(row[1])),
        moves_down=Compared(int(row[2]), int(row[3])),
    )
