"""Staff run a member's account in a real browser: search as you type, the member's 360° tabs
loading in place (and each a page of its own), and a points adjustment over the staff limit
that an admin then approves (real Chromium, phone and laptop, axe checks)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.models import Member, PointsAdjustmentRequest
from tests.browser.checks import check_page
from tests.browser.flows import mark_document, still_same_document
from tests.conftest import DEFAULT_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def app_overrides():
    return {"RATELIMIT_ENABLED": False}


def _sign_in(page, live_server, email):
    page.goto(live_server.url("/login?next=/admin/"))
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(live_server.url("/admin/"))


def _sign_out(page):
    page.locator("form[action$='/logout'] button").click()
    page.wait_for_url(re.compile(r"/login$"))


@pytest.fixture
def lin(create_member, create_purchase, clock):
    member = create_member(name="Lin Mei", email="lin.mei@example.com", phone="+86 138 0013 8000")
    create_purchase(member, amount="2400.00", receipt_no="SH01-BROWSER-0001")
    create_member(name="Wang Fang", email="wang.fang@example.com")
    return member


def test_staff_find_a_member_and_open_the_tabs(lin, staff, live_server, page):
    _sign_in(page, live_server, staff.email)
    page.goto(live_server.url("/admin/members"))
    check_page(page, "admin-members")
    mark_document(page)
    page.get_by_label("Name, email, card number or phone").fill("138 0013 8000")
    expect(page).to_have_url(re.compile(r"q=138"))
    results = page.locator("#member-results")
    expect(results.get_by_text("Lin Mei")).to_be_visible()
    expect(results.get_by_text("Wang Fang")).to_have_count(0)
    assert still_same_document(page)  # the results came in place

    results.get_by_text("Lin Mei").click()
    page.wait_for_url(f"**/admin/members/{lin.id}")
    check_page(page, "admin-member-profile")
    tabs = page.locator("nav.member-tabs")
    expect(tabs.locator("[aria-current=page]")).to_have_text("Profile")
    mark_document(page)
    for label, slug, shows in [
        ("Points", "ledger", "+2,400"),
        ("Purchases", "purchases", "SH01-BROWSER-0001"),
        ("Tier history", "tiers", "No tier changes yet."),
        ("Notes", "notes", "No notes yet."),
    ]:
        tabs.get_by_role("link", name=label, exact=True).click()
        page.wait_for_url(f"**/admin/members/{lin.id}/{slug}")
        expect(page.locator("#member-tab").get_by_text(shows).first).to_be_visible()
        expect(tabs.locator("[aria-current=page]")).to_have_text(label)
        assert still_same_document(page), label  # a fragment, not a new page
    check_page(page, "admin-member-notes")
    page.get_by_label("Note").fill("Prefers a call after 6 pm.")
    page.get_by_role("button", name="Add the note").click()
    expect(page.locator("#member-tab").get_by_text("Prefers a call after 6 pm.")).to_be_visible()
    # Each tab is a page of its own: a reload shows the same tab.
    page.reload()
    expect(page.locator("nav.member-tabs [aria-current=page]")).to_have_text("Notes")


def test_an_adjustment_over_the_staff_limit_waits_for_an_admin(
    lin, staff, admin, live_server, open_page
):
    phone = open_page("phone")
    _sign_in(phone, live_server, staff.email)
    phone.goto(live_server.url(f"/admin/members/{lin.id}"))
    phone.locator("#points").fill("1200")
    phone.locator("#points-reason").fill("Anniversary gift from the store manager")
    phone.get_by_role("button", name="Adjust the points").click()
    expect(phone.get_by_text("waits for an admin's approval")).to_be_visible()
    expect(phone.get_by_text("Adjustments waiting for an admin")).to_be_visible()
    check_page(phone, "admin-member-request-waiting")
    db.session.commit()
    assert db.session.get(Member, lin.id).points_balance == 2400
    _sign_out(phone)

    laptop = open_page("laptop")
    _sign_in(laptop, live_server, admin.email)
    approvals = laptop.locator("nav.admin-nav").get_by_role("link", name=re.compile("Approvals"))
    expect(approvals).to_contain_text("1")
    approvals.click()
    laptop.wait_for_url("**/admin/approvals")
    check_page(laptop, "admin-approvals")
    request_card = laptop.locator("ul.approval-list > li", has_text="Lin Mei")
    expect(request_card).to_contain_text("Anniversary gift from the store manager")
    request_card.get_by_label("Note for the requester").fill("Agreed with the manager")
    request_card.get_by_role("button", name="Approve").click()
    expect(laptop.get_by_text("Approved: 1,200 points for Lin Mei.")).to_be_visible()
    expect(laptop.get_by_text("Nothing waits for approval.")).to_be_visible()
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Member, lin.id).points_balance == 3600
    assert db.session.query(PointsAdjustmentRequest).one().status == "approved"
    db.session.commit()
    laptop.goto(live_server.url(f"/admin/members/{lin.id}/ledger"))
    expect(laptop.locator("#member-tab")).to_contain_text("+1,200")
