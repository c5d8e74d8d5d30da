"""Daily sums of the ledger per kind of entry (kpi_daily_points), kept by `run-jobs`, so the
KPI dashboard adds a few hundred summary rows rather than millions of ledger entries.

The ledger is append-only and every entry is dated when it is written (`created_at` is the
moment of writing, never a moment in the past), so once a day of the programme's zone is over
its sums never change. The job sums each closed day once, with set-based SQL (one INSERT …
SELECT … GROUP BY per stretch of days), and notes the last day it summed in kpi_summary_marks.
The dashboard reads the summary for the days up to that mark and sums the days after it (the
open part: the last run's day, today) live from the ledger over that short range.

Active members and repeat buyers are distinct counts, which daily rows cannot add up. For each
period the page offers (this month, the last 30, 90 and 365 days), the job writes once a day
each member's purchases in the period and in the one before (kpi_period_members), from the
purchases dated before that day and recorded (`created_at`) before SETTLE ago; the dashboard
counts those rows and corrects them with the few purchases it lacks: dated today, or recorded
since. Purchases are never deleted nor moved to another date or member. A custom period, or
an offered one before the job ran on its day, is counted live from the purchases.

A day is taken as closed SETTLE after it ended, so that an entry written in a transaction that
began before midnight and committed just after is in the ledger before its day is summed.

The days are cut in the programme's zone. When the zone setting changes, the mark names
another zone: the dashboard then reads everything live (exact, only slower) until the next run
of the job, which throws the old rows away and sums every day again in the new zone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Date, and_, case, delete, func, insert, literal, select

from portal.clock import utcnow
from portal.extensions import db
from portal.models import KpiDailyPoints, KpiPeriodMembers, KpiSummaryMark, LedgerEntry, Purchase
from portal.services.programme.local_time import local_date, local_day_start
from portal.services.programme.periods import ReportPeriod, report_period
from portal.services.programme.settings import programme_settings

logger = logging.getLogger(__name__)

POINTS_SUMMARY = "daily-points"
SETTLE = timedelta(hours=1)
# Days summed by one statement: the day of an entry is a CASE over the days' boundaries, which
# stays right across daylight-saving changes whatever the zone.
DAYS_PER_STATEMENT = 62


def summarised_through(zone: str) -> date | None:
    """The last day of the points summary made in `zone`, or None when there is none in it."""
    mark = db.session.get(KpiSummaryMark, POINTS_SUMMARY)
    if mark is None or mark.zone != zone:
        return None
    return mark.through_day


def _sum_days(first: date, last: date, zone: str) -> None:
    """Insert the rows of the days `first` to `last` (both included), one statement."""
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    bounds = [local_day_start(day + timedelta(days=1)) for day in days]
    day_of_entry = case(
        *(
            (LedgerEntry.created_at < bound, literal(day, Date))
            for day, bound in zip(days, bounds, strict=True)
        ),
    ).label("day")
    entries = (
        select(day_of_entry, LedgerEntry.kind, LedgerEntry.points)
        .where(
            LedgerEntry.created_at >= local_day_start(first), LedgerEntry.created_at < bounds[-1]
        )
        .subquery()
    )
    db.session.execute(
        insert(KpiDailyPoints).from_select(
            ["day", "kind", "zone", "points_sum", "entries"],
            select(
                entries.c.day,
                entries.c.kind,
                literal(zone),
                func.sum(entries.c.points),
                func.count(),
            ).group_by(entries.c.day, entries.c.kind),
        )
    )


def summarise_points(now: datetime | None = None) -> int:
    """Sum every closed day not summed yet (all of them again after a zone change); returns the
    number of days summed. Idempotent: a second run the same day sums nothing."""
    now = now or utcnow()
    zone = programme_settings().timezone
    last = local_date(now - SETTLE) - timedelta(days=1)
    through = summarised_through(zone)
    if through is None:
        db.session.execute(delete(KpiDailyPoints))
        oldest = db.session.scalar(select(func.min(LedgerEntry.created_at)))
        first = local_date(oldest) if oldest is not None else last + timedelta(days=1)
    else:
        first = through + timedelta(days=1)
    if first > last and through is not None:
        return 0
    # Rows after the mark would be from a run that did not finish its mark: sum those again.
    db.session.execute(delete(KpiDailyPoints).where(KpiDailyPoints.day >= first))
    start = first
    while start <= last:
        end = min(start + timedelta(days=DAYS_PER_STATEMENT - 1), last)
        _sum_days(start, end, zone)
        start = end + timedelta(days=1)
    mark = db.session.get(KpiSummaryMark, POINTS_SUMMARY)
    if mark is None:
        mark = KpiSummaryMark(name=POINTS_SUMMARY)
        db.session.add(mark)
    mark.zone, mark.through_day, mark.updated_at = zone, last, now
    db.session.flush()
    summed = max((last - first).days + 1, 0)
    logger.info("points summed for %d days through %s (%s)", summed, last, zone)
    return summed


MEMBER_PERIODS = ("month", "30", "90", "365")


@dataclass(frozen=True)
class MembersSummary:
    """A usable kpi_period_members summary for a period: its rows hold the purchases dated
    before `open_from` and recorded before `recorded_before`."""

    code: str
    open_from: datetime
    recorded_before: datetime


def _members_mark(code: str) -> str:
    return f"members-{code}"


def members_summary(period: ReportPeriod, zone: str) -> MembersSummary | None:
    """The summary of `period` when the job made one for exactly its days in `zone`."""
    if period.code not in MEMBER_PERIODS:
        return None
    mark = db.session.get(KpiSummaryMark, _members_mark(period.code))
    if mark is None or mark.zone != zone:
        return None
    day = mark.through_day + timedelta(days=1)
    made_for = report_period(period.code, None, None, today=day)
    if (made_for.first_day, made_for.last_day) != (period.first_day, period.last_day):
        return None
    return MembersSummary(period.code, local_day_start(day), mark.updated_at)


def summarise_period_members(now: datetime | None = None) -> int:
    """Write each offered period's members' purchases as they stand today, once a day (again
    after a zone change); returns the number of rows written (0 when every period is already
    written today)."""
    now = now or utcnow()
    zone = programme_settings().timezone
    today = local_date(now)
    recorded_before = now - SETTLE
    written = rows = 0
    for code in MEMBER_PERIODS:
        period = report_period(code, None, None, today=today)
        if members_summary(period, zone) is not None:
            continue
        before = period.previous
        open_from = local_day_start(today)

        def count_in(starts_at: datetime, ends_at: datetime) -> Any:
            inside = and_(Purchase.purchased_at >= starts_at, Purchase.purchased_at < ends_at)
            return func.coalesce(func.sum(case((inside, 1), else_=0)), 0)

        db.session.execute(delete(KpiPeriodMembers).where(KpiPeriodMembers.code == code))
        db.session.execute(
            insert(KpiPeriodMembers).from_select(
                ["code", "member_id", "purchases_now", "purchases_before"],
                select(
                    literal(code),
                    Purchase.member_id,
                    count_in(period.starts_at, open_from),
                    count_in(before.starts_at, before.ends_at),
                )
                .where(
                    Purchase.purchased_at >= before.starts_at,
                    Purchase.purchased_at < open_from,
                    Purchase.created_at < recorded_before,
                )
                .group_by(Purchase.member_id),
            )
        )
        mark = db.session.get(KpiSummaryMark, _members_mark(code))
        if mark is None:
            mark = KpiSummaryMark(name=_members_mark(code))
            db.session.add(mark)
        mark.zone, mark.through_day = zone, today - timedelta(days=1)
        mark.updated_at = recorded_before
        db.session.flush()
        written += 1
        rows += db.session.scalar(select(func.count()).where(KpiPeriodMembers.code == code)) or 0
    if written:
        logger.info("members' purchases written for %d periods on %s (%s)", written, today, zone)
    return rows
