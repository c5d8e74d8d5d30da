"""Tiers (DESIGN.md): upgrade at once when a purchase crosses a threshold; a reached tier is
kept 12 months; the evaluation then moves at most one level down, and is safe to repeat."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from portal.extensions import db
from portal.models import Notification, TierChange
from portal.services.points.tiers import evaluate_tiers, qualifying_spend, tier_progress
from portal.services.programme.local_time import add_local_months
from portal.services.programme.settings import update_setting


def changes(member):
    return db.session.scalars(
        select(TierChange).where(TierChange.member_id == member.id).order_by(TierChange.id)
    ).all()


def notices(member):
    return db.session.scalars(
        select(Notification).where(Notification.member_id == member.id).order_by(Notification.id)
    ).all()


def test_the_purchase_that_crosses_a_threshold_upgrades_at_once(
    create_member, create_purchase, clock
):
    member = create_member()
    create_purchase(member, "9000.00")
    assert member.tier_code == "member" and changes(member) == []
    crossing = create_purchase(member, "1500.00")
    # The crossing purchase earns at the tier the member had when it was made.
    assert crossing.points_awarded == 1500
    assert member.tier_code == "silver"
    assert member.tier_reached_at == clock.now()
    assert member.tier_kept_until == add_local_months(clock.now(), 12)
    [change] = changes(member)
    assert (change.from_tier, change.to_tier, change.reason) == ("member", "silver", "upgrade")
    assert change.purchase_id == crossing.id and change.qualifying_spend == 1050000
    [notice] = notices(member)
    assert notice.title == "Welcome to Silver"
    assert "June 15, 2027" in notice.body
    # The next purchase earns at the new rate.
    assert create_purchase(member, "100.00").points_awarded == 125


def test_the_12_month_window_opens_at_the_same_local_time_a_year_before(
    create_member, create_purchase, clock
):
    """On 1 March 2025 at 05:00 in Shanghai the window opens on 1 March 2024 at 05:00 there:
    a purchase of 29 February 2024, or of 1 March at 04:59, no longer counts."""
    member = create_member()
    clock.set(datetime(2024, 3, 2, tzinfo=UTC))
    create_purchase(member, "1000.00", purchased_at=datetime(2024, 2, 29, 2, 0, tzinfo=UTC))
    create_purchase(member, "30.00", purchased_at=datetime(2024, 2, 29, 20, 59, tzinfo=UTC))
    create_purchase(member, "200.00", purchased_at=datetime(2024, 2, 29, 21, 1, tzinfo=UTC))
    now = datetime(2025, 2, 28, 21, 0, tzinfo=UTC)  # 1 March 2025, 05:00 in Shanghai
    assert qualifying_spend(member, now=now) == 20000


def test_a_large_purchase_goes_straight_to_the_tier_it_reaches(
    create_member, create_purchase, clock
):
    member = create_member(locale="zh_Hans")
    create_purchase(member, "60000.00")
    assert member.tier_code == "gold"
    [change] = changes(member)
    assert (change.from_tier, change.to_tier) == ("member", "gold")
    assert "金卡" in notices(member)[0].title  # the tier's name in the member's language


def test_purchases_older_than_the_window_do_not_count(create_member, create_purchase, clock):
    member = create_member()
    create_purchase(member, "9000.00", purchased_at=add_local_months(clock.now(), -13))
    create_purchase(member, "1500.00")
    assert member.tier_code == "member"
    assert tier_progress(member).spend == 150000


def test_evaluation_moves_at_most_one_level_down_per_run(create_member, create_purchase, clock):
    member = create_member()
    create_purchase(member, "160000.00")
    assert member.tier_code == "diamond"
    reached = clock.now()

    # Before the tier's 12 months are over, nothing happens however often it runs.
    clock.set(add_local_months(reached, 12).replace(hour=3))
    assert evaluate_tiers() == 0
    db.session.commit()
    assert member.tier_code == "diamond"

    # The purchase is now out of the window: no spend, but only one level down.
    clock.set(add_local_months(reached, 12).replace(hour=5))
    assert evaluate_tiers() == 1
    db.session.commit()
    assert member.tier_code == "gold"
    assert member.tier_kept_until == add_local_months(clock.now(), 12)
    assert [(c.from_tier, c.to_tier, c.reason) for c in changes(member)][-1] == (
        "diamond",
        "gold",
        "evaluation",
    )
    assert "Gold" in notices(member)[-1].title

    # Running again the same day changes nothing more.
    assert evaluate_tiers() == 0
    db.session.commit()
    assert member.tier_code == "gold" and len(changes(member)) == 2

    clock.set(add_local_months(clock.now(), 12))
    evaluate_tiers()
    db.session.commit()
    assert member.tier_code == "silver"
    clock.set(add_local_months(clock.now(), 12))
    evaluate_tiers()
    db.session.commit()
    assert member.tier_code == "member" and member.tier_kept_until is None
    assert [c.to_tier for c in changes(member)] == ["diamond", "gold", "silver", "member"]
    clock.set(add_local_months(clock.now(), 12))
    assert evaluate_tiers() == 0


def test_a_member_who_still_qualifies_keeps_the_tier_another_12_months(
    create_member, create_purchase, clock
):
    member = create_member()
    create_purchase(member, "12000.00")
    assert member.tier_code == "silver"
    clock.set(add_local_months(clock.now(), 11))
    create_purchase(member, "10500.00")
    clock.set(add_local_months(clock.now(), 1))
    clock.advance(hours=1)
    evaluate_tiers()
    db.session.commit()
    assert member.tier_code == "silver"
    assert member.tier_kept_until == add_local_months(clock.now(), 12)
    assert len(changes(member)) == 1  # only the upgrade


def test_a_member_who_qualifies_for_less_drops_only_to_what_they_qualify_for(
    create_member, create_purchase, clock
):
    member = create_member()
    create_purchase(member, "55000.00")
    assert member.tier_code == "gold"
    clock.set(add_local_months(clock.now(), 11))
    create_purchase(member, "12000.00")
    clock.set(add_local_months(clock.now(), 1))
    clock.advance(hours=1)
    evaluate_tiers()
    db.session.commit()
    assert member.tier_code == "silver"


def test_run_jobs_evaluates_tiers(create_member, create_purchase, clock, runner):
    member = create_member()
    create_purchase(member, "20000.00", purchased_at=datetime(2026, 6, 1, tzinfo=UTC))
    clock.set(datetime(2027, 6, 20, tzinfo=UTC))
    result = runner.invoke(args=["run-jobs"])
    assert result.exit_code == 0, result.output
    assert "tier-evaluation: 1" in result.output
    db.session.expire_all()
    assert member.tier_code == "member"
    result = runner.invoke(args=["run-jobs"])
    assert "tier-evaluation: 0" in result.output


def test_the_upgrade_mail_leaves_once_the_whole_transaction_commits(create_member, clock, mailbox):
    from portal.services.purchases.recording import record_purchase

    member = create_member(email="upgrade.mail@example.com")
    common = {"currency": "CNY", "store": "Beijing SKP", "items": [], "channel": "staff"}
    record_purchase(
        member, receipt_no="BJ01-M-1", amount=1_200_000, purchased_at=clock.now(), **common
    )
    # A second purchase in the same transaction releases a SAVEPOINT: not a commit.
    record_purchase(
        member, receipt_no="BJ01-M-2", amount=10_000, purchased_at=clock.now(), **common
    )
    assert mailbox.to("upgrade.mail@example.com") == []
    db.session.commit()
    assert "Welcome to Silver" in mailbox.text_of(mailbox.last_to("upgrade.mail@example.com"))
    assert len(mailbox.to("upgrade.mail@example.com")) == 1


def test_the_upgrade_notice_names_the_windows_the_programme_has_set(
    create_member, create_purchase, clock
):
    update_setting("tier_window_months", 6)
    update_setting("tier_keep_months", 18)
    member = create_member()
    create_purchase(member, "10500.00")
    assert member.tier_code == "silver"
    assert member.tier_kept_until == add_local_months(clock.now(), 18)
    [notice] = notices(member)
    assert "over the last 6 months brought you to Silver" in notice.body
    assert "12 months" not in notice.body
