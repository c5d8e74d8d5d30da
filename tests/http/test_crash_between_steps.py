"""A crash between the steps of a multi-step change leaves nothing half done: the request edge
(or run-jobs, for each job) rolls the whole change back, and the same change tried again
afterwards happens once.

The crash is simulated by making a later step of the real service raise (monkeypatch), after
the earlier steps have written and flushed their rows; it runs on SQLite and, with
DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.jobs import run_periodic_jobs
from portal.models import (
    EventRsvp,
    LedgerEntry,
    Member,
    Notification,
    OutboxMessage,
    Purchase,
    PurchaseReturn,
    Redemption,
    Referral,
    Reward,
)
from portal.services.purchases.api_tokens import create_api_token
from tests.conftest import form_post, party_statuses
from tests.referral_support import refer


class Crash(RuntimeError):
    """The simulated crash of a step."""


def crash(*_args, **_kwargs):
    raise Crash("simulated crash between two steps")


def rows() -> dict[str, int]:
    db.session.expire_all()
    counted = {}
    for model in (LedgerEntry, Redemption, PurchaseReturn, Notification, OutboxMessage):
        counted[model.__tablename__] = db.session.scalar(select(func.count()).select_from(model))
    return counted


def balances() -> dict[int, int]:
    db.session.expire_all()
    return {
        id_: points for id_, points in db.session.execute(select(Member.id, Member.points_balance))
    }


@pytest.fixture
def till(app):
    _token, plaintext = create_api_token("Shanghai IFC till 1")
    db.session.commit()
    return {"Authorization": f"Bearer {plaintext}"}


def test_a_redemption_that_crashes_before_the_debit_keeps_no_voucher_and_no_stock_taken(
    client, login, member, give_points, create_reward, monkeypatch
):
    give_points(member, 1000)
    reward = create_reward(points_cost=300, stock=3)
    login(member)
    before = rows(), balances()
    # The voucher is written and the stock taken; then the debit crashes.
    monkeypatch.setattr("portal.services.rewards.redemption.debit_points", crash)
    response = form_post(
        client,
        f"/rewards/{reward.id}/redeem",
        {"idempotency_key": "crash-key-0001"},
        token_from="/rewards",
    )
    assert response.status_code == 500
    assert (rows(), balances()) == before
    reward_now = db.session.get(Reward, reward.id)
    assert (reward_now.stock, reward_now.redemption_count) == (3, 0)

    monkeypatch.undo()
    for _try in range(2):  # the retry succeeds, and the same key again changes nothing more
        retry = form_post(
            client,
            f"/rewards/{reward.id}/redeem",
            {"idempotency_key": "crash-key-0001"},
            token_from="/rewards",
        )
        assert retry.status_code == 303
    assert db.session.scalar(select(func.count(Redemption.id))) == 1
    db.session.expire_all()
    assert db.session.get(Reward, reward.id).stock == 2
    assert balances()[member.id] == 700


def test_a_return_that_crashes_after_the_reversal_keeps_neither_the_return_nor_the_reversal(
    client, till, member, create_purchase, monkeypatch
):
    purchase = create_purchase(member, "1000.00")
    path = f"/api/v1/purchases/{purchase.receipt_no}/return"
    before = rows(), balances()
    # The return row, the purchase's returned amount and the reversal entry are flushed; the
    # referral review that follows them crashes.
    monkeypatch.setattr("portal.services.purchases.recording.review_after_return", crash)
    response = client.post(path, json={"amount": "400.00", "return_id": "RT-1"}, headers=till)
    assert response.status_code == 500
    assert response.get_json()["error"] == "server_error"
    assert (rows(), balances()) == before
    db.session.expire_all()
    purchase_now = db.session.get(Purchase, purchase.id)
    assert (purchase_now.returned_amount, purchase_now.points_reversed) == (0, 0)

    monkeypatch.undo()
    first = client.post(path, json={"amount": "400.00", "return_id": "RT-1"}, headers=till)
    again = client.post(path, json={"amount": "400.00", "return_id": "RT-1"}, headers=till)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["points_reversed"] == 400
    assert balances()[member.id] == 600
    assert db.session.scalar(select(func.count(PurchaseReturn.id))) == 1


def test_a_referral_release_that_crashes_between_the_two_credits_pays_neither_member(
    app, create_member, create_purchase, clock, monkeypatch
):
    referrer = create_member(name="Lin Mei", email="lin.mei@gmail.com")
    friend = create_member(name="Wang Fang", email="wang.fang@example.com")
    referral = refer(friend, referrer)
    purchase = create_purchase(friend, "1200.00", purchased_at=clock.now())
    clock.set(purchase.purchased_at + timedelta(days=30))
    before = rows(), balances()
    # The friend's bonus is credited and they are told; the referrer's credit then crashes.
    monkeypatch.setattr("portal.services.referrals.notices.tell_referrer_paid", crash)
    results = run_periodic_jobs()
    assert results["referral-bonuses"] == -1  # the job failed and the others went on
    assert (rows(), balances()) == before
    db.session.expire_all()
    assert db.session.get(Referral, referral.id).status == "pending"

    monkeypatch.undo()
    assert run_periodic_jobs()["referral-bonuses"] == 1
    assert run_periodic_jobs()["referral-bonuses"] == 0
    now = balances()
    assert now[friend.id] - before[1][friend.id] == 200
    assert now[referrer.id] - before[1][referrer.id] == 500
    db.session.expire_all()
    assert db.session.get(Referral, referral.id).status == "rewarded"


def test_a_waitlist_promotion_that_crashes_keeps_the_cancelled_place_and_the_queue(
    client, login, create_member, create_event, rsvp, monkeypatch
):
    event = create_event(capacity=1, max_guests=0)
    holder = create_member(name="Lin Mei")
    waiting = create_member(name="Wang Fang")
    rsvp(holder, event)
    rsvp(waiting, event)
    assert party_statuses(event) == {"Lin Mei": "confirmed", "Wang Fang": "waitlisted"}
    login(holder)
    before = rows(), balances()
    # The holder's answer is cancelled and the waiting party confirmed (flushed); telling them
    # crashes.
    monkeypatch.setattr("portal.services.events.allocation._tell_confirmed", crash)
    url = f"/events/{event.id}/cancel"
    response = form_post(client, url, {"confirmed": "yes"}, token_from=f"/events/{event.id}")
    assert response.status_code == 500
    assert party_statuses(event) == {"Lin Mei": "confirmed", "Wang Fang": "waitlisted"}
    assert (rows(), balances()) == before

    monkeypatch.undo()
    retry = form_post(client, url, {"confirmed": "yes"}, token_from=f"/events/{event.id}")
    assert retry.status_code == 303
    assert party_statuses(event) == {"Lin Mei": "cancelled", "Wang Fang": "confirmed"}
    told = db.session.scalar(
        select(func.count(Notification.id)).where(
            Notification.member_id == waiting.id, Notification.kind == "event_confirmed"
        )
    )
    assert told == 1
    assert db.session.scalar(select(func.count(EventRsvp.id))) == 2
