"""Signed-in sessions end by themselves, and members see and end theirs on /account."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import LoginSession
from tests.conftest import DEFAULT_PASSWORD, form_post

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)
WINDOWS_CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


def browser(app, address="198.51.100.10", user_agent=WINDOWS_CHROME):
    client = app.test_client()
    client.environ_base.update({"REMOTE_ADDR": address, "HTTP_USER_AGENT": user_agent})
    return client


def sign_in(client, person):
    response = form_post(client, "/login", {"email": person.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 303
    return response


def signed_in(client, path="/dashboard") -> bool:
    response = client.get(path)
    assert response.status_code in (200, 302)
    return response.status_code == 200


def test_a_members_session_ends_after_30_days_unused(app, member, clock):
    phone = browser(app)
    sign_in(phone, member)
    clock.advance(days=30, minutes=-1)
    assert signed_in(phone)  # used a minute before the end: 30 more days from now
    clock.advance(days=30, minutes=-1)
    assert signed_in(phone)
    clock.advance(days=30)
    response = phone.get("/dashboard")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2Fdashboard"
    page = phone.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your session has ended. Please sign in again." in page


def test_a_members_session_ends_180_days_after_signing_in_however_used(app, member, clock):
    phone = browser(app)
    sign_in(phone, member)
    for _ in range(6):  # used every 29 days: 174 days
        clock.advance(days=29)
        assert signed_in(phone)
    clock.advance(days=6, minutes=-1)  # 180 days less a minute
    assert signed_in(phone)
    clock.advance(minutes=1)  # 180 days
    assert not signed_in(phone)


def test_staff_sessions_end_after_30_minutes_unused_and_12_hours_at_most(app, staff, clock):
    desk = browser(app)
    sign_in(desk, staff)
    for _ in range(24):  # used every 29 minutes: 11 h 36 min after signing in
        clock.advance(minutes=29)
        assert signed_in(desk, "/admin/")
    clock.advance(minutes=23)  # 12 hours less a minute
    assert signed_in(desk, "/admin/")
    clock.advance(minutes=1)  # 12 hours
    assert not signed_in(desk, "/admin/")

    sign_in(desk, staff)
    clock.advance(minutes=30)
    assert not signed_in(desk, "/admin/")


def test_staff_cookies_end_with_the_browser_and_members_cookies_outlive_it(app, member, staff):
    member_cookie = sign_in(browser(app), member).headers.getlist("Set-Cookie")
    staff_cookie = sign_in(browser(app), staff).headers.getlist("Set-Cookie")
    session_cookie = [c for c in member_cookie if c.startswith("portal_session=")][0]
    assert "Expires=" in session_cookie
    session_cookie = [c for c in staff_cookie if c.startswith("portal_session=")][0]
    assert "Expires=" not in session_cookie


def test_lifetimes_are_programme_settings(app, member, clock):
    from portal.services.programme.settings import update_setting

    update_setting("member_session_idle_days", 2)
    db.session.commit()
    phone = browser(app)
    sign_in(phone, member)
    clock.advance(days=2, minutes=-1)
    assert signed_in(phone)
    clock.advance(days=2)
    assert not signed_in(phone)


def test_last_use_is_written_at_most_once_a_minute(app, member, clock):
    phone = browser(app, address="198.51.100.10")
    sign_in(phone, member)
    started = clock.now()
    phone.environ_base["REMOTE_ADDR"] = "198.51.100.99"
    clock.advance(seconds=59)
    assert signed_in(phone)
    row = db.session.scalar(select(LoginSession))
    assert row.last_seen_at == started
    assert row.ip_address == "198.51.100.10"
    clock.advance(seconds=1)
    assert signed_in(phone)
    db.session.refresh(row)
    assert row.last_seen_at == started + timedelta(seconds=60)
    assert row.ip_address == "198.51.100.99"


def test_the_account_page_lists_the_sessions_and_signs_one_out(app, member):
    phone = browser(app, address="203.0.113.8", user_agent=IPHONE)
    laptop = browser(app, address="198.51.100.10", user_agent=WINDOWS_CHROME)
    sign_in(phone, member)
    sign_in(laptop, member)
    page = laptop.get("/account").get_data(as_text=True)
    assert "Where you are signed in" in page
    assert "Safari on iPhone" in page and "From 203.0.113.8" in page
    assert "Chrome on Windows" in page and "This device" in page
    phone_session = db.session.scalar(
        select(LoginSession).where(LoginSession.ip_address == "203.0.113.8")
    )
    response = form_post(laptop, f"/account/sessions/{phone_session.id}/end", token_from="/account")
    assert response.status_code == 303
    assert response.headers["Location"] == "/account#sessions"
    assert "That device is signed out." in laptop.get("/account").get_data(as_text=True)
    assert signed_in(laptop)
    answer = phone.get("/card")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/login")
    assert "Safari on iPhone" not in laptop.get("/account").get_data(as_text=True)


def test_sign_out_all_other_devices(app, member):
    devices = [browser(app, address=f"203.0.113.{n}") for n in range(1, 4)]
    for device in devices:
        sign_in(device, member)
    response = form_post(devices[0], "/account/sessions/end-others", token_from="/account")
    assert response.status_code == 303
    assert "2 other devices are signed out." in devices[0].get("/account").get_data(as_text=True)
    assert [signed_in(d) for d in devices] == [True, False, False]


def test_another_members_session_is_not_found(app, member, create_member):
    other = create_member()
    theirs = browser(app)
    sign_in(theirs, other)
    their_session = db.session.scalar(
        select(LoginSession).where(LoginSession.member_id == other.id)
    )
    mine = browser(app)
    sign_in(mine, member)
    response = form_post(mine, f"/account/sessions/{their_session.id}/end", token_from="/account")
    assert response.status_code == 404
    assert signed_in(theirs)


def test_an_htmx_request_after_the_session_ended_redirects_the_whole_page(app, member):
    phone = browser(app)
    sign_in(phone, member)
    laptop = browser(app)
    sign_in(laptop, member)
    form_post(laptop, "/account/sessions/end-others", token_from="/account")
    response = phone.get("/purchases", headers={"HX-Request": "true", "HX-Target": "history"})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/login?next=%2Fpurchases"


def test_run_jobs_forgets_sessions_that_ended_long_ago(app, member, clock, runner):
    old, recent = browser(app), browser(app)
    sign_in(old, member)
    form_post(old, "/logout", token_from="/dashboard")
    clock.advance(days=31)
    sign_in(recent, member)
    form_post(recent, "/logout", token_from="/dashboard")
    result = runner.invoke(args=["run-jobs"])
    assert "forget-ended-sessions: 1" in result.output
    assert db.session.scalar(select(func.count(LoginSession.id))) == 1
