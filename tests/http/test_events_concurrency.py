"""Concurrent answers for the last places of an event, and the same check-in from two phones at
once, against a live threaded server: never more people than the capacity, one check-in and one
credit. Runs on the suite's database (SQLite by default, PostgreSQL with DATABASE_URL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import EventRsvp, LedgerEntry, Member
from portal.services.events.allocation import places_taken
from tests.conftest import csrf_token_from, served
from tests.http.test_rewards_concurrency import THREADS, Browser, _fire_together, _settle


@pytest.fixture
def app_overrides():
    return {"RATELIMIT_ENABLED": False}


@pytest.fixture
def live_server(app):
    """The test's app served by a threaded werkzeug server: "127.0.0.1:<port>"."""
    with served(app) as base_url:
        yield base_url.removeprefix("http://")


def _signed_in(live_server, email: str, page: str) -> tuple[Browser, str]:
    browser = Browser(live_server)
    browser.sign_in(email)
    status, _location, html = browser.request("GET", page)
    assert status == 200, html[:300]
    return browser, csrf_token_from(html)


def test_many_members_for_the_last_places_never_overbook(
    app, live_server, create_member, create_event
):
    # 3 places; each of 8 members asks for a party of 2: one fits, then one place is left that
    # no party of 2 fits.
    event = create_event(capacity=3, max_guests=2)
    event_id = event.id
    emails = [create_member().email for _ in range(THREADS)]
    _settle()
    calls = []
    for email in emails:
        browser, token = _signed_in(live_server, email, f"/events/{event_id}")
        form = {"csrf_token": token, "guests": "1"}
        calls.append(lambda b=browser, f=form: b.request("POST", f"/events/{event_id}/rsvp", f))

    results = _fire_together(calls)

    assert {status for status, _location, _page in results} == {303}
    db.session.expire_all()
    rows = db.session.scalars(select(EventRsvp).where(EventRsvp.event_id == event_id)).all()
    assert sorted(r.status for r in rows) == ["confirmed"] + ["waitlisted"] * (THREADS - 1)
    assert places_taken(db.session.get(type(event), event_id)) == 2


def test_single_places_fill_exactly_to_the_capacity(app, live_server, create_member, create_event):
    event = create_event(capacity=3, max_guests=0)
    event_id = event.id
    emails = [create_member().email for _ in range(THREADS)]
    _settle()
    calls = []
    for email in emails:
        browser, token = _signed_in(live_server, email, f"/events/{event_id}")
        form = {"csrf_token": token, "guests": "0"}
        calls.append(lambda b=browser, f=form: b.request("POST", f"/events/{event_id}/rsvp", f))

    _fire_together(calls)

    db.session.expire_all()
    confirmed = db.session.scalar(
        select(func.count(EventRsvp.id)).where(
            EventRsvp.event_id == event_id, EventRsvp.status == "confirmed"
        )
    )
    waiting = db.session.scalar(
        select(func.count(EventRsvp.id)).where(
            EventRsvp.event_id == event_id, EventRsvp.status == "waitlisted"
        )
    )
    assert (confirmed, waiting) == (3, THREADS - 3)


def test_the_same_check_in_from_phones_at_once_admits_once_and_credits_once(
    app, live_server, create_member, member, create_event, rsvp, clock
):
    event = create_event(attendance_points=300)
    party = rsvp(member, event, guests=1)
    clock.set(event.starts_at - timedelta(minutes=5))  # the door is open
    event_id, party_id, member_id = event.id, party.id, member.id
    staff_emails = [create_member(role="staff").email for _ in range(THREADS)]
    _settle()
    calls = []
    for email in staff_emails:
        browser, token = _signed_in(live_server, email, f"/admin/events/{event_id}/checkin")
        calls.append(
            lambda b=browser, t=token: b.request(
                "POST", f"/admin/events/{event_id}/checkin/{party_id}", {"csrf_token": t}
            )
        )

    results = _fire_together(calls)

    assert {status for status, _location, _page in results} == {303}
    answers = sorted(location.split("answer=")[1].split("&")[0] for _s, location, _p in results)
    assert answers == ["admitted"] + ["already_checked_in"] * (THREADS - 1)
    db.session.expire_all()
    credits = db.session.scalars(
        select(LedgerEntry.points).where(
            LedgerEntry.member_id == member_id, LedgerEntry.event_id == event_id
        )
    ).all()
    assert credits == [300]
    assert db.session.get(Member, member_id).points_balance == 300
