"""A member shares their invitation on a phone, and a friend opens it in English or Chinese
(real Chromium at 390x844; axe finds no serious or critical problem)."""

from __future__ import annotations

import re

import pytest

from tests.browser.checks import check_page
from tests.conftest import DEFAULT_PASSWORD

pytestmark = pytest.mark.browser

# The phone's share sheet, as a page sees it: what was shared is kept for the test to read.
FAKE_SHARE_SHEET = """
Object.defineProperty(navigator, 'share', {
  value: (data) => { window.__shared = data; return Promise.resolve(); },
  configurable: true,
});
"""


@pytest.fixture
def app_overrides():
    return {"RATELIMIT_ENABLED": False}


@pytest.fixture
def referrer(create_member):
    return create_member(name="Lin Mei", email="lin.mei@example.com")


def test_a_member_copies_and_shares_the_invitation_on_a_phone(referrer, live_server, open_page):
    phone = open_page("phone", permissions=["clipboard-read", "clipboard-write"])
    phone.add_init_script(FAKE_SHARE_SHEET)
    phone.goto(live_server.url("/login"))
    phone.fill("input[name=email]", referrer.email)
    phone.fill("input[name=password]", DEFAULT_PASSWORD)
    phone.locator("main button[type=submit]").click()
    phone.wait_for_url("**/dashboard")

    phone.goto(live_server.url("/referrals"))
    link = live_server.url(f"/r/{referrer.referral_code}")
    assert phone.locator("#referral-link").input_value() == link
    qr = phone.locator("svg.referral-qr").bounding_box()
    assert qr is not None and qr["width"] >= 200
    check_page(phone, "referrals")

    phone.get_by_role("button", name="Copy link").click()
    phone.get_by_role("status").filter(has_text="Link copied").wait_for()
    assert phone.evaluate("navigator.clipboard.readText()") == link

    phone.get_by_role("button", name="Share…").click()
    phone.wait_for_function("window.__shared !== undefined")
    shared = phone.evaluate("window.__shared")
    assert shared["url"] == link and "Maison Lumière" in shared["title"]


@pytest.mark.parametrize(
    ("locale", "invited", "join"),
    [
        (
            "en-GB",
            "Lin invites you to the Maison Lumière Members' Club",
            "Join with this invitation",
        ),
        ("zh-CN", "Lin 邀请您加入 Maison Lumière Members' Club", "接受邀请并入会"),
    ],
)
def test_a_friend_opens_the_invitation_on_a_phone_in_their_language(
    referrer, live_server, open_page, locale, invited, join
):
    phone = open_page("phone", locale=locale)
    phone.goto(live_server.url(f"/r/{referrer.referral_code}"))
    assert phone.get_by_role("heading", level=1).inner_text() == invited
    check_page(phone, f"referral-landing-{locale}")

    phone.get_by_role("button", name=join).click()
    phone.wait_for_url(re.compile(r"/register\?ref="))
    assert phone.locator("#referral_code").input_value() == referrer.referral_code
    check_page(phone, f"referral-register-{locale}")


def test_an_unknown_invitation_explains_itself_on_a_phone(live_server, phone_page):
    response = phone_page.goto(live_server.url("/r/ZZZZ2222"))
    assert response.status == 404
    phone_page.get_by_role("heading", name="We could not find this invitation").wait_for()
    check_page(phone_page, "referral-unknown")


def test_staff_review_a_held_referral_on_a_phone(
    referrer, create_member, staff, live_server, open_page
):
    from tests.referral_support import refer

    held = refer(create_member(name="Xu Hui"), referrer, device="device-xu-family-tablet1")
    refer(create_member(name="Xu Ping"), referrer, device="device-xu-family-tablet1")
    phone = open_page("phone")
    phone.goto(live_server.url("/login"))
    phone.fill("input[name=email]", staff.email)
    phone.fill("input[name=password]", DEFAULT_PASSWORD)
    phone.locator("main button[type=submit]").click()
    phone.wait_for_url("**/dashboard")

    phone.goto(live_server.url("/admin/referrals"))
    check_page(phone, "admin-referrals")
    phone.get_by_role("link", name="Xu Hui, invited by Lin Mei").click()
    phone.wait_for_url(f"**/admin/referrals/{held.id}")
    check_page(phone, "admin-referral-review")
    phone.get_by_label("Reason").first.fill("Sisters sharing a tablet; both confirmed by phone")
    phone.get_by_role("button", name="Approve the referral").click()
    phone.wait_for_url("**/admin/referrals")
    phone.get_by_text("Referral approved; both members have been told.").wait_for()
