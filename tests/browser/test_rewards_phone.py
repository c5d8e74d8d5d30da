"""A member finds a reward on a phone, redeems it and shows the voucher (real Chromium)."""

from __future__ import annotations

import re

import pytest

from portal.extensions import db
from portal.models import Member, Redemption
from tests.browser.checks import check_page
from tests.conftest import DEFAULT_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def app_overrides():
    return {"RATELIMIT_ENABLED": False}


@pytest.fixture
def rewards_ready(app, member, create_reward, give_points):
    create_reward(name="Personal engraving", points_cost=600)
    create_reward(name="Afternoon tea for two", points_cost=400, stock=2, image="afternoon-tea.svg")
    give_points(member, 1000)
    db.session.commit()
    return member


def test_a_member_searches_redeems_and_shows_the_voucher_on_a_phone(
    rewards_ready, live_server, phone_page
):
    member, phone = rewards_ready, phone_page
    email = member.email
    phone.goto(live_server.url("/login"))
    phone.fill("input[name=email]", email)
    phone.fill("input[name=password]", DEFAULT_PASSWORD)
    phone.locator("main button[type=submit]").click()
    phone.wait_for_url("**/dashboard")

    phone.goto(live_server.url("/rewards"))
    check_page(phone, "rewards-catalogue")
    phone.locator("#q").press_sequentially("tea", delay=40)
    phone.wait_for_url(re.compile(r"/rewards\?.*q=tea"))  # the search is in the address
    results = phone.locator("#reward-results")
    results.get_by_text("Afternoon tea for two").wait_for()
    assert results.get_by_text("Personal engraving").count() == 0
    assert results.get_by_text("Only 2 left").count() == 1

    results.get_by_role("link", name="Afternoon tea for two").click()
    phone.get_by_role("button", name=re.compile("Redeem for 400 points")).click()
    phone.get_by_text("Your balance after").wait_for()
    assert phone.locator("table.balance-table").inner_text().count("600") == 1
    check_page(phone, "reward-confirm")
    phone.get_by_role("button", name="Confirm and get my voucher").click()
    phone.wait_for_url(re.compile(r"/redemptions/\d+$"))

    code = phone.locator(".voucher-code").inner_text()
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    qr = phone.locator("svg.voucher-qr").bounding_box()
    assert qr is not None and qr["width"] >= 200  # big enough for a till scanner
    check_page(phone, "voucher")

    db.session.expire_all()
    assert db.session.get(Member, member.id).points_balance == 600
    assert db.session.query(Redemption).one().voucher_code_display == code
