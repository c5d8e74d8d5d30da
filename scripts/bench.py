"""`make bench`: how fast the member's pages answer with a small and a large programme.

For each size (small: 100 members / 2,000 purchases; large: BENCH_MEMBERS / BENCH_PURCHASES,
default 100,000 / 2,000,000) it builds a fresh database, fills it with `seed-scale`, signs in
as the member with the longest history and times ~50 requests of /dashboard and /purchases
through the test client (median and 95th percentile), with the number of SQL queries each
page ran. The goal (issue "Speed"): the large programme answers as fast as the small one.

The database is a SQLite file in a temporary directory, or DATABASE_URL (PostgreSQL). A
DATABASE_URL database is emptied first: it must have no members, or BENCH_RESET=1.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from sqlalchemy import event, func, select, text

from config import TestingConfig
from portal import create_app
from portal.extensions import db

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "50"))
PAGES = ["/dashboard", "/purchases"]


class BenchConfig(TestingConfig):
    TESTING = False
    RATELIMIT_ENABLED = False
    ARGON2_PARAMETERS = None  # the production password hash: seed-scale computes it once


def reset_schema(app) -> None:
    with app.app_context():
        from portal.models import Member

        if db.engine.dialect.name != "sqlite" and os.environ.get("BENCH_RESET") != "1":
            try:
                has_members = db.session.scalar(select(func.count(Member.id)))
            except Exception:  # noqa: BLE001 - no tables yet
                db.session.rollback()
                has_members = 0
            if has_members:
                sys.exit(
                    "DATABASE_URL has members: the bench empties its database. "
                    "Use an empty database, or set BENCH_RESET=1."
                )
        db.session.remove()
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.create_all()


def seed(url: str, members: int, purchases: int) -> float:
    """Run `flask --app wsgi seed-scale` in a process of its own, as an operator would: the
    pages are then measured in a process that did not just build millions of rows."""
    started = time.perf_counter()
    env = dict(os.environ, DATABASE_URL=url, PORTAL_ENV="development")
    subprocess.run(  # noqa: S603 - our own interpreter and command
        [
            sys.executable, "-m", "flask", "--app", "wsgi", "seed-scale",
            "--members", str(members), "--purchases", str(purchases), "--seed", "42",
        ],
        env=env,
        check=True,
        cwd=ROOT,
    )  # fmt: skip
    return time.perf_counter() - started


def busiest_member(app):
    from portal.models import Member, Purchase

    with app.app_context():
        row = db.session.execute(
            select(Purchase.member_id, func.count())
            .group_by(Purchase.member_id)
            .order_by(func.count().desc())
            .limit(1)
        ).first()
        member = db.session.get(Member, row[0])
        email, count = member.email, row[1]
        db.session.remove()
    return email, count


def sign_in(client, email: str) -> None:
    from portal.demo.scale import SYNTHETIC_PASSWORD

    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
    response = client.post(
        "/login", data={"csrf_token": token, "email": email, "password": SYNTHETIC_PASSWORD}
    )
    if response.status_code != 303:
        sys.exit(f"could not sign in as {email}: {response.status_code}")


def measure(app, email: str) -> dict[str, tuple[float, float, int]]:
    """Per page: (median ms, p95 ms, SQL statements per request)."""
    client = app.test_client()
    sign_in(client, email)
    results = {}
    for page in PAGES:
        for _ in range(20):  # warm caches, connections and compiled statements
            assert client.get(page).status_code == 200
        statements: list[str] = []

        def count(conn, cursor, statement, *args, _seen=statements):
            _seen.append(statement)

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", count)
        try:
            client.get(page)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        timings = []
        for _ in range(REQUESTS):
            started = time.perf_counter()
            response = client.get(page)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        p95 = statistics.quantiles(timings, n=20)[18] if len(timings) > 1 else timings[0]
        queries = sum(
            1 for s in statements if not s.lstrip().upper().startswith(("BEGIN", "COMMIT"))
        )
        results[page] = (statistics.median(timings), p95, queries)
    return results


def run_size(label: str, members: int, purchases: int, database_url: str | None, workdir: str):
    url = database_url or f"sqlite:///{os.path.join(workdir, f'bench-{label}.sqlite3')}"
    app = create_app(BenchConfig, SQLALCHEMY_DATABASE_URI=url)
    reset_schema(app)
    with app.app_context():
        db.engine.dispose()
    seconds = seed(url, members, purchases)
    email, history = busiest_member(app)
    results = measure(app, email)
    with app.app_context():
        db.engine.dispose()
    return {
        "label": label,
        "members": members,
        "purchases": purchases,
        "seed_seconds": seconds,
        "history": history,
        "results": results,
        "dialect": url.split(":", 1)[0],
    }


def main() -> None:
    database_url = os.environ.get("DATABASE_URL")
    large = (
        int(os.environ.get("BENCH_MEMBERS", "100000")),
        int(os.environ.get("BENCH_PURCHASES", "2000000")),
    )
    workdir = tempfile.mkdtemp(prefix="portal-bench-")
    try:
        runs = [
            run_size("small", 100, 2_000, database_url, workdir),
            run_size("large", *large, database_url, workdir),
        ]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print()
    print(f"Database: {runs[0]['dialect']}; {REQUESTS} signed-in requests per page")
    header = (
        f"{'page':<12} {'size':<6} {'members':>9} {'purchases':>11} {'seeded in':>10} "
        f"{'member history':>15} {'median ms':>10} {'p95 ms':>8} {'queries':>8}"
    )
    print(header)
    print("-" * len(header))
    for page in PAGES:
        for run in runs:
            median, p95, queries = run["results"][page]
            print(
                f"{page:<12} {run['label']:<6} {run['members']:>9,} {run['purchases']:>11,} "
                f"{run['seed_seconds']:>9.1f}s {run['history']:>10,} purch. {median:>10.1f} "
                f"{p95:>8.1f} {queries:>8}"
            )
    small, big = runs
    for page in PAGES:
        ratio = big["results"][page][0] / small["results"][page][0]
        print(f"{page}: large/small median = {ratio:.2f}")


if __name__ == "__main__":
    main()
