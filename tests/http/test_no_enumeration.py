"""Registration and password reset answer the same, in the same time, whether or not the email
has an account: the two paths are timed on a live server, interleaved, with production's
password hashing."""

from __future__ import annotations

import http.client
import random
import re
import statistics
import time
import uuid
from urllib.parse import urlencode, urlsplit

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Member, OutboxMessage
from tests.conftest import CSRF_META, served

SAMPLES = 24
WARM_UP = 3
# "Not measurably different", judged by ranks so that the load of a shared 2-core machine
# (which makes single answers many times slower now and then) cannot decide it: within each
# round the two paths run back to back in random order, and the chance that an answer for an
# unknown email is the slower of a pair drawn from both, P (the Mann-Whitney U statistic over
# n1 x n2), must stay between 0.2 and 0.8. Paths that cannot be told apart give about 0.5
# (its standard error here is about 0.08); before they were made alike, a taken email answered
# in 39 ms and a new one in 765 ms (no hash, no verification mail), which gives 1.0.
SUPERIORITY_BOUNDS = (0.2, 0.8)
# The paths still differ by a row or two written (about a millisecond on this machine), which
# the rank test alone can tell apart over 24 local rounds but no visitor over a network can:
# the paths count as alike while the paired median difference stays under this.
RESIDUAL_SECONDS = 0.005


@pytest.fixture
def app_overrides():
    return {
        # OWASP's argon2id minimum (19 MiB, 2 passes, one lane): a real cost (tens of ms),
        # on one core so that the other people's work on the machine disturbs it less.
        "ARGON2_PARAMETERS": {"time_cost": 2, "memory_cost": 19456, "parallelism": 1},
        "MAIL_DELIVERY": "off",  # production delivers after the answer; here run-jobs would
        "RATELIMIT_REGISTER": "1000 per hour",
        "RATELIMIT_RESET": "1000 per hour",
    }


class Browser:
    """One visitor's cookie session against the live server, over plain http.client."""

    def __init__(self, base_url: str, form_page: str):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        response = self._send("GET", form_page, headers={})
        self.cookie = response.getheader("Set-Cookie").split(";", 1)[0]
        self.token = CSRF_META.search(response.read().decode()).group(1)

    def _send(self, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        connection.request(method, path, body=body, headers=headers or {})
        return connection.getresponse()

    def timed_post(self, path: str, fields: dict) -> tuple[float, int, str]:
        body = urlencode({"csrf_token": self.token, **fields})
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": self.cookie}
        started = time.perf_counter()
        response = self._send("POST", path, body, headers)
        page = response.read().decode()
        elapsed = time.perf_counter() - started
        return elapsed, response.status, re.sub(r"\s+", " ", page)


def probability_of_superiority(first: list[float], second: list[float]) -> float:
    """P(a sample of `first` > a sample of `second`), ties counting half (Mann-Whitney U / n1n2):
    0.5 when the paths cannot be told apart, 0 or 1 when every sample gives them away."""
    wins = sum((a > b) + 0.5 * (a == b) for a in first for b in second)
    return wins / (len(first) * len(second))


def compare(path_name: str, known: list[float], unknown: list[float]) -> None:
    superiority = probability_of_superiority(unknown, known)
    differences = [u - k for k, u in zip(known, unknown, strict=True)]
    report = (
        f"{path_name}: median {statistics.median(known) * 1000:.1f} ms for a known email, "
        f"{statistics.median(unknown) * 1000:.1f} ms for an unknown one (median difference "
        f"within rounds {statistics.median(differences) * 1000:+.1f} ms); "
        f"P(unknown slower) = {superiority:.2f}"
    )
    print(report)
    low, high = SUPERIORITY_BOUNDS
    if not low <= superiority <= high:
        assert abs(statistics.median(differences)) < RESIDUAL_SECONDS, report


def interleaved(run_known, run_unknown) -> tuple[list[float], list[float]]:
    """Both paths in each round, in random order, so a busy moment of the machine falls on
    either alike; the lists pair up by round."""
    known, unknown = [], []
    for round_number in range(WARM_UP + SAMPLES):
        pair = [("known", run_known), ("unknown", run_unknown)]
        random.shuffle(pair)
        for name, run in pair:
            elapsed = run()
            if round_number >= WARM_UP:
                (known if name == "known" else unknown).append(elapsed)
    return known, unknown


def test_registration_takes_the_same_time_for_a_taken_and_a_new_email(app, member):
    member_email = member.email
    db.session.commit()
    with served(app) as base_url:
        visitor = Browser(base_url, "/register")
        pages = set()

        def register(email: str):
            def run() -> float:
                fields = {
                    "name": "Sophie Laurent",
                    "email": email if email != "new" else f"new-{uuid.uuid4().hex}@example.com",
                    "password": "amber-willow-crescent-9",
                    "terms": "y",
                }
                elapsed, status, _page = visitor.timed_post("/register", fields)
                assert status == 303
                pages.add(status)
                return elapsed

            return run

        known, unknown = interleaved(register(member_email), register("new"))
    compare("registration", known, unknown)
    # Both answered alike, each queued one mail, and only the new addresses got accounts.
    assert pages == {303}
    db.session.commit()  # a new transaction sees what the server committed
    rounds = WARM_UP + SAMPLES
    assert len(db.session.scalars(select(Member)).all()) == 1 + rounds
    mails_to_member = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.to_address == member_email)
    ).all()
    assert len(mails_to_member) == rounds
    assert "reset-password/" in mails_to_member[0].body_text


def test_a_reset_takes_the_same_time_for_a_known_and_an_unknown_email(app, member):
    member_email = member.email
    db.session.commit()
    with served(app) as base_url:
        visitor = Browser(base_url, "/forgot-password")
        answers = set()

        def ask(email: str):
            def run() -> float:
                elapsed, status, page = visitor.timed_post("/forgot-password", {"email": email})
                assert status == 200
                # The CSRF token carries the second it was signed: set aside as well.
                token = CSRF_META.search(page).group(1)
                answers.add(page.replace(token, "TOKEN").replace(email, "EMAIL"))
                return elapsed

            return run

        known, unknown = interleaved(ask(member_email), ask("nobody@example.com"))
    compare("password reset", known, unknown)
    assert len(answers) == 1  # the same page, but for the address it repeats
