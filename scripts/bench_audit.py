"""The audit log's timings for `make bench`: GET /admin/audit's first page and a filtered page,
through the test client signed in as staff (median of 10 requests after one warm-up, in ms).

Run on a database filled with `seed-scale --audit-rows 1000000`; the goal (issue "Speed") is
under 100 ms at a million rows.
"""

from __future__ import annotations

import re
import statistics
import time

from sqlalchemy import select

from portal.extensions import db

BENCH_STAFF_EMAIL = "bench-staff@example.com"
BENCH_STAFF_PASSWORD = "bench-staff-password-1"  # noqa: S105 - a synthetic account of the bench
RUNS = 10


def _staff_account() -> None:
    from portal.models import Member
    from portal.services.members.accounts import create_member

    if db.session.scalar(select(Member.id).where(Member.email == BENCH_STAFF_EMAIL)) is None:
        create_member(
            name="Bench Staff",
            email=BENCH_STAFF_EMAIL,
            password=BENCH_STAFF_PASSWORD,
            role="staff",
            verified=True,
        )
    db.session.commit()


def _filtered_query() -> dict[str, str]:
    """A member with audit rows (the last row's), and one action: the usual narrowing."""
    from portal.models import AuditEntry, Member

    member_id = db.session.scalar(
        select(AuditEntry.member_id)
        .where(AuditEntry.member_id.is_not(None))
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .limit(1)
    )
    member = db.session.get(Member, member_id) if member_id else None
    return {"member": member.email} if member else {"action": "auth.sign_in"}


def _median_ms(client, path: str, params: dict[str, str]) -> float:
    response = client.get(path, query_string=params)  # warm-up
    if response.status_code != 200:
        raise SystemExit(f"{path} {params} answered {response.status_code}")
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        client.get(path, query_string=params)
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def audit_timings(app) -> list[tuple[str, float]]:
    """[(what was timed, median ms)] for the audit log's first page, a filtered page and the
    filtered page's second page."""
    with app.app_context():
        _staff_account()
        filtered = _filtered_query()
        db.session.remove()
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
    signed_in = client.post(
        "/login",
        data={"csrf_token": token, "email": BENCH_STAFF_EMAIL, "password": BENCH_STAFF_PASSWORD},
    )
    if signed_in.status_code != 303:
        raise SystemExit(f"could not sign in as {BENCH_STAFF_EMAIL}: {signed_in.status_code}")
    results = [("/admin/audit (first page)", _median_ms(client, "/admin/audit", {}))]
    label = ", ".join(f"{key}=…" for key in filtered)
    results.append((f"/admin/audit?{label}", _median_ms(client, "/admin/audit", filtered)))
    first = client.get("/admin/audit", query_string={"action": "member.points_adjust"})
    older = re.search(r'href="[^"]*after=([0-9.]+)', first.get_data(as_text=True))
    if older:
        params = {"action": "member.points_adjust", "after": older.group(1)}
        results.append(
            ("/admin/audit?action=…&after=… (page 2)", _median_ms(client, "/admin/audit", params))
        )
    return results


if __name__ == "__main__":
    import os

    from portal import create_app
    from scripts.bench import BenchConfig

    application = create_app(BenchConfig, SQLALCHEMY_DATABASE_URI=os.environ["DATABASE_URL"])
    for what, ms in audit_timings(application):
        print(f"{what:<45} {ms:>8.1f} ms")
