"""A member answers a survey on a phone, with the thumb-sized NPS radio buttons; staff moderate
it on a laptop: the comment masked, approved with htmx in place, revealed and replied to (real
Chromium, axe checks)."""

from __future__ import annotations

import re

import pytest

from portal.extensions import db
from portal.models import AuditEntry, SurveyAnswer
from tests.browser.checks import check_page
from tests.conftest import DEFAULT_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def app_overrides():
    return {"RATELIMIT_ENABLED": False}


def _sign_in(page, live_server, email):
    page.goto(live_server.url("/login"))
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.locator("main button[type=submit]").click()


def test_a_member_answers_a_survey_on_a_phone(
    app, member, staff, create_survey, live_server, phone_page
):
    create_survey(points=50)
    email = member.email
    phone = phone_page
    _sign_in(phone, live_server, email)
    phone.wait_for_url("**/dashboard")
    phone.locator("#survey-prompt a").click()
    phone.wait_for_url(re.compile(r"/surveys/\d+"))
    check_page(phone, "survey-form")
    nine = phone.get_by_role("radio", name="9", exact=True)
    box = phone.locator("label", has=nine).bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= 44
    nine.check()  # a real radio input
    assert nine.is_checked()
    phone.get_by_label("What could we do better?").fill("店员很热情 😊 Call me: 13800138000")
    phone.get_by_label("You may quote my words").check()
    phone.get_by_label("Name to show with the quote").fill("Mei, Shanghai")
    phone.get_by_role("button", name="Send my answer").click()
    phone.get_by_text("Thank you for your answer").wait_for()
    assert "+50" in phone.locator(".big-number").inner_text()
    check_page(phone, "survey-thanks")
    db.session.commit()
    answer = db.session.query(SurveyAnswer).one()
    assert (answer.nps_score, answer.display_name) == (9, "Mei, Shanghai")


def test_staff_moderate_on_a_laptop(
    app, member, staff, create_survey, answer_survey, live_server, laptop_page
):
    answer = answer_survey(member, create_survey(), {1: 3, 2: "<b>Too slow</b>, call 13800138000"})
    answer_id, email = answer.id, staff.email
    db.session.commit()
    laptop = laptop_page
    _sign_in(laptop, live_server, email)
    laptop.wait_for_url("**/dashboard")
    laptop.goto(live_server.url("/admin/moderation"))
    row = laptop.locator(f"#answer-{answer_id}")
    assert "<b>Too slow</b>, call ▇▇▇" in row.locator(".answer-text").inner_text()
    check_page(laptop, "moderation-queue")
    url_before = laptop.url
    row.get_by_role("button", name="Approve").click()
    laptop.locator(f"#answer-{answer_id} .status-chip", has_text="Approved").wait_for()
    assert laptop.url == url_before  # swapped in place, no reload
    laptop.locator(f"#answer-{answer_id}").get_by_role(
        "button", name="Reveal personal data"
    ).click()
    laptop.locator(f"#answer-{answer_id} .revealed").wait_for()
    assert "13800138000" in laptop.locator(f"#answer-{answer_id} .revealed").inner_text()
    laptop.locator(f"#answer-{answer_id}").get_by_role("link", name="Reply").click()
    laptop.get_by_role("textbox", name="Reply to the member").fill(
        "We are sorry; we will call you today."
    )
    laptop.get_by_role("button", name="Send the reply").click()
    laptop.get_by_text("Reply sent to the member.").wait_for()
    check_page(laptop, "moderation-answer")
    db.session.commit()
    stored = db.session.get(SurveyAnswer, answer_id)
    db.session.refresh(stored)
    assert stored.moderation == "approved"
    assert stored.reply == "We are sorry; we will call you today."
    assert db.session.query(AuditEntry).filter_by(action="survey_answer.reveal").count() == 1
