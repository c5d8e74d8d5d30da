"""The KPI dashboard's figures against hand-computed ones, on small made-up programmes.

The period is 1-10 June 2026 in the programme's zone (Asia/Shanghai, UTC+8), so it runs from
2026-05-31 16:00 UTC to 2026-06-10 16:00 UTC; the period before is 22-31 May. Each test puts
something on the day before, the first day, the last day and the day after, at the edges.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest

from portal.extensions import db
from portal.models import Member, Redemption, Tier
from portal.services.members.desk import set_tier_by_hand
from portal.services.points.expiry import expire_due_points
from portal.services.programme.dashboard import kpi_dashboard
from portal.services.programme.engagement_kpis import (
    event_figures,
    referral_figures,
    satisfaction_figures,
)
from portal.services.programme.kpis import member_figures, point_figures, tier_figures, top_rewards
from portal.services.programme.periods import PeriodRefused, ReportPeriod, report_period
from portal.services.programme.settings import update_setting
from portal.services.referrals.attribution import attribute_friend, record_link_opened
from portal.services.referrals.bonuses import release_due_bonuses
from portal.services.rewards.redemption import redeem
from portal.services.rewards.vouchers import cancel_redemption

SHANGHAI = ZoneInfo("Asia/Shanghai")
JUNE = ReportPeriod("custom", date(2026, 6, 1), date(2026, 6, 10))


def local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SHANGHAI).astimezone(UTC)


DAY_BEFORE = local(2026, 5, 31, 23, 59)  # the last minute of the period before
FIRST_DAY = local(2026, 6, 1, 0, 0)  # the period's first moment
MIDDLE = local(2026, 6, 5, 12, 0)
LAST_DAY = local(2026, 6, 10, 23, 59)
DAY_AFTER = local(2026, 6, 11, 0, 0)  # the first moment after it


# -- periods -----------------------------------------------------------------------------------


def test_the_period_before_has_the_same_number_of_days():
    assert JUNE.days == 10
    assert JUNE.previous == ReportPeriod("previous", date(2026, 5, 22), date(2026, 5, 31))
    assert JUNE.starts_at == datetime(2026, 5, 31, 16, 0, tzinfo=UTC)
    assert JUNE.ends_at == datetime(2026, 6, 10, 16, 0, tzinfo=UTC)


def test_the_offered_periods_end_today(app):
    today = date(2026, 6, 15)
    assert report_period("month", None, None, today=today) == ReportPeriod(
        "month", date(2026, 6, 1), today
    )
    assert report_period("month", None, None, today=today).previous.first_day == date(2026, 5, 17)
    assert report_period("30", None, None, today=today).first_day == date(2026, 5, 17)
    assert report_period("365", None, None, today=today).days == 365
    assert report_period(None, None, None, today=today).days == 30
    assert report_period("7", None, None, today=today).days == 30  # unknown: the default
    custom = report_period(None, "2026-01-01", "2026-01-01", today=today)
    assert (custom.first_day, custom.last_day, custom.days) == (date(2026, 1, 1),) * 2 + (1,)


@pytest.mark.parametrize(
    ("first", "last", "errors"),
    [
        ("2026-02-01", "2026-01-31", {"to": "end_before_start"}),
        ("2026-13-01", "2026-01-31", {"from": "malformed"}),
        ("01/02/2026", "2026-01-31", {"from": "malformed"}),
        ("2026-01-01", "", {"to": "missing"}),
        ("2000-01-01", "2026-01-31", {"to": "too_long"}),
    ],
)
def test_a_period_that_makes_no_sense_is_refused(app, first, last, errors):
    with pytest.raises(PeriodRefused) as refused:
        report_period("custom", first, last, today=date(2026, 6, 15))
    assert refused.value.errors == errors


def test_trend_buckets_are_weeks_for_short_periods_and_months_for_long_ones():
    assert JUNE.buckets() == [
        (date(2026, 6, 1), date(2026, 6, 7)),
        (date(2026, 6, 8), date(2026, 6, 10)),
    ]
    year = ReportPeriod("365", date(2025, 6, 16), date(2026, 6, 15))
    cuts = year.buckets()
    assert cuts[0] == (date(2025, 6, 16), date(2025, 6, 30))
    assert cuts[1] == (date(2025, 7, 1), date(2025, 7, 31))
    assert cuts[-1] == (date(2026, 6, 1), date(2026, 6, 15))
    assert len(cuts) == 13


# -- members -----------------------------------------------------------------------------------


def test_members_joined_active_and_repeat_buyers_at_the_period_edges(
    clock, create_member, create_purchase
):
    people = {}
    for name, moment in [
        ("before", DAY_BEFORE),
        ("first", FIRST_DAY),
        ("last", LAST_DAY),
        ("after", DAY_AFTER),
    ]:
        clock.set(moment)
        people[name] = create_member(name=name)
    clock.set(MIDDLE)
    create_member(role="staff")  # staff accounts are not members joining
    clock.set(datetime(2026, 6, 15, 4, 0, tzinfo=UTC))
    create_purchase(people["before"], "100.00", purchased_at=DAY_BEFORE)
    create_purchase(people["first"], "100.00", purchased_at=FIRST_DAY)
    create_purchase(people["first"], "100.00", purchased_at=MIDDLE)
    create_purchase(people["last"], "100.00", purchased_at=LAST_DAY)
    create_purchase(people["after"], "100.00", purchased_at=DAY_AFTER)
    # A purchase returned in full still counts as a purchase in its period.
    returned = create_purchase(people["last"], "100.00", purchased_at=MIDDLE)
    assert returned.points_awarded == 100

    figures = member_figures(JUNE)
    assert (figures.joined.value, figures.joined.previous) == (2, 1)
    assert (figures.active.value, figures.active.previous) == (2, 1)
    # first bought twice, last bought twice (one returned later): both repeat buyers.
    assert (figures.repeat_buyers.value, figures.repeat_buyers.previous) == (2, 0)
    assert figures.repeat_rate.value == Fraction(1)
    assert figures.repeat_rate.previous == Fraction(0)


def test_repeat_purchase_rate_is_the_share_of_active_members_with_two_purchases(
    clock, create_member, create_purchase
):
    clock.set(local(2026, 5, 1, 12, 0))
    once, twice, thrice = (create_member() for _ in range(3))
    clock.set(datetime(2026, 6, 15, 4, 0, tzinfo=UTC))
    create_purchase(once, "50.00", purchased_at=MIDDLE)
    create_purchase(once, "50.00", purchased_at=DAY_AFTER)  # not in the period
    for _ in range(2):
        create_purchase(twice, "50.00", purchased_at=MIDDLE)
    for _ in range(3):
        create_purchase(thrice, "50.00", purchased_at=LAST_DAY)
    figures = member_figures(JUNE)
    assert figures.active.value == 3
    assert figures.repeat_rate.value == Fraction(2, 3)
    assert figures.active.previous == 0
    assert figures.repeat_rate.previous is None  # nobody to divide by


# -- points ------------------------------------------------------------------------------------


def test_points_issued_redeemed_expired_outstanding_and_liability(
    clock, create_member, create_purchase, create_return, create_reward, give_points, staff
):
    # A member whose 2024 points expire in the period (24 months after they were earned).
    clock.set(local(2024, 6, 2, 12, 0))
    old_timer = create_member(name="Old Timer")
    create_purchase(old_timer, "100.00", purchased_at=local(2024, 6, 2, 11, 0))  # 100 points
    clock.set(local(2026, 5, 1, 12, 0))
    member = create_member(name="Lin Mei")
    polish = create_reward(name="Polish", points_cost=400)
    wrap = create_reward(name="Gift wrap", points_cost=200)

    clock.set(DAY_BEFORE - timedelta(minutes=30))
    create_purchase(member, "1000.00", purchased_at=DAY_BEFORE - timedelta(minutes=30))  # +1000
    clock.set(DAY_BEFORE)
    redeem(db.session.get(Member, member.id), wrap, idempotency_key="before")  # -200
    db.session.commit()

    clock.set(FIRST_DAY)
    purchase = create_purchase(member, "2000.00", purchased_at=FIRST_DAY)  # +2000
    clock.set(MIDDLE - timedelta(days=2))
    expired = expire_due_points()  # the old timer's 100
    db.session.commit()
    assert expired == 1
    clock.set(MIDDLE)
    create_return(purchase, "500.00")  # -500 reversed
    give_points(member, 300)  # +300 bonus
    redeem(db.session.get(Member, member.id), polish, idempotency_key="polish")  # -400
    wrapped = redeem(db.session.get(Member, member.id), wrap, idempotency_key="wrap")  # -200
    db.session.commit()
    cancel_redemption(db.session.get(Redemption, wrapped.id), staff, "Changed their mind")  # +200
    db.session.commit()
    clock.set(LAST_DAY)
    give_points(member, 70)  # +70, the last minute
    clock.set(DAY_AFTER)
    give_points(member, 50)  # +50, after the period: outstanding at its end leaves it out
    clock.set(datetime(2026, 6, 15, 4, 0, tzinfo=UTC))

    figures = point_figures(JUNE)
    assert figures.issued == type(figures.issued)(2000 - 500 + 300 + 70, 1000)
    assert (figures.redeemed.value, figures.redeemed.previous) == (400, 200)
    assert (figures.expired.value, figures.expired.previous) == (100, 0)
    # At the end of 10 June: 100 - 100 + 1000 - 200 + 2000 - 500 + 300 - 400 + 70 = 2270;
    # at the end of 31 May: 100 + 1000 - 200 = 900.
    assert (figures.outstanding.value, figures.outstanding.previous) == (2270, 900)
    assert figures.outstanding.value - figures.outstanding.previous == (
        figures.issued.value - figures.redeemed.value - figures.expired.value
    )
    assert figures.redemption_rate.value == Fraction(400, 1870)
    assert figures.redemption_rate.previous == Fraction(200, 1000)
    assert figures.breakage.value == Fraction(100, 1870)
    assert figures.breakage.previous == Fraction(0)
    # 2270 points x 5 fen x 80% = 9,080 fen; 900 x 5 x 80% = 3,600.
    assert (figures.liability.value, figures.liability.previous) == (9080, 3600)

    update_setting("point_value_minor_units", 10)
    update_setting("expected_redemption_percent", 55)
    assert point_figures(JUNE).liability.value == 2270 * 10 * 55 // 100

    # Top rewards: the polish once in the period; the cancelled wrap is not counted, and the
    # wrap redeemed the day before belongs to the period before.
    lines = top_rewards(JUNE)
    assert [(line.reward.name, line.redemptions, line.points) for line in lines] == [
        ("Polish", 1, 400)
    ]
    assert lines[0].previous_redemptions == 0
    assert [line.reward.name for line in top_rewards(JUNE.previous)] == ["Gift wrap"]


def test_nothing_issued_gives_no_rates_rather_than_zero(app):
    figures = point_figures(JUNE)
    assert figures.issued.value == 0
    assert figures.redemption_rate.value is None
    assert figures.breakage.value is None


# -- tiers -------------------------------------------------------------------------------------


def test_tier_distribution_and_moves_up_and_down(clock, create_member, admin):
    clock.set(local(2026, 5, 1, 12, 0))
    rising, falling, steady = create_member(), create_member(), create_member()
    gold, silver = db.session.get(Tier, "gold"), db.session.get(Tier, "silver")

    def move(member, tier, moment):
        clock.set(moment)
        set_tier_by_hand(db.session.get(Member, member.id), tier, reason="Test", admin=admin)
        db.session.commit()

    move(falling, gold, DAY_BEFORE)  # up, the period before
    move(rising, silver, FIRST_DAY)  # up
    move(rising, gold, MIDDLE)  # up
    move(falling, silver, LAST_DAY)  # down
    move(steady, silver, DAY_AFTER)  # after the period
    figures = tier_figures(JUNE)
    assert (figures.moves_up.value, figures.moves_up.previous) == (2, 1)
    assert (figures.moves_down.value, figures.moves_down.previous) == (1, 0)
    # Today: rising gold, falling and steady silver; the admin is not a member.
    counts = {tier.code: count for tier, count in figures.members_by_tier}
    assert counts == {"member": 0, "silver": 2, "gold": 1, "diamond": 0}


# -- referrals ---------------------------------------------------------------------------------


def test_referral_conversion_counts_opens_joins_and_rewards_in_each_period(
    clock, create_member, create_purchase
):
    clock.set(local(2026, 4, 1, 12, 0))
    referrer = create_member(name="Referrer")
    early_bird = create_member(name="Early Bird")
    for n, moment in enumerate([DAY_BEFORE, FIRST_DAY, MIDDLE, LAST_DAY, DAY_AFTER]):
        record_link_opened(referrer, f"device-{n}", now=moment)
    record_link_opened(referrer, "device-2", now=MIDDLE)  # the same browser the same day
    db.session.commit()  # the opens were written in their own transactions; read them anew

    def friend_joins(moment, channel="link"):
        clock.set(moment)
        friend = create_member()
        attribute_friend(db.session.get(Member, friend.id), referrer, channel=channel)
        db.session.commit()
        return friend

    # A friend who joined in April, bought 600 on 2 May: the bonuses are released once the
    # 30-day return window has passed, on 5 June: rewarded in the period.
    early = friend_joins(local(2026, 4, 20, 12, 0))
    clock.set(local(2026, 5, 2, 12, 0))
    create_purchase(early, "600.00", purchased_at=local(2026, 5, 2, 11, 0))
    friend_joins(DAY_BEFORE)
    friend_joins(FIRST_DAY)
    friend_joins(LAST_DAY, channel="code")
    friend_joins(DAY_AFTER)
    # A member of long standing typing the code in the period is not a friend joining.
    clock.set(MIDDLE)
    attribute_friend(db.session.get(Member, early_bird.id), referrer, channel="code")
    db.session.commit()
    assert release_due_bonuses() == 1
    db.session.commit()
    clock.set(datetime(2026, 6, 15, 4, 0, tzinfo=UTC))

    figures = referral_figures(JUNE)
    assert (figures.links_opened.value, figures.links_opened.previous) == (3, 1)
    assert (figures.joined.value, figures.joined.previous) == (2, 1)
    assert (figures.joined_by_link.value, figures.joined_by_link.previous) == (1, 1)
    assert (figures.rewarded.value, figures.rewarded.previous) == (1, 0)
    assert figures.link_conversion.value == Fraction(1, 3)
    assert figures.reward_conversion.value == Fraction(1, 2)
    assert figures.reward_conversion.previous == Fraction(0)


# -- events ------------------------------------------------------------------------------------


def test_event_fill_and_no_show_rates(clock, create_member, create_event, rsvp, staff):
    from portal.services.events.answers import cancel_answer
    from portal.services.events.door import check_in

    clock.set(local(2026, 5, 20, 12, 0))
    one, two, three = create_member(), create_member(), create_member()
    june = create_event(starts_at=local(2026, 6, 5, 19, 0), capacity=10)
    may = create_event(starts_at=local(2026, 5, 30, 19, 0), capacity=4)
    later = create_event(starts_at=local(2026, 6, 11, 0, 0), capacity=8)  # the day after
    create_event(starts_at=local(2026, 6, 6, 19, 0), capacity=50, cancelled=True)
    party = rsvp(one, june, guests=2)  # 3 places, comes
    rsvp(two, june)  # 1 place, does not come
    gone = rsvp(three, june)  # cancels: no place
    cancel_answer(db.session.get(Member, three.id), june)
    db.session.commit()
    came_in_may = rsvp(one, may, guests=1)  # 2 places, comes
    rsvp(two, later)
    assert gone.id

    clock.set(local(2026, 5, 30, 19, 30))
    check_in(may, came_in_may, staff)
    db.session.commit()
    clock.set(local(2026, 6, 5, 19, 30))
    check_in(june, party, staff)
    db.session.commit()
    clock.set(datetime(2026, 6, 15, 4, 0, tzinfo=UTC))

    figures = event_figures(JUNE, now=clock.now())
    assert (figures.events.value, figures.events.previous) == (1, 1)
    assert figures.fill_rate.value == Fraction(4, 10)
    assert figures.fill_rate.previous == Fraction(2, 4)
    assert figures.no_show_rate.value == Fraction(1, 2)
    assert figures.no_show_rate.previous == Fraction(0)
    # Before the June event has ended, its confirmed party is not yet a no-show.
    during = event_figures(JUNE, now=local(2026, 6, 5, 20, 0))
    assert during.no_show_rate.value is None
    assert during.fill_rate.value == Fraction(4, 10)


# -- satisfaction ------------------------------------------------------------------------------


def test_nps_and_csat_per_period_and_per_week(clock, create_member, create_survey, answer_survey):
    clock.set(local(2026, 5, 1, 12, 0))
    nps = create_survey()
    csat = create_survey(
        title="How was the fitting?", questions=[("csat", "How satisfied are you?")]
    )
    people = [create_member() for _ in range(9)]

    def answer(person, survey, score, moment):
        clock.set(moment)
        answer_survey(person, survey, {1: score})

    answer(people[0], nps, 3, DAY_BEFORE)  # the period before: one detractor
    answer(people[1], nps, 10, FIRST_DAY)  # week 1
    answer(people[2], nps, 9, MIDDLE)  # week 1
    answer(people[3], nps, 8, local(2026, 6, 8, 9, 0))  # week 2
    answer(people[4], nps, 0, LAST_DAY)  # week 2
    answer(people[5], nps, 10, DAY_AFTER)  # not counted
    answer(people[6], csat, 5, FIRST_DAY)
    answer(people[7], csat, 4, MIDDLE)
    answer(people[8], csat, 2, LAST_DAY)

    figures = satisfaction_figures(JUNE)
    # 2 promoters, 1 passive, 1 detractor of 4: 100 x (2 - 1) / 4 = 25.
    assert figures.nps.value == Fraction(25)
    assert figures.nps.previous == Fraction(-100)
    assert figures.csat.value == Fraction(2, 3)
    assert figures.csat.previous is None
    assert figures.overall.csat.average == Fraction(11, 3)
    week_one, week_two = figures.trend
    assert (week_one.first_day, week_one.nps.answers, week_one.nps.exact) == (
        date(2026, 6, 1),
        2,
        Fraction(100),
    )
    assert (week_two.first_day, week_two.nps.answers, week_two.nps.exact) == (
        date(2026, 6, 8),
        2,
        Fraction(-50),
    )
    assert (week_one.csat.answers, week_two.csat.answers) == (2, 1)


def test_the_dashboard_lists_every_figure_of_the_csv_contract(app, clock):
    dashboard = kpi_dashboard(JUNE, now=clock.now())
    codes = [code for code, _value, _previous in dashboard.headline()]
    for required in (
        "members_joined",
        "active_members",
        "points_issued",
        "points_redeemed",
        "points_expired",
        "redemption_rate",
        "outstanding_points",
        "nps",
    ):
        assert required in codes
    assert len(codes) == len(set(codes))
