"""How fast the staff KPI dashboard answers: `kpi_timings(app)` for `make bench`.

It signs a staff account in through the test client and times `GET /admin/?period=365` (the
goal: under 300 ms at 100,000 members and 2,000,000 purchases). The staff account is
BENCH_STAFF_EMAIL / BENCH_STAFF_PASSWORD (by default the demo's staff@example.com /
staff-password-1); when the database has no such account (seed-scale makes members only), it
is added as a staff account to the bench's database.
"""

from __future__ import annotations

import os
import re
import statistics
import time
from urllib.parse import quote

from sqlalchemy import select

from portal.extensions import db

PAGES = ["/admin/?period=365"]
RUNS = 10
STAFF_EMAIL = os.environ.get("BENCH_STAFF_EMAIL", "staff@example.com")
STAFF_PASSWORD = os.environ.get("BENCH_STAFF_PASSWORD", "staff-password-1")


def _staff_email() -> str:
    from portal.models import Member
    from portal.services.members.accounts import create_member

    staff = db.session.scalar(select(Member).where(Member.email == STAFF_EMAIL))
    if staff is None:
        staff = create_member(
            name="Bench Staff", email=STAFF_EMAIL, password=STAFF_PASSWORD, role="staff"
        )
        db.session.commit()
    return staff.email


def _sign_in(client, email: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
    response = client.post(
        "/login", data={"csrf_token": token, "email": email, "password": STAFF_PASSWORD}
    )
    if response.status_code != 303:
        raise RuntimeError(f"could not sign in as {email}: {response.status_code}")


def kpi_timings(app, pages: list[str] | None = None, headers: dict | None = None):
    """(page, median milliseconds of RUNS requests after one warm-up) for each KPI page."""
    timings = []
    with app.app_context():
        email = _staff_email()
        db.session.remove()
        client = app.test_client()
        _sign_in(client, email)
        for page in pages or PAGES:
            if client.get(page, headers=headers).status_code != 200:
                raise RuntimeError(f"{page} did not answer 200")
            spent = []
            for _ in range(RUNS):
                started = time.perf_counter()
                response = client.get(page, headers=headers)
                spent.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    raise RuntimeError(f"{page} answered {response.status_code}")
            timings.append((page, statistics.median(spent)))
    return timings


def member_search_timings(app) -> list[tuple[str, float]]:
    """The members list as staff type into its search box (the htmx fragment the box asks
    for): a name's start, an email's, a phone's digits and a card number's, each keyed off a
    member of the database (the phone when members have one)."""
    from portal.models import Member

    with app.app_context():
        someone = db.session.scalar(
            select(Member)
            .where(Member.role == "member")
            .order_by(Member.phone.is_(None), Member.id.desc())
            .limit(1)
        )
        if someone is None:
            return []
        typed = [someone.name[:3], someone.email[:5], someone.card_number[:8]]
        if someone.phone:
            digits = "".join(ch for ch in someone.phone if ch.isdigit())[-11:]
            typed.append(f"{digits[:3]} {digits[3:7]}")
        db.session.remove()
    pages = [f"/admin/members?q={quote(text)}" for text in typed]
    return kpi_timings(app, pages, headers={"HX-Request": "true", "HX-Target": "member-results"})
