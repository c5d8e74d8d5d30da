"""A member changes their communication choices on a phone: opts in to members' news, adds an
anniversary, and sees both saved (real Chromium at 390x844; axe finds no serious problem)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Member, SpecialDate
from tests.browser.checks import check_page
from tests.browser.flows import sign_in_from_start
from tests.conftest import DEFAULT_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def app_overrides():
    return {"RATELIMIT_ENABLED": False}


def test_a_member_opts_in_and_adds_an_anniversary_on_a_phone(
    create_member, live_server, phone_page
):
    member = create_member(name="Lin Mei", email="lin.mei@example.com")
    page = phone_page
    sign_in_from_start(page, live_server, member.email, DEFAULT_PASSWORD)
    page.goto(live_server.url("/account#communication"))
    opt_in = page.get_by_label("Send me news of launches, salons and members' offers")
    assert not opt_in.is_checked()
    check_page(page, "account preferences")
    box = page.locator("label[for=marketing_opt_in]").bounding_box()
    assert box is not None and box["height"] >= 44
    opt_in.check()
    page.get_by_role("button", name="Save my choices").click()
    page.get_by_text("Your choices are saved.").wait_for()
    assert page.get_by_label("Send me news of launches, salons and members' offers").is_checked()
    page.get_by_text("You agreed on").wait_for()

    dates = page.locator("#special-dates")
    dates.get_by_label("Month").select_option("5")
    dates.get_by_label("Day").fill("20")
    dates.get_by_label("What it is (optional)").fill("Wedding anniversary")
    dates.get_by_role("button", name="Add the date").click()
    page.get_by_text("The date is saved.").wait_for()
    saved = page.locator("ul.special-date-list li")
    assert saved.count() == 1
    assert "Wedding anniversary" in saved.inner_text() and "May 20" in saved.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    db.session.expire_all()
    stored = db.session.get(Member, member.id)
    assert stored.marketing_opt_in and stored.marketing_consent_at is not None
    assert db.session.scalars(select(SpecialDate.label)).all() == ["Wedding anniversary"]
