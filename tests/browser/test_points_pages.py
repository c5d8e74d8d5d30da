"""Purchases sent by a till through the API show up on the member's dashboard, history and
card, at phone and laptop size."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from portal import clock
from portal.extensions import db
from portal.services.purchases.api_tokens import create_api_token
from tests.browser.checks import check_page
from tests.browser.flows import sign_in_from_start
from tests.conftest import DEFAULT_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def till_token(app):
    _token, plaintext = create_api_token("Shanghai IFC till 1")
    db.session.commit()
    return plaintext


def send_purchase(client, token: str, member, receipt_no: str, amount: str, when) -> dict:
    response = client.post(
        "/api/v1/purchases",
        json={
            "member": member.card_number,
            "receipt_no": receipt_no,
            "amount": amount,
            "currency": "CNY",
            "purchased_at": when.isoformat(),
            "store": "Shanghai IFC",
            "items": [
                {"sku": "W-AUTO-38", "name": "Automatic watch", "quantity": 1, "unit_price": amount}
            ],
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_purchases_from_the_till_reach_the_dashboard_history_and_card(
    app, page, live_server, member, till_token
):
    client = app.test_client()
    now = clock.utcnow()
    # 24 small purchases over the last months, then one that crosses the Silver line.
    for n in range(24):
        send_purchase(
            client, till_token, member, f"SH01-B-{n:04d}", "150.00", now - timedelta(days=30 + n)
        )
    body = send_purchase(
        client, till_token, member, "SH01-B-BIG", "8000.00", now - timedelta(hours=2)
    )
    assert body["tier"] == "silver"
    db.session.commit()

    sign_in_from_start(page, live_server, member.email, DEFAULT_PASSWORD)
    balance = page.locator("#balance-title + .big-number")
    expect(balance).to_have_text(f"{body['balance']:,}")
    expect(page.locator("main")).to_contain_text("Silver")
    expect(page.locator("main")).to_contain_text("SH01-B-BIG")
    check_page(page, "dashboard-after-purchases")

    page.goto(live_server.url("/purchases"))
    rows = page.locator("#purchase-list > *")
    expect(rows).to_have_count(20)
    page.get_by_role("button", name="Load more").click()
    expect(rows).to_have_count(25)
    check_page(page, "purchases-all-loaded")

    expect(page.locator("#load-more")).to_contain_text("That is all.")
    page.locator("#purchase-list a.purchase-row").first.click()  # the newest: the big one
    expect(page).to_have_url(re.compile(r"/purchases/\d+$"))
    expect(page.locator("main")).to_contain_text("Automatic watch")
    expect(page.locator("main")).to_contain_text("8,000 × 1")  # earned at the rate before Silver
    check_page(page, "purchase-detail")

    page.goto(live_server.url("/card"))
    qr = page.locator("main svg").first.bounding_box()
    assert qr is not None and qr["width"] >= 200
    expect(page.locator("main")).to_contain_text(member.card_number_display)
    check_page(page, "card")
