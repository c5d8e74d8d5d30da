"""Races around one referral, on a real server in parallel (SQLite here, PostgreSQL with
DATABASE_URL): qualifying purchases arriving together, a till retrying the same receipt, and
release jobs started at once, a return racing the release. One reward, whatever the order."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal.database import writing_transactions
from portal.extensions import db
from portal.models import LedgerEntry, Member, Referral
from portal.services.points.ledger import ledger_sum
from portal.services.referrals.bonuses import release_due_bonuses
from tests.http.test_api_concurrency import post_all_at_once
from tests.referral_support import refer

PARALLEL = 6


@pytest.fixture
def live_server(app):
    from tests.conftest import served

    with served(app) as base_url:
        yield base_url


@pytest.fixture
def till_token(app):
    from portal.services.purchases.api_tokens import create_api_token

    _token, plaintext = create_api_token("Shanghai IFC till 2")
    db.session.commit()
    return plaintext


@pytest.fixture
def pair(create_member):
    referrer = create_member(name="Lin Mei", email="lin.mei@example.com")
    friend = create_member(name="Wang Fang", email="wang.fang@example.com")
    refer(friend, referrer)
    return referrer, friend


def qualifying_sale(friend: Member, receipt_no: str) -> dict:
    return {
        "member": friend.card_number,
        "receipt_no": receipt_no,
        "amount": "680.00",
        "currency": "CNY",
        "purchased_at": (datetime.now(UTC) - timedelta(minutes=2)).isoformat(),
        "store": "Shanghai IFC",
    }


def bonus_count() -> int:
    return db.session.scalar(
        select(func.count(LedgerEntry.id)).where(LedgerEntry.referral_id.is_not(None))
    )


def test_parallel_qualifying_purchases_make_one_pending_reward(app, live_server, till_token, pair):
    referrer, friend = pair
    bodies = [qualifying_sale(friend, f"SH01-2026-0090{n:02d}") for n in range(PARALLEL)]
    bodies += [qualifying_sale(friend, "SH01-2026-009099")] * 2  # a till retrying a receipt
    db.session.commit()
    results = post_all_at_once(f"{live_server}/api/v1/purchases", till_token, bodies)
    assert sorted(status for status, _ in results) == [200] + [201] * (PARALLEL + 1)

    db.session.expire_all()
    referral = db.session.scalar(select(Referral))
    assert referral.status == "pending" and referral.qualifying_purchase_id is not None

    # Release jobs started on several hosts at the same moment (without the run-jobs lock).
    due = referral.release_at + timedelta(seconds=1)
    db.session.commit()  # the test holds no transaction while the jobs work
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def run_release() -> None:
        with app.app_context(), writing_transactions():
            start.wait()
            try:
                release_due_bonuses(now=due)
                db.session.commit()
            except BaseException as error:  # noqa: BLE001 - reported below
                db.session.rollback()
                errors.append(error)

    threads = [threading.Thread(target=run_release) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []

    db.session.rollback()  # read what the jobs committed
    assert bonus_count() == 2
    referrer, friend = db.session.get(Member, referrer.id), db.session.get(Member, friend.id)
    assert referrer.points_balance == 500 == ledger_sum(referrer)
    assert friend.points_balance == 7 * 680 + 200 == ledger_sum(friend)
    assert db.session.get(Referral, referral.id).status == "rewarded"


def run_together(app, *jobs) -> list[BaseException]:
    """Run each job in its own thread and app context at the same moment."""
    errors: list[BaseException] = []
    start = threading.Barrier(len(jobs))

    def runner(job) -> None:
        with app.app_context(), writing_transactions():
            start.wait()
            try:
                job()
                db.session.commit()
            except BaseException as error:  # noqa: BLE001 - reported below
                db.session.rollback()
                errors.append(error)

    threads = [threading.Thread(target=runner, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


@pytest.mark.parametrize(("days_after", "paid"), [(29, False), (30, True)])
def test_a_return_racing_the_release_job_is_decided_by_the_release_date(
    app, clock, live_server, till_token, pair, create_purchase, days_after, paid
):
    referrer, friend = pair  # joined at the test clock's time (the clock comes first)
    purchase = create_purchase(friend, "680.00", purchased_at=clock.now())
    assert db.session.scalar(select(Referral.status)) == "pending"
    clock.set(purchase.purchased_at + timedelta(days=days_after, seconds=1))
    receipt = purchase.receipt_no
    db.session.commit()

    def give_back() -> None:
        import json
        import urllib.request

        request = urllib.request.Request(  # noqa: S310 - a local test server
            f"{live_server}/api/v1/purchases/{receipt}/return",
            data=json.dumps({"amount": "680.00", "return_id": "RT-1"}).encode(),
            headers={"Authorization": f"Bearer {till_token}", "Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            assert response.status in (200, 201)

    errors = run_together(app, give_back, release_due_bonuses, release_due_bonuses)
    assert errors == []
    db.session.rollback()
    referral = db.session.scalar(select(Referral))
    assert bonus_count() == (2 if paid else 0)
    assert referral.status == ("rewarded" if paid else "joined")
    friend = db.session.get(Member, friend.id)
    assert friend.points_balance == ledger_sum(friend) == (200 if paid else 0)
