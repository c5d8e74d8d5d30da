"""Staff read the programme's figures in a real browser: the KPI page's panels with a chart and
its table each, a period chosen from the presets and as a custom range, a range refused with a
message beside the field, and the CSV links of the same period (real Chromium, phone and laptop,
axe checks)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from tests.browser.checks import check_page
from tests.conftest import DEFAULT_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def app_overrides():
    return {"RATELIMIT_ENABLED": False}


@pytest.fixture
def programme(create_member, create_purchase, clock):
    lin = create_member(name="Lin Mei", email="lin.mei@example.com")
    create_purchase(lin, amount="2400.00", receipt_no="SH01-KPI-0001")
    create_purchase(lin, amount="600.00", receipt_no="SH01-KPI-0002")
    wang = create_member(name="Wang Fang", email="wang.fang@example.com")
    create_purchase(wang, amount="150.00", receipt_no="SH01-KPI-0003")
    return lin, wang


def test_staff_read_the_kpis_for_a_period(programme, staff, live_server, page):
    page.goto(live_server.url("/login?next=/admin/"))
    page.fill("input[name=email]", staff.email)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(live_server.url("/admin/"))
    check_page(page, "admin-kpis")

    members = page.locator("section", has=page.get_by_role("heading", name="Members", exact=True))
    expect(members.locator("svg").first).to_be_visible()
    # Two members joined and both bought; one of them twice: a repeat-purchase rate of 50 %.
    expect(members.locator("table")).to_contain_text("Members joined")
    expect(members.locator("table")).to_contain_text("50")
    points = page.locator("section", has=page.get_by_role("heading", name="Points", exact=True))
    expect(points.locator("table")).to_contain_text("3,150")  # 2,400 + 600 + 150 points issued

    page.get_by_role("link", name="Last 365 days").click()
    page.wait_for_url(re.compile(r"period=365"))
    expect(page.get_by_role("link", name="Last 365 days")).to_have_attribute("aria-current", "true")
    csv_link = page.get_by_role("link", name="Download every figure (CSV)")
    query = parse_qs(urlparse(csv_link.get_attribute("href")).query)
    assert query["from"] and query["to"] and query["from"][0] < query["to"][0]

    page.fill("#period-from", "2026-12-01")
    page.fill("#period-to", "2026-11-01")
    page.get_by_role("button", name="Show", exact=True).click()
    expect(page.get_by_text("The last day cannot be before the first day.")).to_be_visible()
    expect(page.locator("#period-to")).to_have_attribute("aria-invalid", "true")
    check_page(page, "admin-kpis-refused")
