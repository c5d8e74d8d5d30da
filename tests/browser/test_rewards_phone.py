"""A member finds a reward on a phone, redeems it and shows the voucher (real Chromium)."""

from __future__ import annotations

import re
import shutil

import pytest

from portal.extensions import db
from portal.models import Member, Redemption
from tests import rewards_support
from tests.conftest import DEFAULT_PASSWORD
from tests.rewards_support import give_points, make_reward

live_server = rewards_support.live_server  # the fixture

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")


@pytest.fixture
def app_overrides():
    return {"RATELIMIT_ENABLED": False}


@pytest.fixture
def phone(live_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(
            viewport={"width": 390, "height": 844}, base_url=f"http://{live_server}"
        )
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.errors = errors
        yield page
        context.close()
        browser.close()


def _no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_member_searches_redeems_and_shows_the_voucher_on_a_phone(phone, member):
    make_reward(name="Personal engraving", points_cost=600)
    make_reward(name="Afternoon tea for two", points_cost=400, stock=2, image="afternoon-tea.svg")
    give_points(member, 1000)
    email = member.email
    db.session.commit()  # the server must not wait for the test's transaction

    phone.goto("/login")
    phone.fill("input[name=email]", email)
    phone.fill("input[name=password]", DEFAULT_PASSWORD)
    phone.locator("main button[type=submit]").click()
    phone.wait_for_url("**/dashboard")

    phone.goto("/rewards")
    assert _no_horizontal_scroll(phone)
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
    assert _no_horizontal_scroll(phone)
    phone.get_by_role("button", name="Confirm and get my voucher").click()
    phone.wait_for_url(re.compile(r"/redemptions/\d+$"))

    code = phone.locator(".voucher-code").inner_text()
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    qr = phone.locator("svg.voucher-qr").bounding_box()
    assert qr is not None and qr["width"] >= 200  # big enough for a till scanner
    assert _no_horizontal_scroll(phone)
    assert phone.errors == []

    db.session.expire_all()
    assert db.session.get(Member, member.id).points_balance == 600
    assert db.session.query(Redemption).one().voucher_code_display == code
