"""Daily sums of the ledger per kind of entry (kpi_daily_points), kept by `run-jobs`, so the
KPI dashboard adds a few hundred summary rows rather than millions of ledger entries.

The ledger is append-only and every entry is dated when it is written (`created_at` is the
moment of writing, never a moment in the past), so once a day of the programme's zone is over
its sums never change. The job sums each closed day once, with set-based SQL (one INSERT …
SELECT … GROUP BY per stretch of days), and notes the last day it summed in kpi_summary_marks.
The dashboard reads the summary for the days up to that mark and sums the days after it (the
open part: the last run's day, today) live from the ledger over that short range.

A day is taken as closed SETTLE after it ended, so that an entry written in a transaction that
began before midnight and committed just after is in the ledger before its day is summed.

The days are cut in the programme's zone. When the zone setting changes, the mark names
another zone: the dashboard then reads everything live (exact, only slower) until the next run
of the job, which throws the old rows away and sums every day again in the new zone.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from sqlalchemy import Date, case, delete, func, insert, literal, select

from portal.clock import utcnow
from portal.extensions import db
from portal.models import KpiDailyPoints, KpiSummaryMark, LedgerEntry
from portal.services.programme.local_time import local_date, local_day_start
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
    mark.zone, mark.through_day, mark.updated_at = zone, max(last, first - timedelta(days=1)), now
    db.session.flush()
    summed = max((last - first).days + 1, 0)
    logger.info("points summed for %d days through %s (%s)", summed, last, zone)
    return summed
