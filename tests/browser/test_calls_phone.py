"""On a phone (real Chromium): staff work through the day's return-visit calls: open the list,
see the tap-to-call link, record "no answer" for one call, "reached" with a note for another,
and reschedule a third."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal import clock as portal_clock
from portal.extensions import db
from portal.models import ReturnCall
from portal.services.engagement.call_rules import schedule_calls
from portal.services.programme.local_time import local_date
from tests.browser.checks import check_page
from tests.browser.flows import sign_in_from_start
from tests.conftest import DEFAULT_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def app_overrides():
    return {"RATELIMIT_ENABLED": False}


@pytest.fixture
def call_day(app, create_member, create_purchase):
    now = portal_clock.utcnow()
    people = [
        ("Amy Thank", "13800138001", "15000.00", 7),
        ("Bo Courtesy", "13800138002", "300.00", 20),
        ("Cai Overdue", "13800138003", "12000.00", 9),
    ]
    members = {}
    for name, phone, amount, days_ago in people:
        member = create_member(name=name, phone=phone)
        create_purchase(member, amount, purchased_at=now - timedelta(days=days_ago))
        members[name] = member
    staff = create_member(name="Call Staff", email="call.staff@example.com", role="staff")
    schedule_calls()
    db.session.commit()
    return members, staff


def card(page, name):
    return page.locator(".call-card", has=page.get_by_role("heading", name=name))


def call_of(member) -> ReturnCall:
    db.session.rollback()  # a new transaction sees what the server committed since
    return db.session.scalars(
        select(ReturnCall).where(ReturnCall.member_id == member.id).order_by(ReturnCall.due_on)
    ).first()


def test_staff_work_through_the_call_list_on_a_phone(call_day, live_server, open_page):
    members, staff = call_day
    page = open_page("phone")
    sign_in_from_start(page, live_server, staff.email, DEFAULT_PASSWORD, landing="/admin/calls")
    expect(page.get_by_role("heading", name="Return-visit calls")).to_be_visible()
    expect(page.locator(".call-card")).to_have_count(3)
    check_page(page, "calls-list")

    amy = card(page, "Amy Thank")
    expect(amy.get_by_role("link", name="Call +86 138 0013 8001")).to_have_attribute(
        "href", "tel:+8613800138001"
    )
    expect(amy).to_contain_text("Thank-you call")
    expect(card(page, "Cai Overdue")).to_contain_text("Overdue by 2 days")

    amy.get_by_role("button", name="No answer").click()
    expect(page.get_by_text("Amy Thank: no answer, recorded.")).to_be_visible()
    expect(page.locator(".call-card")).to_have_count(2)
    assert call_of(members["Amy Thank"]).outcome == "no_answer"

    bo = card(page, "Bo Courtesy")
    bo.get_by_label("Note").fill("Happy with the service; wants the autumn invitation")
    bo.get_by_role("button", name="Reached").click()
    expect(page.get_by_text("Bo Courtesy: reached, recorded.")).to_be_visible()
    call = call_of(members["Bo Courtesy"])
    assert (call.outcome, call.note) == (
        "reached",
        "Happy with the service; wants the autumn invitation",
    )

    cai = card(page, "Cai Overdue")
    cai.get_by_text("Call back later").click()
    later = local_date(portal_clock.utcnow()) + timedelta(days=3)
    cai.get_by_label("Call back on").fill(later.isoformat())
    cai.get_by_role("button", name="Call back on that day").click()
    expect(page.get_by_text("Cai Overdue: call back on the day you chose.")).to_be_visible()
    expect(page.locator(".call-card")).to_have_count(0)
    assert call_of(members["Cai Overdue"]).due_on == later
    check_page(page, "calls-done")


def test_do_not_call_asks_first(call_day, live_server, open_page):
    members, staff = call_day
    page = open_page("phone")
    sign_in_from_start(page, live_server, staff.email, DEFAULT_PASSWORD, landing="/admin/calls")
    asked = []

    def answer(dialog):
        asked.append(dialog.message)
        dialog.dismiss() if len(asked) == 1 else dialog.accept()

    page.on("dialog", answer)
    bo = card(page, "Bo Courtesy")
    bo.get_by_role("button", name="Do not call").click()
    expect(page.locator(".call-card")).to_have_count(3)
    assert call_of(members["Bo Courtesy"]).status == "open"
    bo.get_by_role("button", name="Do not call").click()
    expect(page.get_by_text("Bo Courtesy will not be called again.")).to_be_visible()
    expect(page.locator(".call-card")).to_have_count(2)
    assert asked[0].startswith("Bo Courtesy asked not to be called")
