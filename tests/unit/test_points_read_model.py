"""The arithmetic behind the dashboard: tier progress, amounts needed and by when, and the
grouping of points by the day they expire."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from portal.models import Tier
from portal.services.members.dashboard import group_expiries
from portal.services.points.tiers import progress_for, spend_summary

TIERS = [
    Tier(code="member", rank=0, name="Member", qualifying_spend=0),
    Tier(code="silver", rank=1, name="Silver", qualifying_spend=1_000_000),
    Tier(code="gold", rank=2, name="Gold", qualifying_spend=5_000_000),
    Tier(code="diamond", rank=3, name="Diamond", qualifying_spend=15_000_000),
]
NOW = datetime(2026, 6, 15, 4, tzinfo=UTC)  # 12:00 in Shanghai


def progress(tier="member", spend=0, oldest=None, spend_kept=None, kept_until=None):
    return progress_for(
        TIERS,
        tier,
        spend=spend,
        oldest_counted=oldest,
        spend_kept=spend if spend_kept is None else spend_kept,
        kept_until=kept_until,
        now=NOW,
    )


def test_percent_is_the_share_of_the_next_threshold_rounded_down():
    assert progress(spend=0).percent_to_next == 0
    assert progress(spend=500_000).percent_to_next == 50
    assert progress(spend=999_999).percent_to_next == 99
    assert progress(spend=1_200_000).percent_to_next == 100
    assert progress("silver", spend=4_680_000).percent_to_next == 93


def test_amount_needed_for_the_next_tier():
    silver = progress("silver", spend=4_680_000)
    assert silver.next.code == "gold"
    assert silver.needed_for_next == 320_000
    assert progress(spend=1_200_000).needed_for_next == 0


def test_top_tier_has_nothing_further():
    top = progress("diamond", spend=20_000_000)
    assert top.next is None and top.needed_for_next == 0 and top.percent_to_next == 100
    assert top.next_by is None


def test_deadline_is_the_day_before_the_oldest_counted_purchase_leaves_the_window():
    # Bought at 10:00 on 1 March 2026 in Shanghai; it stops counting at 10:00 on 1 March 2027.
    oldest = datetime(2026, 3, 1, 2, tzinfo=UTC)
    assert progress(spend=200_000, oldest=oldest).next_by == date(2027, 2, 28)
    # The local date counts: 20:00 UTC on 28 Feb is already 1 March in Shanghai.
    late = datetime(2026, 2, 28, 20, tzinfo=UTC)
    assert progress(spend=200_000, oldest=late).next_by == date(2027, 2, 28)


def test_deadline_is_never_before_today_and_absent_without_counted_purchases():
    almost_a_year = NOW - timedelta(days=365) + timedelta(hours=2)
    assert progress(spend=200_000, oldest=almost_a_year).next_by == date(2026, 6, 15)
    assert progress(spend=0, oldest=None).next_by is None
    assert progress(spend=1_200_000, oldest=NOW).next_by is None  # nothing more needed


def test_keeping_a_tier_counts_what_still_counts_on_the_kept_until_date():
    kept = datetime(2027, 1, 10, 4, tzinfo=UTC)
    gold = progress("gold", spend=5_500_000, spend_kept=1_500_000, kept_until=kept)
    assert gold.needed_to_keep == 3_500_000
    assert gold.keep_by == date(2027, 1, 10)
    safe = progress("gold", spend=5_500_000, spend_kept=5_000_000, kept_until=kept)
    assert safe.needed_to_keep == 0


def test_keeping_without_a_running_guarantee_uses_the_current_window():
    overdue = progress("gold", spend=4_000_000, spend_kept=0, kept_until=NOW - timedelta(days=1))
    assert overdue.keep_by is None and overdue.needed_to_keep == 1_000_000
    assert progress("member", spend=0).needed_to_keep == 0


@given(st.sampled_from([t.code for t in TIERS]), st.integers(0, 30_000_000))
def test_progress_numbers_stay_in_range(code, spend):
    result = progress(code, spend=spend)
    assert 0 <= result.percent_to_next <= 100
    assert result.needed_for_next >= 0 and result.needed_to_keep >= 0
    if result.next is not None:
        assert spend + result.needed_for_next >= result.next.qualifying_spend
        assert (result.needed_for_next == 0) == (spend >= result.next.qualifying_spend)


def test_expiries_are_grouped_by_local_day_in_order():
    credits = [
        (100, datetime(2027, 3, 1, 1, tzinfo=UTC)),  # 09:00, 1 March in Shanghai
        (50, datetime(2027, 3, 1, 15, tzinfo=UTC)),  # 23:00, 1 March
        (70, datetime(2027, 3, 1, 17, tzinfo=UTC)),  # 01:00, 2 March
        (0, datetime(2027, 3, 3, 1, tzinfo=UTC)),  # nothing left of it
        (30, datetime(2027, 4, 1, 1, tzinfo=UTC)),
        (40, datetime(2027, 5, 1, 1, tzinfo=UTC)),
    ]
    groups = group_expiries(credits, today=date(2027, 2, 15), notice_days=30)
    assert [(g.on, g.points, g.credits) for g in groups] == [
        (date(2027, 3, 1), 150, 2),
        (date(2027, 3, 2), 70, 1),
        (date(2027, 4, 1), 30, 1),
    ]
    assert [g.soon for g in groups] == [True, True, False]


def test_a_day_that_may_have_more_credits_unread_is_not_shown_short():
    credits = [(10, datetime(2027, 3, 1, 1, tzinfo=UTC)), (10, datetime(2027, 3, 5, 1, tzinfo=UTC))]
    groups = group_expiries(credits, today=date(2026, 6, 15), notice_days=30, complete=False)
    assert [(g.on, g.points, g.complete) for g in groups] == [(date(2027, 3, 1), 10, True)]
    only = group_expiries(credits[:1], today=date(2026, 6, 15), notice_days=30, complete=False)
    assert only[0].complete is False


def test_no_unspent_points_means_no_expiry():
    assert group_expiries([], today=date(2026, 6, 15), notice_days=30) == []


def test_spend_summary_counts_net_spend_in_the_window(
    app, member, clock, create_purchase, create_return
):
    # The summary is read as of yesterday, so that today's purchase is one it must not count.
    now = clock.now() - timedelta(days=1)
    create_purchase(member, 300_000, purchased_at=now - timedelta(days=400))  # too old
    old = create_purchase(member, 200_000, purchased_at=now - timedelta(days=300))
    create_return(old, 200_000)
    partly = create_purchase(member, 500_000, purchased_at=now - timedelta(days=200))
    create_return(partly, 100_000)
    create_purchase(member, 100_000, purchased_at=now - timedelta(days=10))
    create_purchase(member, 900_000, purchased_at=now + timedelta(days=1))  # not yet
    spend, oldest, kept = spend_summary(member, now=now, keep_until=now + timedelta(days=180))
    assert spend == 500_000
    # The fully returned purchase counts for nothing, so it does not set the deadline.
    assert oldest == now - timedelta(days=200)
    assert oldest > old.purchased_at
    # On the kept-until date (180 days on) only purchases of the last 185 days still count.
    assert kept == 100_000
