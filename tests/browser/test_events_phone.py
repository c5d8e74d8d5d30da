"""On phones (real Chromium): a member takes the last places, another joins the waitlist after
being told before sending, the first cancels (hx-confirm) and the second is confirmed; at the
door, staff find the member as they type and check them in."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from portal import clock as portal_clock
from portal.extensions import db
from portal.models import EventRsvp, Member, Notification
from tests.browser.checks import check_page
from tests.browser.flows import sign_in_from_start
from tests.conftest import DEFAULT_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def app_overrides():
    return {"RATELIMIT_ENABLED": False}


@pytest.fixture
def salon(app, create_member, create_event):
    first = create_member(name="Ana First", email="ana.first@example.com")
    second = create_member(
        name="Bea Second", email="bea.second@example.com", phone="+86 139 2222 3333"
    )
    staff = create_member(name="Door Staff", email="door.staff@example.com", role="staff")
    # This evening: the door opens 12 hours before the start.
    soon = portal_clock.utcnow() + timedelta(hours=3)
    event = create_event(
        capacity=3,
        max_guests=2,
        attendance_points=200,
        starts_at=soon,
        rsvp_deadline=soon - timedelta(hours=1),
    )
    db.session.commit()
    return event, first, second, staff


def test_rsvp_waitlist_promotion_and_check_in_at_the_door_on_phones(salon, live_server, open_page):
    event, first, second, staff = salon
    event_url = live_server.url(f"/events/{event.id}")

    # Ana takes two of the three places.
    ana = open_page("phone")
    sign_in_from_start(ana, live_server, first.email, DEFAULT_PASSWORD, landing="/events")
    check_page(ana, "events-list")
    ana.get_by_role("link", name="Coloured stones salon").click()
    expect(ana).to_have_url(event_url)
    ana.locator("#guests").fill("1")
    ana.get_by_role("button", name="Reserve my place").click()
    expect(ana.locator(".event-status")).to_have_text("Confirmed with 1 guest")
    check_page(ana, "event-confirmed")

    # Bea is told, before sending, that a party of two would wait.
    bea = open_page("phone")
    sign_in_from_start(
        bea, live_server, second.email, DEFAULT_PASSWORD, landing=f"/events/{event.id}"
    )
    warning = bea.locator(".guests-warning")
    expect(warning).to_be_hidden()
    bea.locator("#guests").fill("1")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("would go on the waitlist")
    bea.locator("#guests").fill("0")
    expect(warning).to_be_hidden()
    bea.locator("#guests").fill("1")
    bea.get_by_role("button", name="Reserve my place").click()
    expect(bea.locator(".event-status")).to_have_text("Waitlist position 1")
    check_page(bea, "event-waitlisted")

    # Ana cancels; the browser asks first (hx-confirm).
    ana.once("dialog", lambda dialog: dialog.accept())
    ana.get_by_role("button", name="Cancel my place").click()
    expect(ana.locator(".event-status")).to_have_text("Cancelled")

    # Bea's party now has the places.
    bea.reload()
    expect(bea.locator(".event-status")).to_have_text("Confirmed with 1 guest")
    db.session.commit()  # a fresh snapshot: the server wrote meanwhile
    db.session.expire_all()
    told = db.session.query(Notification).filter_by(member_id=second.id, kind="event_confirmed")
    assert told.count() == 1

    # At the door: staff find Bea by typing part of her phone number, and check her in.
    door = open_page("phone")
    sign_in_from_start(
        door,
        live_server,
        staff.email,
        DEFAULT_PASSWORD,
        landing=f"/admin/events/{event.id}/checkin",
    )
    door.locator("#q").press_sequentially("2222", delay=40)
    door.wait_for_url(re.compile(r"/checkin\?q=2222"))
    match = door.locator(".door-match", has_text="Bea Second")
    expect(match).to_contain_text("Confirmed")
    check_page(door, "door-search")
    match.get_by_role("button", name="Check in").click()
    answer = door.locator(".door-answer")
    expect(answer).to_contain_text("Admitted")
    expect(answer).to_contain_text("Bea Second")
    expect(answer).to_contain_text("With 1 guest")
    check_page(door, "door-admitted")

    db.session.commit()  # a fresh snapshot: the server wrote meanwhile
    db.session.expire_all()
    assert db.session.query(EventRsvp).filter_by(member_id=second.id).one().status == "checked_in"
    assert db.session.get(Member, second.id).points_balance == 200
    db.session.commit()


def test_cancelling_without_javascript_goes_through_the_confirmation_page(
    salon, live_server, open_page, rsvp
):
    event, first, _second, _staff = salon

    rsvp(first, event)
    db.session.commit()
    page = open_page("phone", java_script_enabled=False)
    page.goto(live_server.url(f"/login?next=/events/{event.id}"))
    page.locator("#email").fill(first.email)
    page.locator("#password").fill(DEFAULT_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.get_by_role("button", name="Cancel my place").click()
    expect(page.get_by_role("heading", name=re.compile("Give up your place"))).to_be_visible()
    page.get_by_role("button", name="Yes, cancel").click()
    expect(page.locator(".event-status")).to_have_text("Cancelled")


def test_staff_add_an_event_and_see_its_guest_list_on_a_laptop(salon, live_server, open_page, rsvp):
    event, first, _second, staff = salon

    rsvp(first, event, guests=1)
    db.session.commit()
    laptop = open_page("laptop")
    sign_in_from_start(laptop, live_server, staff.email, DEFAULT_PASSWORD, landing="/admin/events")
    check_page(laptop, "admin-events")
    laptop.get_by_role("button", name="Add an event").click()
    laptop.locator("#title").fill("Pearl-knotting workshop")
    laptop.locator("#kind").select_option("workshop")
    laptop.locator("#location").fill("Hangzhou Tower boutique")
    laptop.locator("#starts_at").fill("2027-03-05T14:00")
    laptop.locator("#ends_at").fill("2027-03-05T16:00")
    laptop.locator("#rsvp_deadline").fill("2027-03-04T12:00")
    laptop.locator("#capacity").fill("12")
    check_page(laptop, "admin-event-new")
    laptop.get_by_role("button", name="Save the event").click()
    expect(laptop.get_by_role("heading", name="Pearl-knotting workshop", level=1)).to_be_visible()
    expect(laptop.locator("#starts_at")).to_have_value("2027-03-05T14:00")

    laptop.goto(live_server.url(f"/admin/events/{event.id}"))
    row = laptop.locator("tr", has_text="Ana First")
    expect(row).to_contain_text("Confirmed")
    check_page(laptop, "admin-event-guests")
