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


def kpi_timings(app) -> list[tuple[str, float]]:
    """(page, median milliseconds of RUNS requests after one warm-up) for each KPI page."""
    timings = []
    with app.app_context():
        email = _staff_email()
        db.session.remove()
        client = app.test_client()
        _sign_in(client, email)
        for page in PAGES:
            if client.get(page).status_code != 200:
                raise RuntimeError(f"{page} did not answer 200")
            spent = []
            for _ in range(RUNS):
                started = time.perf_counter()
                response = client.get(page)
                spent.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    raise RuntimeError(f"{page} answered {response.status_code}")
            timings.append((page, statistics.median(spent)))
    return timings
