"""Daily sums of the ledger for the KPI dashboard, kept by `run-jobs`
(services/programme/kpi_summaries.py)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Model, UTCDateTime


class KpiDailyPoints(Model):
    """The points the ledger moved on one day of the programme's zone (`zone`, the zone the
    day was cut in), per kind of entry, and how many entries. Only closed days have a row:
    the ledger is append-only and dated when written, so a closed day's sums never change."""

    __tablename__ = "kpi_daily_points"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    zone: Mapped[str] = mapped_column(String(64))
    points_sum: Mapped[int] = mapped_column(BigInteger)
    entries: Mapped[int] = mapped_column(Integer)


class KpiSummaryMark(Model):
    """How far a summary goes: every day up to `through_day` (in `zone`) is summed, days
    without entries included (they have no row). A summary made in another zone is not read.
    For the members' purchases per period (`members-<code>`), the rows were written on the day
    after `through_day`, from the purchases recorded before `updated_at`."""

    __tablename__ = "kpi_summary_marks"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    zone: Mapped[str] = mapped_column(String(64))
    through_day: Mapped[date] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class KpiPeriodMembers(Model):
    """For one of the dashboard's offered periods (`code`: month, 30, 90, 365) as it stood on
    the day its mark names, a member's purchases in the period and in the period before, among
    those dated before that day and recorded before the mark's `updated_at`. A member without
    purchases in either has no row."""

    __tablename__ = "kpi_period_members"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    member_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    purchases_now: Mapped[int] = mapped_column(Integer)
    purchases_before: Mapped[int] = mapped_column(Integer)
