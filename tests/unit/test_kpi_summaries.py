"""The ledger's daily sums (services/programme/kpi_summaries.py) give the KPI dashboard the
same points figures as the ledger read live, wherever the job last ran.

The period is 1-10 June 2026 in Asia/Shanghai (UTC+8), as in test_kpis.py; the period before
is 22-31 May. Entries are written as time goes on (the ledger dates an entry when it is written),
and the job runs on the way: before the period, in its middle, on its last day and after it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select

from portal.extensions import db
from portal.models import KpiDailyPoints, KpiPeriodMembers, KpiSummaryMark, Member
from portal.services.programme.kpi_summaries import (
    members_summary,
    summarise_period_members,
    summarise_points,
    summarised_through,
)
from portal.services.programme.kpis import member_figures, point_figures
from portal.services.programme.periods import ReportPeriod, report_period
from portal.services.programme.settings import update_setting
from portal.services.rewards.redemption import redeem

SHANGHAI = ZoneInfo("Asia/Shanghai")
JUNE = ReportPeriod("custom", date(2026, 6, 1), date(2026, 6, 10))


def local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SHANGHAI).astimezone(UTC)


def figures(period: ReportPeriod = JUNE) -> dict[str, tuple[int, int]]:
    points = point_figures(period)
    return {
        name: (getattr(points, name).value, getattr(points, name).previous)
        for name in ("issued", "redeemed", "expired", "outstanding")
    }


def live_figures(period: ReportPeriod = JUNE) -> dict[str, tuple[int, int]]:
    """The figures with the summary set aside: everything summed from the ledger."""
    saved = db.session.scalars(select(KpiSummaryMark)).all()
    marks = [(m.name, m.zone, m.through_day, m.updated_at) for m in saved]
    db.session.execute(delete(KpiSummaryMark))
    try:
        return figures(period)
    finally:
        for name, zone, through_day, updated_at in marks:
            db.session.add(
                KpiSummaryMark(name=name, zone=zone, through_day=through_day, updated_at=updated_at)
            )
        db.session.flush()


def summary_rows() -> list[tuple[date, str, str, int, int]]:
    rows = db.session.scalars(select(KpiDailyPoints).order_by(KpiDailyPoints.day))
    return [(r.day, r.kind, r.zone, r.points_sum, r.entries) for r in rows]


def run_job(clock, moment: datetime) -> int:
    clock.set(moment)
    summed = summarise_points()
    db.session.commit()
    return summed


EXPECTED = {
    # Issued in June: 200 + 1000 (the purchase) + 40 + 70; in the period before: 100.
    "issued": (1310, 100),
    "redeemed": (400, 0),
    "expired": (0, 0),
    # At the end of 10 June: 10 + 100 + 1310 - 400 = 1020; at the end of 31 May: 110.
    "outstanding": (1020, 110),
}


def test_the_summary_gives_the_live_figures_wherever_the_job_last_ran(
    clock, create_member, create_purchase, create_reward, give_points
):
    clock.set(local(2026, 5, 20, 12, 0))
    member = create_member(name="Lin Mei")
    polish = create_reward(name="Polish", points_cost=400)
    give_points(member, 10)  # before both periods
    assert run_job(clock, local(2026, 5, 25, 12, 0)) > 0  # before the period: through 24 May
    assert summarised_through("Asia/Shanghai") == date(2026, 5, 24)
    assert figures() == live_figures()

    clock.set(local(2026, 5, 31, 23, 59))
    give_points(member, 100)  # the last minute of the period before
    clock.set(local(2026, 6, 1, 0, 0))
    give_points(member, 200)  # the period's first moment
    clock.set(local(2026, 6, 3, 10, 0))
    create_purchase(member, "1000.00", purchased_at=local(2026, 6, 3, 9, 0))  # +1000
    assert run_job(clock, local(2026, 6, 5, 12, 0)) == 11  # the middle: 25 May to 4 June
    assert figures() == live_figures()

    clock.set(local(2026, 6, 5, 13, 0))
    give_points(member, 40)  # today, after the job ran: read live
    redeem(db.session.get(Member, member.id), polish, idempotency_key="polish")  # -400
    db.session.commit()
    assert figures()["issued"] == (1240, 100)
    assert run_job(clock, local(2026, 6, 10, 20, 0)) == 5  # the last day: 5 to 9 June
    clock.set(local(2026, 6, 10, 23, 59))
    give_points(member, 70)  # the period's last minute, on a day not summed yet
    clock.set(local(2026, 6, 11, 0, 0))
    give_points(member, 50)  # after the period: only the outstanding points see it
    assert figures() == live_figures() == EXPECTED

    assert run_job(clock, local(2026, 6, 13, 9, 0)) == 3  # after the period: through 12 June
    clock.set(local(2026, 6, 15, 12, 0))
    give_points(member, 5)  # today, after the last run
    assert figures() == live_figures() == EXPECTED
    assert figures(JUNE.previous) == live_figures(JUNE.previous)

    by_day = {
        (day, kind): (points, entries) for day, kind, _zone, points, entries in summary_rows()
    }
    assert by_day[(date(2026, 5, 31), "bonus")] == (100, 1)
    assert by_day[(date(2026, 6, 1), "bonus")] == (200, 1)
    assert by_day[(date(2026, 6, 3), "earn")] == (1000, 1)
    assert by_day[(date(2026, 6, 5), "bonus")] == (40, 1)
    assert by_day[(date(2026, 6, 5), "redeem")] == (-400, 1)
    assert by_day[(date(2026, 6, 10), "bonus")] == (70, 1)
    assert (date(2026, 6, 15), "bonus") not in by_day


def test_a_day_is_summed_an_hour_after_it_ended_and_the_job_repeats_safely(
    clock, create_member, give_points
):
    clock.set(local(2026, 6, 1, 23, 30))
    member = create_member()
    give_points(member, 30)
    run_job(clock, local(2026, 6, 2, 0, 30))  # 1 June ended half an hour ago: not yet
    assert summarised_through("Asia/Shanghai") == date(2026, 5, 31)
    assert summary_rows() == []
    assert run_job(clock, local(2026, 6, 2, 1, 0)) == 1
    assert summary_rows() == [(date(2026, 6, 1), "bonus", "Asia/Shanghai", 30, 1)]

    clock.set(local(2026, 6, 2, 9, 0))
    give_points(member, 7)
    assert run_job(clock, local(2026, 6, 2, 18, 0)) == 0  # again the same day: nothing to do
    assert summary_rows() == [(date(2026, 6, 1), "bonus", "Asia/Shanghai", 30, 1)]
    assert run_job(clock, local(2026, 6, 3, 8, 0)) == 1
    assert run_job(clock, local(2026, 6, 3, 8, 5)) == 0
    assert summary_rows() == [
        (date(2026, 6, 1), "bonus", "Asia/Shanghai", 30, 1),
        (date(2026, 6, 2), "bonus", "Asia/Shanghai", 7, 1),
    ]
    period = ReportPeriod("custom", date(2026, 6, 1), date(2026, 6, 2))
    assert figures(period)["issued"] == live_figures(period)["issued"] == (37, 0)


def test_a_new_time_zone_is_read_live_until_the_job_sums_every_day_again(
    clock, create_member, give_points
):
    clock.set(local(2026, 5, 30, 12, 0))
    member = create_member()
    give_points(member, 100)  # 30 May in Shanghai and in UTC
    clock.set(local(2026, 6, 1, 3, 0))  # 1 June in Shanghai, still 31 May 19:00 in UTC
    give_points(member, 20)
    run_job(clock, local(2026, 6, 12, 12, 0))
    assert figures() == live_figures()
    assert figures()["issued"] == (20, 100)

    update_setting("timezone", "UTC")
    db.session.commit()
    # The summary was cut in Shanghai's days: not read, the figures come from the ledger.
    assert summarised_through("UTC") is None
    assert figures()["issued"] == (0, 120)  # 1-10 June in UTC now, the 20 on 31 May
    assert figures() == live_figures()

    assert run_job(clock, local(2026, 6, 12, 13, 0)) > 0
    assert summarised_through("UTC") == date(2026, 6, 11)
    assert [(day, zone, points) for day, _kind, zone, points, _n in summary_rows()] == [
        (date(2026, 5, 30), "UTC", 100),
        (date(2026, 5, 31), "UTC", 20),
    ]
    assert figures() == live_figures()
    assert figures()["issued"] == (0, 120)


def test_the_job_runs_with_the_others(clock, create_member, give_points):
    from portal.jobs import run_periodic_jobs

    clock.set(local(2026, 6, 1, 12, 0))
    give_points(create_member(), 25)
    clock.set(local(2026, 6, 3, 12, 0))
    assert run_periodic_jobs()["kpi-daily-points"] == 2
    assert summary_rows() == [(date(2026, 6, 1), "bonus", "Asia/Shanghai", 25, 1)]
    assert run_periodic_jobs()["kpi-daily-points"] == 0


# -- active members and repeat buyers -----------------------------------------------------------


def buyers(period: ReportPeriod) -> dict[str, tuple[int, int]]:
    members = member_figures(period)
    return {
        "active": (members.active.value, members.active.previous),
        "repeat_buyers": (members.repeat_buyers.value, members.repeat_buyers.previous),
    }


def live_buyers(period: ReportPeriod) -> dict[str, tuple[int, int]]:
    """The buyers counted from the purchases alone, the job's rows and marks set aside."""
    db.session.execute(delete(KpiPeriodMembers))
    db.session.execute(delete(KpiSummaryMark).where(KpiSummaryMark.name.like("members-%")))
    try:
        return buyers(period)
    finally:
        db.session.rollback()


def run_members_job(clock, moment: datetime) -> int:
    clock.set(moment)
    written = summarise_period_members()
    db.session.commit()
    return written


def test_buyers_from_the_job_rows_and_the_purchases_they_lack_equal_the_live_count(
    clock, create_member, create_purchase
):
    a, b, c, d, e = (create_member(name=f"Buyer {n}") for n in "ABCDE")

    def buy(member, moment: datetime, dated: datetime | None = None) -> None:
        clock.set(moment)
        create_purchase(member, "100.00", purchased_at=dated or moment)

    # The last 30 days on 15 June: 17 May to 15 June; the 30 days before: 17 April to 16 May.
    buy(a, local(2026, 4, 17, 0, 0))  # the first moment of the period before
    buy(a, local(2026, 5, 10, 12, 0))
    buy(b, local(2026, 5, 16, 23, 59))  # the last minute of the period before
    buy(a, local(2026, 5, 17, 0, 0))  # the period's first moment
    buy(c, local(2026, 5, 20, 12, 0))
    buy(c, local(2026, 6, 1, 12, 0))
    buy(e, local(2026, 4, 16, 23, 59))  # the day before both: in neither
    # Recorded half an hour before the job, dated yesterday: left to the live part.
    buy(b, local(2026, 6, 15, 1, 30), dated=local(2026, 6, 14, 20, 0))

    clock.set(local(2026, 6, 15, 2, 0))
    thirty = report_period("30", None, None, today=date(2026, 6, 15))
    assert members_summary(thirty, "Asia/Shanghai") is None
    assert run_members_job(clock, local(2026, 6, 15, 2, 0)) > 0
    assert members_summary(thirty, "Asia/Shanghai") is not None
    assert run_members_job(clock, local(2026, 6, 15, 3, 0)) == 0  # once a day
    assert buyers(thirty) == live_buyers(thirty)

    buy(d, local(2026, 6, 15, 10, 0))  # today, after the job
    buy(a, local(2026, 6, 15, 10, 30))  # a's second purchase in the period
    buy(e, local(2026, 6, 15, 11, 0), dated=local(2026, 5, 5, 12, 0))  # recorded late
    clock.set(local(2026, 6, 15, 12, 0))
    expected = {
        "active": (4, 3),  # a, b, c, d; a, b, e
        "repeat_buyers": (2, 1),  # a, c; a
    }
    assert buyers(thirty) == live_buyers(thirty) == expected
    for code in ("month", "90", "365"):
        period = report_period(code, None, None, today=date(2026, 6, 15))
        assert members_summary(period, "Asia/Shanghai") is not None
        assert buyers(period) == live_buyers(period)

    # The next day the rows are yesterday's: the count is live until the job runs again.
    clock.set(local(2026, 6, 16, 0, 30))
    next_day = report_period("30", None, None, today=date(2026, 6, 16))
    assert members_summary(next_day, "Asia/Shanghai") is None
    counted_live = buyers(next_day)
    assert run_members_job(clock, local(2026, 6, 16, 0, 30)) > 0
    assert members_summary(next_day, "Asia/Shanghai") is not None
    assert buyers(next_day) == counted_live == live_buyers(next_day)
    # A custom period of the same days is counted live, to the same figures.
    same_days = ReportPeriod("custom", next_day.first_day, next_day.last_day)
    assert members_summary(same_days, "Asia/Shanghai") is None
    assert buyers(same_days) == counted_live

    update_setting("timezone", "UTC")
    db.session.commit()
    assert members_summary(next_day, "UTC") is None
    assert run_members_job(clock, local(2026, 6, 16, 0, 40)) > 0
    assert members_summary(report_period("30", None, None, today=date(2026, 6, 15)), "UTC")
