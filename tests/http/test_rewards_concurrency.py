"""Concurrent redemptions against a live, threaded server: the last item of a reward and the
last points of a member can be spent once, whatever arrives at the same moment.

Runs on the suite's database: a SQLite file by default, PostgreSQL with DATABASE_URL.
"""

from __future__ import annotations

import http.client
import re
import threading
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Member, Redemption, Reward
from portal.services.points.ledger import ledger_sum
from tests.conftest import DEFAULT_PASSWORD, csrf_token_from, idempotency_key_in, served

THREADS = 8
HTTP_TIMEOUT = 45


@pytest.fixture
def app_overrides():
    # Many sign-ins from one address in a second are the test, not an attack.
    return {"RATELIMIT_ENABLED": False}


@pytest.fixture
def live_server(app):
    """The test's app served by a threaded werkzeug server: "127.0.0.1:<port>"."""
    with served(app) as base_url:
        yield base_url.removeprefix("http://")


class Browser:
    """One browser (one cookie jar) talking to the live server over real HTTP."""

    def __init__(self, host: str):
        self.host = host
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None):
        connection = http.client.HTTPConnection(self.host, timeout=HTTP_TIMEOUT)
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode()
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name] = rest.split(";", 1)[0]
            return response.status, response.getheader("Location"), text
        finally:
            connection.close()

    def sign_in(self, email: str) -> None:
        _status, _location, page = self.request("GET", "/login")
        status, _location, _page = self.request(
            "POST",
            "/login",
            {"csrf_token": csrf_token_from(page), "email": email, "password": DEFAULT_PASSWORD},
        )
        assert status == 303

    def open_confirmation(self, reward_id: int) -> dict:
        status, _location, page = self.request("GET", f"/rewards/{reward_id}/redeem")
        assert status == 200, page[:500]
        return {"csrf_token": csrf_token_from(page), "idempotency_key": idempotency_key_in(page)}


def _settle() -> None:
    """End the test's own transaction: on SQLite it would hold the write lock (commands and
    tests begin IMMEDIATE) and the server's requests would wait for it."""
    db.session.commit()


def _fire_together(calls):
    """Run the calls from THREADS threads, released at the same moment by a barrier."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait(timeout=30)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def _counts(reward_id: int) -> tuple[int, int | None]:
    db.session.expire_all()
    redemptions = db.session.scalar(
        select(func.count(Redemption.id)).where(Redemption.reward_id == reward_id)
    )
    return redemptions, db.session.get(Reward, reward_id).stock


def test_many_members_for_the_last_item_get_exactly_one_voucher(
    app, live_server, create_member, create_reward, give_points
):
    reward_id = create_reward(name="Private viewing", points_cost=500, stock=1).id
    members = [create_member() for _ in range(THREADS)]
    for member in members:
        give_points(member, 1000)
    emails = [member.email for member in members]
    _settle()
    browsers = []
    forms = []
    for email in emails:
        browser = Browser(live_server)
        browser.sign_in(email)
        forms.append(browser.open_confirmation(reward_id))
        browsers.append(browser)

    results = _fire_together(
        [
            (lambda b=b, f=f: b.request("POST", f"/rewards/{reward_id}/redeem", f))
            for b, f in zip(browsers, forms, strict=True)
        ]
    )

    statuses = sorted(status for status, _location, _page in results)
    assert statuses == [303] + [409] * (THREADS - 1), statuses
    refused = [page for status, _location, page in results if status == 409]
    assert all("This reward is out of stock." in page for page in refused)
    assert _counts(reward_id) == (1, 0)
    balances = sorted(db.session.get(Member, m.id).points_balance for m in members)
    assert balances == [500] + [1000] * (THREADS - 1)
    for member in members:
        assert db.session.get(Member, member.id).points_balance == ledger_sum(member)


def test_a_members_last_points_are_spent_once_from_many_tabs(
    app, live_server, member, create_reward, give_points
):
    reward_id = create_reward(name="Silk pouch", points_cost=300, stock=None).id
    give_points(member, 300)
    email = member.email
    _settle()
    browser = Browser(live_server)
    browser.sign_in(email)
    # Many tabs of one signed-in browser, each with its own confirmation form.
    forms = [browser.open_confirmation(reward_id) for _ in range(THREADS)]

    results = _fire_together(
        [(lambda f=f: browser.request("POST", f"/rewards/{reward_id}/redeem", f)) for f in forms]
    )

    statuses = sorted(status for status, _location, _page in results)
    assert statuses == [303] + [409] * (THREADS - 1), statuses
    assert _counts(reward_id) == (1, None)
    member = db.session.get(Member, member.id)
    assert member.points_balance == 0 == ledger_sum(member)


def test_a_double_tap_of_one_form_gives_one_voucher(
    app, live_server, member, create_reward, give_points
):
    reward_id = create_reward(name="Gift wrapping", points_cost=100, stock=5).id
    give_points(member, 1000)
    email = member.email
    _settle()
    browser = Browser(live_server)
    browser.sign_in(email)
    form = browser.open_confirmation(reward_id)

    results = _fire_together(
        [
            (lambda: browser.request("POST", f"/rewards/{reward_id}/redeem", form))
            for _ in range(THREADS)
        ]
    )

    assert {status for status, _location, _page in results} == {303}
    locations = {location for _status, location, _page in results}
    assert len(locations) == 1 and re.fullmatch(r"/redemptions/\d+", locations.pop())
    assert _counts(reward_id) == (1, 4)
    assert db.session.get(Member, member.id).points_balance == 900


def test_many_members_redeem_a_small_stock_without_overselling(
    app, live_server, create_member, create_reward, give_points
):
    reward_id = create_reward(name="Afternoon tea", points_cost=200, stock=3).id
    members = [create_member() for _ in range(THREADS)]
    for member in members:
        give_points(member, 200)
    emails = [member.email for member in members]
    _settle()
    calls = []
    for email in emails:
        browser = Browser(live_server)
        browser.sign_in(email)
        form = browser.open_confirmation(reward_id)
        calls.append(lambda b=browser, f=form: b.request("POST", f"/rewards/{reward_id}/redeem", f))

    results = _fire_together(calls)

    assert sorted(status for status, _l, _p in results) == [303] * 3 + [409] * (THREADS - 3)
    assert _counts(reward_id) == (3, 0)
    spent = [m for m in members if db.session.get(Member, m.id).points_balance == 0]
    assert len(spent) == 3
    assert all(db.session.get(Member, m.id).points_balance >= 0 for m in members)
