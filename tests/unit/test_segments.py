"""Segments on hand-made members: each named group, returns netted, the previous group kept for
the movement, a 29 February birthday and anniversary, and the refresh's lock."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta

import pytest

from portal.extensions import db
from portal.models import MemberSegment, SpecialDate
from portal.services.engagement import segments
from portal.services.engagement.segments import (
    refresh_segments,
    segment_of,
    segment_overview,
    upcoming_month_days,
)

NOW = datetime(2026, 6, 15, 4, 0, tzinfo=UTC)


@pytest.fixture
def at_now(clock):
    clock.set(NOW)
    return clock


def joined(member, days_ago: int):
    member.created_at = NOW - timedelta(days=days_ago)
    db.session.commit()
    return member


def group_of(member) -> str:
    db.session.expire_all()
    return segment_of(member).group_code


def test_each_group_from_hand_made_members(at_now, create_member, create_purchase, create_return):
    champion = joined(create_member(name="Champion"), 700)
    for days in (20, 80, 150, 300, 400):
        create_purchase(champion, "12000.00", purchased_at=NOW - timedelta(days=days))
    loyal = joined(create_member(name="Loyal"), 700)
    for days in (120, 200, 320):
        create_purchase(loyal, "8000.00", purchased_at=NOW - timedelta(days=days))
    promising = joined(create_member(name="Promising"), 30)
    create_purchase(promising, "900.00", purchased_at=NOW - timedelta(days=10))
    at_risk = joined(create_member(name="At risk"), 700)
    create_purchase(at_risk, "30000.00", purchased_at=NOW - timedelta(days=7 * 31))
    lapsed = joined(create_member(name="Lapsed"), 700)
    create_purchase(lapsed, "30000.00", purchased_at=NOW - timedelta(days=13 * 31))
    other = joined(create_member(name="Other"), 400)
    create_purchase(other, "900.00", purchased_at=NOW - timedelta(days=40))
    never_bought = joined(create_member(name="Never bought"), 400)
    # A purchase wholly returned is no purchase: this member has none and is not at risk.
    returned = joined(create_member(name="Returned it all"), 400)
    big = create_purchase(returned, "30000.00", purchased_at=NOW - timedelta(days=200))
    create_return(big, "30000.00")

    assert refresh_segments(now=NOW) == 8
    assert group_of(champion) == "champions"
    assert group_of(loyal) == "loyal"
    assert group_of(promising) == "promising"
    assert group_of(at_risk) == "at_risk"
    assert group_of(lapsed) == "lapsed"
    assert group_of(other) == "others"
    assert group_of(never_bought) == "others"
    assert group_of(returned) == "others"

    row = segment_of(champion)
    assert (row.r_score, row.f_score, row.m_score) == (5, 4, 4)  # 5 purchases, 60,000
    assert row.purchases_24m == 5 and row.net_spend_24m == 60_000_00
    assert row.store == "Shanghai IFC"
    assert segment_of(returned).purchases_24m == 0 and segment_of(returned).last_purchase_at is None


def test_returns_lower_the_spend_and_the_scores(
    at_now, create_member, create_purchase, create_return
):
    member = joined(create_member(), 700)
    first = create_purchase(member, "30000.00", purchased_at=NOW - timedelta(days=40))
    create_purchase(member, "30000.00", purchased_at=NOW - timedelta(days=90))
    create_purchase(member, "30000.00", purchased_at=NOW - timedelta(days=150))
    refresh_segments(now=NOW)
    assert segment_of(member).m_score == 4  # 90,000 net: at least 50,000
    create_return(first, "25000.00")
    refresh_segments(now=NOW + timedelta(minutes=1))
    db.session.expire_all()
    row = segment_of(member)
    assert row.net_spend_24m == 65_000_00 and row.m_score == 4 and row.purchases_24m == 3
    create_return(first, "5000.00")  # now wholly returned: the purchase no longer counts
    refresh_segments(now=NOW + timedelta(minutes=2))
    db.session.expire_all()
    row = segment_of(member)
    assert (row.purchases_24m, row.net_spend_24m, row.m_score) == (2, 60_000_00, 4)
    assert row.f_score == 2 and row.group_code == "others"


def test_the_recency_edges_of_at_risk_and_lapsed(at_now, create_member, create_purchase):
    member = joined(create_member(), 700)
    create_purchase(member, "1000.00", purchased_at=datetime(2025, 12, 15, 4, 0, tzinfo=UTC))
    # Six months later to the minute: at risk; a minute before: not yet.
    refresh_segments(now=datetime(2026, 6, 15, 3, 59, tzinfo=UTC))
    assert group_of(member) == "others"
    refresh_segments(now=datetime(2026, 6, 15, 4, 1, tzinfo=UTC))
    assert group_of(member) == "at_risk"
    refresh_segments(now=datetime(2026, 12, 15, 3, 59, tzinfo=UTC))
    assert group_of(member) == "at_risk"
    refresh_segments(now=datetime(2026, 12, 15, 4, 1, tzinfo=UTC))
    assert group_of(member) == "lapsed"


def test_promising_ends_after_90_days(at_now, create_member):
    member = joined(create_member(), 89)
    refresh_segments(now=NOW)
    assert group_of(member) == "promising"
    refresh_segments(now=NOW + timedelta(days=2))
    assert group_of(member) == "others"


def test_the_previous_group_is_kept_for_the_movement(at_now, create_member, create_purchase):
    member = joined(create_member(), 700)
    create_purchase(member, "1000.00", purchased_at=NOW - timedelta(days=150))
    refresh_segments(now=NOW)
    row = segment_of(member)
    assert row.group_code == "others" and row.previous_group is None
    refresh_segments(now=NOW + timedelta(days=40))
    db.session.expire_all()
    row = segment_of(member)
    assert (row.previous_group, row.group_code) == ("others", "at_risk")
    overview = segment_overview(now=NOW + timedelta(days=40))
    assert ("others", "at_risk", 1) in overview.movement


def test_staff_and_closed_accounts_are_not_segmented(at_now, create_member, staff):
    member = create_member()
    refresh_segments(now=NOW)
    assert segment_of(staff) is None and segment_of(member) is not None
    member.deactivated_at = NOW
    db.session.commit()
    assert refresh_segments(now=NOW + timedelta(minutes=1)) == 0
    assert db.session.get(MemberSegment, member.id) is None


def test_a_29_february_birthday_and_anniversary_in_a_year_without_it(
    clock, create_member, create_purchase
):
    clock.set(datetime(2027, 2, 10, 4, 0, tzinfo=UTC))  # 2027 has no 29 February
    member = create_member(birthday=date(1992, 2, 29))
    db.session.add(SpecialDate(member_id=member.id, month=2, day=29, label="Wedding"))
    db.session.commit()
    refresh_segments(now=clock.now())
    overview = segment_overview(now=clock.now())
    assert overview.by_birthday_month[2] == 1
    # 28 February is 18 days away: the anniversary falls on it, inside the next 30 days.
    assert overview.special_dates_soon == 1
    later = segment_overview(now=datetime(2027, 3, 1, 4, 0, tzinfo=UTC))
    assert later.special_dates_soon == 0


def test_upcoming_days_count_29_february_on_the_28th_only_without_it():
    assert (2, 29) in upcoming_month_days(date(2027, 2, 28), 1)
    assert (2, 29) not in upcoming_month_days(date(2027, 2, 27), 1)
    assert upcoming_month_days(date(2028, 2, 28), 2) == [(2, 28), (2, 29)]


def test_a_refresh_running_twice_at_once_runs_once(app, at_now, create_member, monkeypatch):
    from portal.jobs import refresh_segments_job

    create_member()
    runs = []
    real = segments.refresh_segments

    def slow_refresh(**kwargs):
        runs.append(1)
        time.sleep(0.5)
        return real(**kwargs)

    monkeypatch.setattr(segments, "refresh_segments", slow_refresh)
    results = []
    barrier = threading.Barrier(2)

    def run():
        with app.app_context():
            from portal.database import writing_transactions

            with writing_transactions():
                barrier.wait()
                results.append(refresh_segments_job())
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(runs) == 1
    assert sorted(results) == [0, 1]  # one placed the member, the other did nothing
