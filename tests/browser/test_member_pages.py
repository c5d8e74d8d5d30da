"""The signed-in member's pages, boosted navigation, htmx's CSRF header, the language switch,
the staff home and the error pages, at phone and laptop size."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.services.messaging.notifications import notify_member
from tests.browser.checks import check_page, size_of
from tests.browser.flows import (
    csrf_meta,
    mark_document,
    menu,
    sign_in,
    sign_in_from_start,
    still_same_document,
)
from tests.conftest import DEFAULT_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def active_member(live_server, member, create_purchase, give_points):
    """Lin Mei with some points and an unread notification, so the pages have content."""
    create_purchase(member, "1280.00", store="Shanghai IFC")  # 1,280 points at Member
    give_points(member, 200, reason="Welcome to the club")
    notify_member(
        member,
        "tier",
        title="You are 3 purchases from Silver",
        body="Spend ¥2,400 more before 15 June 2027 to reach Silver.",
        link=("member.dashboard", {}),
        email=False,
    )
    db.session.commit()
    return member


def test_member_pages_navigate_by_boosted_links(page, live_server, active_member):
    sign_in_from_start(page, live_server, active_member.email, DEFAULT_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Lin")
    expect(page.locator(".big-number")).to_have_text("1,480")
    check_page(page, "dashboard")

    # hx-boost: the page is swapped in place (the document survives) and the URL follows.
    mark_document(page)
    menu(page).get_by_role("link", name="Account").click()
    expect(page).to_have_url(live_server.url("/account"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    assert still_same_document(page), "following a menu link reloaded the whole page"
    expect(page).to_have_title(re.compile("^Your account"))
    check_page(page, "account")

    page.get_by_role("link", name=re.compile(r"^Notifications, 1 unread")).click()
    expect(page).to_have_url(live_server.url("/notifications"))
    # Service messages come under their own heading, each message titled below it.
    expect(page.get_by_role("heading", level=2)).to_have_text("Your account, points and bookings")
    expect(page.get_by_role("heading", name="You are 3 purchases from Silver")).to_be_visible()
    assert still_same_document(page)
    check_page(page, "notifications")

    page.go_back()
    expect(page).to_have_url(live_server.url("/account"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")


def test_htmx_requests_carry_the_csrf_token_header(page, live_server, member):
    sign_in_from_start(page, live_server, member.email, DEFAULT_PASSWORD, landing="/account")
    profile = page.locator("form[action$='/account/profile']")
    # Without the form's own token field, only the X-CSRFToken header can get the save through.
    profile.locator("input[name=csrf_token]").evaluate("field => field.remove()")
    profile.locator("#name").fill("Lin Mei-Ling")
    # The token is timestamped, so it is read from the page the request is sent from.
    token = csrf_meta(page)
    with page.expect_request(
        lambda request: request.method == "POST" and request.url.endswith("/account/profile")
    ) as sent:
        profile.get_by_role("button", name="Save my details").click()
    headers = sent.value.headers
    assert headers.get("hx-request") == "true"
    assert headers.get("x-csrftoken") == token
    expect(page.locator("#flash-area")).to_contain_text("Your details are saved.")
    expect(page.locator("#name")).to_have_value("Lin Mei-Ling")


def test_chinese_is_remembered_across_pages_and_devices(page, live_server, member, open_page):
    page.goto(live_server.url("/login"))
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "en")
    switch = page.locator("footer .language-switch")
    switch.get_by_role("button", name="简体中文").click()
    expect(html).to_have_attribute("lang", "zh-Hans")
    expect(page).to_have_url(live_server.url("/login"))
    expect(switch.locator("button[aria-pressed=true]")).to_have_text("简体中文")
    check_page(page, "login-chinese")

    page.goto(live_server.url("/register"))
    expect(html).to_have_attribute("lang", "zh-Hans")
    page.goto(live_server.url("/login"))
    sign_in(page, member.email, DEFAULT_PASSWORD)
    expect(page).to_have_url(live_server.url("/dashboard"))
    expect(html).to_have_attribute("lang", "zh-Hans")
    expect(switch.locator("button[aria-pressed=true]")).to_have_text("简体中文")
    check_page(page, "dashboard-chinese")

    # The choice is kept on the account: another device signs in to Chinese pages.
    other = open_page("laptop")
    other.goto(live_server.url("/login"))
    expect(other.locator("html")).to_have_attribute("lang", "en")
    sign_in(other, member.email, DEFAULT_PASSWORD)
    expect(other).to_have_url(live_server.url("/dashboard"))
    expect(other.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(other.locator("footer button[aria-pressed=true]")).to_have_text("简体中文")


def test_staff_home_and_error_pages(page, live_server, staff, member, open_page):
    sign_in_from_start(page, live_server, staff.email, DEFAULT_PASSWORD, landing="/admin/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Programme at a glance")
    check_page(page, "admin-home")

    response = page.goto(live_server.url("/no-such-page"))
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("We could not find that page")
    check_page(page, "error-404")

    member_page = open_page(size_of(page))
    sign_in_from_start(member_page, live_server, member.email, DEFAULT_PASSWORD)
    response = member_page.goto(live_server.url("/admin/"))
    assert response.status == 403
    expect(member_page.get_by_role("heading", level=1)).to_have_text("This page is not for you")
    check_page(member_page, "error-403")
