"""The redemption rules: eligibility, one transaction, idempotency, cancellation and expiry."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEntry, LedgerEntry, Member, Notification, Redemption, Reward
from portal.services.points.ledger import ledger_sum
from portal.services.programme.local_time import local_date, local_day_start
from portal.services.rewards import redemption as rewards_service
from portal.services.rewards.redemption import (
    VOUCHER_ALPHABET,
    RedemptionRefused,
    check_eligibility,
    normalise_voucher_code,
    redeem,
)
from portal.services.rewards.vouchers import (
    VoucherStateError,
    cancel_redemption,
    expire_vouchers,
    fulfil_redemption,
)


def _reload(model, id_):
    db.session.expire_all()
    return db.session.get(model, id_)


def _redeem(member, reward, key="key-00000001"):
    redemption = redeem(member, reward, idempotency_key=key)
    db.session.commit()
    return redemption


# -- eligibility -----------------------------------------------------------------------------


def test_a_member_with_enough_points_can_redeem(app, member, create_reward, give_points):
    give_points(member, 500)
    eligibility = check_eligibility(member, create_reward(points_cost=300))
    assert eligibility.can_redeem and eligibility.reasons == []


def test_the_member_reads_how_many_points_are_missing(app, member, create_reward, give_points):
    give_points(member, 180)
    eligibility = check_eligibility(member, create_reward(points_cost=500))
    assert eligibility.codes == ["not_enough_points"]
    assert eligibility.points_short == 320
    assert eligibility.reasons[0].values == {"short": 320}


def test_below_the_tier_is_explained_with_the_tier_name(
    app, member, clock, create_purchase, create_reward
):
    gold_only = create_reward(min_tier="gold")
    create_purchase(member, "10000.00")  # Silver: one tier below
    assert member.tier_code == "silver"
    eligibility = check_eligibility(member, gold_only)
    assert eligibility.codes == ["below_tier"]
    assert eligibility.reasons[0].values["tier"].code == "gold"
    create_purchase(member, "40000.00")  # ¥50,000 in all: Gold
    assert member.tier_code == "gold"
    assert check_eligibility(member, gold_only).can_redeem


def test_the_active_window_is_checked(app, member, clock, create_reward, give_points):
    give_points(member, 5000)
    today = local_date(clock.now())
    future = create_reward(available_from=today + timedelta(days=3))
    ended = create_reward(available_until=today - timedelta(days=1))
    withdrawn = create_reward(active=False)
    assert check_eligibility(member, future).codes == ["not_started"]
    assert check_eligibility(member, future).reasons[0].values == {"date": future.active_from}
    assert check_eligibility(member, ended).codes == ["ended"]
    assert check_eligibility(member, withdrawn).codes == ["inactive"]
    clock.advance(days=3)
    assert check_eligibility(member, future).can_redeem


def test_out_of_stock_and_the_per_member_limit(app, member, create_reward, give_points):
    give_points(member, 5000)
    assert check_eligibility(member, create_reward(stock=0)).codes == ["out_of_stock"]
    limited = create_reward(per_member_limit=1)
    _redeem(member, limited)
    assert check_eligibility(member, limited).codes == ["limit_reached"]


def test_a_cancelled_voucher_does_not_count_against_the_limit(
    app, member, staff, create_reward, give_points
):
    give_points(member, 5000)
    limited = create_reward(per_member_limit=1)
    redemption = _redeem(member, limited)
    cancel_redemption(redemption, staff, "Item damaged")
    db.session.commit()
    assert check_eligibility(member, limited).can_redeem


def test_a_negative_balance_blocks_every_reward(
    app, member, clock, create_purchase, create_return, create_reward
):
    # 100 points earned and spent, then the purchase is returned: its points are taken back.
    purchase = create_purchase(member, "100.00")
    _redeem(member, create_reward(points_cost=100))
    create_return(purchase, "100.00")
    assert member.points_balance == -100
    eligibility = check_eligibility(member, create_reward(points_cost=10))
    assert eligibility.codes == ["negative_balance"]
    assert eligibility.reasons[0].values == {"balance": -100}


def test_every_reason_is_listed_at_once(app, member, clock, create_reward):
    tomorrow = local_date(clock.now()) + timedelta(days=1)
    reward = create_reward(min_tier="diamond", stock=0, available_from=tomorrow)
    assert check_eligibility(member, reward).codes == [
        "not_started",
        "below_tier",
        "out_of_stock",
        "not_enough_points",
    ]


# -- redeeming -------------------------------------------------------------------------------


def test_redeeming_takes_the_points_lowers_the_stock_and_issues_a_voucher(
    app, member, clock, create_reward, give_points
):
    give_points(member, 1000)
    reward = create_reward(points_cost=300, stock=5, voucher_valid_days=30)
    redemption = _redeem(member, reward)

    assert redemption.status == "issued"
    assert redemption.points_spent == 300
    assert redemption.valid_until == clock.now() + timedelta(days=30)
    assert len(redemption.voucher_code) == 12
    assert set(redemption.voucher_code) <= set(VOUCHER_ALPHABET)
    assert redemption.voucher_code_display.count("-") == 2
    assert _reload(Reward, reward.id).stock == 4
    assert _reload(Reward, reward.id).redemption_count == 1
    member = _reload(Member, member.id)
    assert member.points_balance == 700 == ledger_sum(member)
    entry = db.session.scalar(select(LedgerEntry).where(LedgerEntry.kind == "redeem"))
    assert entry.points == -300 and entry.redemption_id == redemption.id


def test_unlimited_stock_stays_unlimited(app, member, create_reward, give_points):
    give_points(member, 1000)
    reward = create_reward(stock=None)
    _redeem(member, reward)
    assert _reload(Reward, reward.id).stock is None


def test_voucher_codes_are_unpredictable_and_distinct(app):
    codes = {rewards_service.new_voucher_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert not any(c in code for code in codes for c in "01OIL")


def test_the_same_idempotency_key_returns_the_same_voucher(app, member, create_reward, give_points):
    give_points(member, 1000)
    reward = create_reward(points_cost=300, stock=5)
    first = _redeem(member, reward, key="tab-one-key")
    again = _redeem(member, reward, key="tab-one-key")
    assert again.id == first.id
    assert _reload(Member, member.id).points_balance == 700
    assert _reload(Reward, reward.id).stock == 4
    other = _redeem(member, reward, key="tab-two-key")
    assert other.id != first.id


def test_a_refused_redemption_changes_nothing(app, member, create_reward, give_points):
    give_points(member, 100)
    reward = create_reward(points_cost=300, stock=2)
    with pytest.raises(RedemptionRefused) as refused:
        redeem(member, reward, idempotency_key="short-of-points")
    db.session.rollback()
    assert refused.value.codes == ["not_enough_points"]
    assert _reload(Reward, reward.id).stock == 2
    assert _reload(Member, member.id).points_balance == 100
    assert db.session.scalar(select(func.count(Redemption.id))) == 0


def test_a_crash_between_the_steps_leaves_nothing(
    app, member, monkeypatch, create_reward, give_points
):
    give_points(member, 1000)
    reward = create_reward(points_cost=300, stock=2)

    def crash(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(rewards_service, "debit_points", crash)
    with pytest.raises(RuntimeError):
        redeem(member, reward, idempotency_key="crashing-key")
    db.session.rollback()
    assert _reload(Reward, reward.id).stock == 2
    assert _reload(Reward, reward.id).redemption_count == 0
    assert _reload(Member, member.id).points_balance == 1000
    assert db.session.scalar(select(func.count(Redemption.id))) == 0


def test_the_balance_check_is_made_by_the_database_too(
    app, member, monkeypatch, create_reward, give_points
):
    """Even if the eligibility check were fooled, the conditional UPDATE refuses."""
    give_points(member, 100)
    reward = create_reward(points_cost=300, stock=2)
    fooled = rewards_service.Eligibility()
    monkeypatch.setattr(rewards_service, "check_eligibility", lambda *a, **k: fooled)
    with pytest.raises(RedemptionRefused) as refused:
        redeem(member, reward, idempotency_key="fooled-check")
    db.session.rollback()
    assert refused.value.codes == ["not_enough_points"]
    assert _reload(Reward, reward.id).stock == 2


def test_the_stock_check_is_made_by_the_database_too(
    app, member, monkeypatch, create_reward, give_points
):
    give_points(member, 1000)
    reward = create_reward(points_cost=300, stock=0)
    monkeypatch.setattr(
        rewards_service, "check_eligibility", lambda *a, **k: rewards_service.Eligibility()
    )
    with pytest.raises(RedemptionRefused) as refused:
        redeem(member, reward, idempotency_key="no-stock-left")
    db.session.rollback()
    assert refused.value.codes == ["out_of_stock"]
    assert _reload(Member, member.id).points_balance == 1000


def test_voucher_codes_are_found_however_they_are_typed():
    assert normalise_voucher_code(" abcd-efgh jkmn ") == "ABCDEFGHJKMN"
    assert normalise_voucher_code("ABCD–EFGH—JKMN") == "ABCDEFGHJKMN"
    assert normalise_voucher_code("") == ""


# -- staff actions ---------------------------------------------------------------------------


def test_cancelling_refunds_the_points_returns_the_stock_and_tells_the_member(
    app, member, staff, create_reward, give_points
):
    give_points(member, 1000)
    reward = create_reward(points_cost=300, stock=3)
    redemption = _redeem(member, reward)
    cancel_redemption(redemption, staff, "The member changed their mind")
    db.session.commit()

    redemption = _reload(Redemption, redemption.id)
    assert redemption.status == "cancelled"
    assert redemption.cancelled_by_id == staff.id
    assert redemption.cancel_reason == "The member changed their mind"
    member = _reload(Member, member.id)
    assert member.points_balance == 1000 == ledger_sum(member)
    refund = db.session.scalar(select(LedgerEntry).where(LedgerEntry.kind == "refund"))
    assert refund.points == 300 and refund.redemption_id == redemption.id
    assert _reload(Reward, reward.id).stock == 3
    assert _reload(Reward, reward.id).redemption_count == 0
    notice = db.session.scalar(select(Notification).where(Notification.member_id == member.id))
    assert "cancelled" in notice.title and "changed their mind" in notice.body
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "redemption.cancel"))
    assert audit.actor_id == staff.id and audit.target_id == redemption.id


def test_cancelling_twice_is_refused_and_refunds_once(
    app, member, staff, create_reward, give_points
):
    give_points(member, 1000)
    redemption = _redeem(member, create_reward(points_cost=300))
    cancel_redemption(redemption, staff, "Duplicate")
    db.session.commit()
    with pytest.raises(VoucherStateError, match="^cancelled$"):
        cancel_redemption(redemption, staff, "Duplicate again")
    db.session.rollback()
    assert _reload(Member, member.id).points_balance == 1000


def test_a_cancelled_voucher_cannot_be_fulfilled(app, member, staff, create_reward, give_points):
    give_points(member, 1000)
    redemption = _redeem(member, create_reward(points_cost=300))
    cancel_redemption(redemption, staff, "Out of stock in store")
    db.session.commit()
    with pytest.raises(VoucherStateError, match="^cancelled$"):
        fulfil_redemption(redemption, staff)


def test_fulfilling_once_then_refusing_a_second_use(app, member, staff, create_reward, give_points):
    give_points(member, 1000)
    redemption = _redeem(member, create_reward(points_cost=300))
    fulfil_redemption(redemption, staff)
    db.session.commit()
    redemption = _reload(Redemption, redemption.id)
    assert redemption.status == "fulfilled" and redemption.fulfilled_by_id == staff.id
    with pytest.raises(VoucherStateError, match="^fulfilled$"):
        fulfil_redemption(redemption, staff)
    with pytest.raises(VoucherStateError, match="^fulfilled$"):
        cancel_redemption(redemption, staff, "Too late")


def test_vouchers_expire_once_and_return_their_stock(
    app, member, staff, clock, create_reward, give_points
):
    give_points(member, 1000)
    reward = create_reward(points_cost=300, stock=2, voucher_valid_days=10)
    redemption = _redeem(member, reward)
    assert expire_vouchers() == 0
    clock.advance(days=10, seconds=1)
    with pytest.raises(VoucherStateError, match="^expired$"):
        fulfil_redemption(redemption, staff)
    assert expire_vouchers() == 1
    db.session.commit()
    assert expire_vouchers() == 0
    assert _reload(Redemption, redemption.id).status == "expired"
    assert _reload(Reward, reward.id).stock == 2
    assert _reload(Member, member.id).points_balance == 700  # spent points are not refunded


def test_run_jobs_expires_vouchers(app, runner, member, clock, create_reward, give_points):
    give_points(member, 1000)
    redemption = _redeem(member, create_reward(voucher_valid_days=1))
    clock.advance(days=2)
    result = runner.invoke(args=["run-jobs"])
    assert "expire-vouchers: 1" in result.output
    assert _reload(Redemption, redemption.id).status == "expired"


def test_the_catalogue_and_the_redemption_check_agree_on_what_is_on_offer(
    app, member, clock, create_reward
):
    """At each edge of the window (a second before, at, a second after its first moment and
    its end), a reward is listed exactly when redeeming it is not refused for its window."""
    rewards = [
        create_reward(name="Always"),
        create_reward(name="Withdrawn", active=False),
        create_reward(
            name="July only", available_from=date(2026, 7, 1), available_until=date(2026, 7, 31)
        ),
    ]
    opens = local_day_start(date(2026, 7, 1))
    ends = local_day_start(date(2026, 8, 1))  # the last day is included
    assert opens.isoformat() == "2026-06-30T16:00:00+00:00"  # midnight in Shanghai
    second = timedelta(seconds=1)
    july_on_offer = {
        opens - second: False,
        opens: True,
        opens + second: True,
        ends - second: True,
        ends: False,
        ends + second: False,
    }
    for now, on_offer in july_on_offer.items():
        listed = set(db.session.scalars(select(Reward.name).where(rewards_service.on_offer(now))))
        assert listed == {"Always"} | ({"July only"} if on_offer else set()), now
        for reward in rewards:
            refusal = rewards_service.offer_refusal(reward, now)
            assert (refusal is None) == (reward.name in listed), (reward.name, now)
