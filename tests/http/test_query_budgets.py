"""Query budgets: every member page and the till API run a fixed, small number of SQL
statements, whatever the length of the member's history (an N+1 would grow with it).

Each page is read once to warm up, then counted for a member with some history of each kind
(purchases, a return, a redemption, notifications, an event reservation, a survey), then again
after that history has grown; the count must not grow, and stays within the page's budget
(at most 12 statements: the target of the speed issue)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from portal.extensions import db
from portal.models import Member
from portal.services.messaging.notifications import notify_member
from portal.services.programme.settings import update_setting
from portal.services.purchases.api_tokens import create_api_token
from portal.services.rewards.redemption import redeem

BUDGET = 12

# path -> the most statements it may run (measured, with a little room, never above BUDGET).
MEMBER_PAGES = {
    "/dashboard": 10,
    "/purchases": 6,
    "/purchases/{purchase}": 9,
    "/rewards": 9,
    "/rewards?q=ring": 9,
    "/card": 5,
    "/redemptions": 6,
    "/referrals": 8,
    "/events": 9,
    "/surveys": 7,
    "/account": 7,
    "/notifications": 6,
}
FRAGMENTS = {"/rewards?q=ring": "reward-results"}


@pytest.fixture
def history(app, member, clock, create_purchase, create_return, create_reward, give_points):
    """grow(n): n more purchases (one returned in part), redemptions and notifications."""
    reward = create_reward(name="Ring cleaning", points_cost=10)
    state = {"purchases": []}

    def grow(n: int) -> None:
        for k in range(n):
            purchase = create_purchase(
                member, f"{1000 + k}.00", purchased_at=clock.now() - timedelta(days=3 * k + 1)
            )
            state["purchases"].append(purchase)
        create_return(state["purchases"][-1], "100.00")
        give_points(member, 100 * n)
        fresh = db.session.get(Member, member.id)
        for _ in range(n):
            redeem(fresh, reward, idempotency_key=uuid.uuid4().hex)
            notify_member(fresh, "bonus", title="Thank you", email=False)
        db.session.commit()

    grow(2)
    grow.first_purchase = state["purchases"][0]  # type: ignore[attr-defined]
    return grow


def statements_of(client, count_queries, path: str) -> tuple[int, list[str]]:
    headers = {"HX-Request": "true", "HX-Target": FRAGMENTS[path]} if path in FRAGMENTS else {}
    assert client.get(path, headers=headers).status_code == 200  # warm
    with count_queries() as queries:
        response = client.get(path, headers=headers)
    assert response.status_code == 200, path
    return len(queries), queries


@pytest.mark.parametrize("page", sorted(MEMBER_PAGES))
def test_member_page_runs_a_fixed_small_number_of_statements(
    page, client, login, member, history, count_queries, create_event, rsvp, create_survey
):
    rsvp(member, create_event(title="Pearl salon"))
    create_survey(title="How did we do?")
    login(member)
    path = page.format(purchase=history.first_purchase.id)
    few, first = statements_of(client, count_queries, path)
    history(8)
    many, queries = statements_of(client, count_queries, path)
    assert many <= few, "\n".join(first) + "\n=====\n" + "\n".join(queries)
    assert many <= MEMBER_PAGES[page] <= BUDGET, "\n".join(queries)


def test_the_budgets_stay_within_the_target():
    assert max(MEMBER_PAGES.values()) <= BUDGET


@pytest.fixture
def till(app):
    # A migrated database has the settings' version row (migration 0025), which lets each
    # process keep the settings it read: writing a setting makes it here too.
    update_setting("points_per_unit", 1)
    _token, plaintext = create_api_token("Budget till")
    db.session.commit()
    return {"Authorization": f"Bearer {plaintext}"}


def sale(card_number: str, receipt_no: str, moment) -> dict:
    return {
        "member": card_number,
        "receipt_no": receipt_no,
        "amount": "12.00",
        "currency": "CNY",
        "purchased_at": moment.isoformat(),
        "store": "Shanghai IFC",
        "items": [{"sku": "RG-1", "name": "Ring", "quantity": 1, "unit_price": "12.00"}],
    }


def test_till_purchase_runs_at_most_twelve_statements(
    client, till, member, history, count_queries, clock
):
    moment = clock.now() - timedelta(hours=1)
    card = member.card_number
    assert client.post("/api/v1/purchases", json=sale(card, "B-1", moment), headers=till)
    with count_queries() as queries:
        response = client.post("/api/v1/purchases", json=sale(card, "B-2", moment), headers=till)
    assert response.status_code == 201
    few = len(queries)
    history(8)
    card = db.session.get(Member, member.id).card_number
    with count_queries() as queries:
        response = client.post("/api/v1/purchases", json=sale(card, "B-3", moment), headers=till)
    assert response.status_code == 201
    assert len(queries) <= few, "\n".join(queries)
    assert len(queries) <= BUDGET, "\n".join(queries)


def test_till_lookup_runs_at_most_three_statements(client, till, member, history, count_queries):
    path = f"/api/v1/members/{member.card_number}"
    balance = db.session.get(Member, member.id).points_balance
    assert client.get(path, headers=till).status_code == 200
    with count_queries() as queries:
        response = client.get(path, headers=till)
    assert response.status_code == 200
    assert response.get_json()["balance"] == balance
    assert len(queries) <= 3, "\n".join(queries)
