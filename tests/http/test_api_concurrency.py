"""A till retrying after a timeout sends the same receipt while the first request is still
running: on a real server, in parallel, the receipt is recorded once and earns once."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import LedgerEntry, Member, Purchase
from portal.services.points.ledger import ledger_sum
from portal.services.purchases.api_tokens import create_api_token
from tests.conftest import served

TILLS = 8


@pytest.fixture
def live_server(app):
    with served(app) as base_url:
        yield base_url


def post_all_at_once(url: str, token: str, bodies: list[dict]) -> list[tuple[int, dict]]:
    start = threading.Barrier(len(bodies))
    results: list[tuple[int, dict] | None] = [None] * len(bodies)

    def send(index: int, body: dict) -> None:
        request = urllib.request.Request(  # noqa: S310 - a local test server
            url,
            data=json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            method="POST",
        )
        start.wait()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                results[index] = (response.status, json.loads(response.read()))
        except urllib.error.HTTPError as error:
            results[index] = (error.code, json.loads(error.read()))

    threads = [threading.Thread(target=send, args=(i, b)) for i, b in enumerate(bodies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    return results


@pytest.fixture
def till_token(app):
    _token, plaintext = create_api_token("Beijing SKP till 3")
    db.session.commit()
    return plaintext


def sale(member: Member, receipt_no: str) -> dict:
    return {
        "member": member.card_number,
        "receipt_no": receipt_no,
        "amount": "2888.00",
        "currency": "CNY",
        "purchased_at": (datetime.now(UTC) - timedelta(minutes=3)).isoformat(),
        "store": "Beijing SKP",
        "items": [{"name": "Watch servicing", "quantity": 1, "unit_price": "2888.00"}],
    }


def test_the_same_receipt_from_eight_requests_at_once_is_recorded_once(
    live_server, till_token, member
):
    body = sale(member, "BJ03-2026-004711")
    db.session.commit()  # the test holds no transaction while the server works
    results = post_all_at_once(f"{live_server}/api/v1/purchases", till_token, [body] * TILLS)

    statuses = sorted(status for status, _body in results)
    assert statuses == [200] * (TILLS - 1) + [201]
    assert all(answer["points_awarded"] == 2888 for _status, answer in results)
    assert len({answer["purchase_id"] for _status, answer in results}) == 1
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Purchase.id))) == 1
    assert db.session.scalar(select(func.count(LedgerEntry.id))) == 1
    member = db.session.get(Member, member.id)
    assert member.points_balance == 2888 == ledger_sum(member)


def test_different_receipts_of_one_member_at_once_all_count(live_server, till_token, member):
    bodies = [sale(member, f"BJ03-2026-0050{n:02d}") for n in range(TILLS)]
    db.session.commit()
    results = post_all_at_once(f"{live_server}/api/v1/purchases", till_token, bodies)
    assert [status for status, _body in results] == [201] * TILLS
    db.session.expire_all()
    member = db.session.get(Member, member.id)
    # Whatever the order, the 4th purchase (¥11,552) crosses Silver and the 4 after it earn
    # x1.25: each request read the tier only once it held the member.
    assert member.tier_code == "silver"
    assert member.points_balance == 4 * 2888 + 4 * 3610 == ledger_sum(member)


def test_one_voucher_fulfilled_by_four_tills_at_once_is_handed_over_once(
    live_server, member, give_points, create_reward
):
    import uuid

    from portal.models import AuditEntry, Redemption
    from portal.services.rewards.redemption import redeem

    give_points(member, 1000)
    voucher = redeem(member, create_reward(), idempotency_key=uuid.uuid4().hex)
    tokens = [create_api_token(f"Till {n}")[1] for n in range(4)]
    voucher_id, code = voucher.id, voucher.voucher_code
    db.session.commit()  # the test holds no transaction while the server works
    start = threading.Barrier(len(tokens))
    results: list[tuple[int, dict] | None] = [None] * len(tokens)

    def fulfil(index: int, token: str) -> None:
        request = urllib.request.Request(  # noqa: S310 - a local test server
            f"{live_server}/api/v1/vouchers/{code}/fulfil",
            headers={"Authorization": f"Bearer {token}"},
            method="POST",
        )
        start.wait()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                results[index] = (response.status, json.loads(response.read()))
        except urllib.error.HTTPError as error:
            results[index] = (error.code, json.loads(error.read()))

    threads = [threading.Thread(target=fulfil, args=(i, t)) for i, t in enumerate(tokens)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)

    statuses = sorted(status for status, _body in results)
    assert statuses == [200, 409, 409, 409], results
    assert {body["error"] for status, body in results if status == 409} == {"voucher_fulfilled"}
    db.session.expire_all()
    assert db.session.get(Redemption, voucher_id).status == "fulfilled"
    fulfilments = db.session.scalar(
        select(func.count(AuditEntry.id)).where(AuditEntry.action == "redemption.fulfil")
    )
    assert fulfilments == 1
