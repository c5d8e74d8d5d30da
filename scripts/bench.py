"""`make bench`: the portal served as in production, measured against a plain Flask app.

For SQLite and PostgreSQL (BENCH_DATABASES="sqlite,postgresql") it builds two fresh databases
with `seed-scale`: the large one (BENCH_MEMBERS / BENCH_PURCHASES, default 100,000 members and
2,000,000 purchases, and BENCH_AUDIT_ROWS audit rows, default 1,000,000) and a small one
(BENCH_SMALL_MEMBERS, default 1,000 members with 20 purchases each). It serves the portal with
gunicorn as the README's deployment does (PORTAL_ENV=production, sync workers, one per core,
Redis rate limits, metrics across the workers), and in the same run scripts/bench_hello.py, a
plain Flask "hello world", with the same settings; then loads both with `wrk` (BENCH_WRK,
default "-t1 -c16 -d10s") through the Lua scripts in scripts/bench/: signed-in pages (the member
with the longest history; the session comes from signing in over HTTP), a redemption and till
purchases (POSTs, fresh keys and receipts each request), the till look-up and the staff's KPI
page.

It prints, per database, requests/s, p50 and p99 per page, the throughput as a ratio to hello
world's, the HTML bytes and the SQL statements per request (the test client with a statement
counter, on the same database), the dashboard on the small database beside the large one, and
the targets met or missed; the table is also written to instance/bench-results.md.

PostgreSQL: BENCH_POSTGRES_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/
portal_bench); the bench drops and creates that database and "<name>_small". Redis:
BENCH_REDIS_URL (default redis://127.0.0.1:6379/0), keys under a prefix of this run's own.
Ports: BENCH_PORT (default 5170, the hello app on the next one).
"""

from __future__ import annotations

import http.client
import logging
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LUA = os.path.join(ROOT, "scripts", "bench")
BIN = os.path.dirname(sys.executable)
WORKERS = int(os.environ.get("BENCH_WORKERS", str(os.cpu_count() or 1)))
WRK = os.environ.get("BENCH_WRK", "-t1 -c16 -d10s").split()
WARM = ["-t1", "-c4", "-d2s"]
PORT = int(os.environ.get("BENCH_PORT", "5170"))
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
STAFF_PASSWORD = "bench-staff-password-" + secrets.token_hex(6)  # noqa: S105 - this run's own
REDEEMER_PASSWORD = "bench-member-password-" + secrets.token_hex(6)  # noqa: S105
TAG = secrets.token_hex(3)
RESULTS = os.path.join(ROOT, "instance", "bench-results.md")

# Targets (issue "Proof of speed"): ratios to hello world, since machines differ.
DASHBOARD_RATIO, DASHBOARD_P99_MS, PURCHASE_RATIO = 0.35, 50.0, 0.25
MAX_STATEMENTS, MAX_HTML_BYTES, SIZE_RATIO = 12, 50 * 1024, 1.2


@dataclass
class Prepared:
    """What the bench made in a seeded database to sign in and post with."""

    member_email: str
    member_history: int
    redeemer_email: str
    staff_email: str
    reward_id: int
    purchase_id: int
    card: str
    cards: list[str]
    token: str
    currency: str


@dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


@dataclass
class Run:
    dialect: str
    members: int
    purchases: int
    seed_seconds: float
    prepared: Prepared
    hello: Load | None = None
    loads: dict[str, Load] = field(default_factory=dict)
    small_dashboard: Load | None = None
    small_members: int = 0
    sizes: dict[str, tuple[int, int]] = field(default_factory=dict)  # path: (bytes, statements)
    extra_rows: list[str] = field(default_factory=list)


# -- databases ---------------------------------------------------------------------------------


def fresh_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        name = parsed.database
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def flask(url: str, *args: str) -> None:
    env = dict(os.environ, DATABASE_URL=url, PORTAL_ENV="development")
    command = [os.path.join(BIN, "flask"), "--app", "wsgi", *args]
    subprocess.run(command, env=env, check=True, cwd=ROOT)  # noqa: S603 - our own command


def build(url: str, members: int, purchases: int, *, audit: bool = False) -> float:
    """A fresh schema through the migrations (as a deployment does), then `seed-scale`; the
    large database also gets BENCH_AUDIT_ROWS audit rows (default 1,000,000) for /admin/audit."""
    if url.startswith("postgresql"):
        fresh_postgres(url)
    else:
        path = url.removeprefix("sqlite:///")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
    flask(url, "db", "upgrade")
    started = time.perf_counter()
    audit_rows = os.environ.get("BENCH_AUDIT_ROWS", "1000000") if audit else "0"
    flask(
        url, "seed-scale", "--members", str(members), "--purchases", str(purchases), "--seed", "42",
        "--audit-rows", audit_rows,
    )  # fmt: skip
    # The KPI page reads the daily summaries run-jobs keeps (cron, in a deployment).
    flask(url, "run-jobs", "--only", "kpi-daily-points", "--only", "kpi-period-members")
    return time.perf_counter() - started


def bench_app(url: str):
    from config import DevelopmentConfig
    from portal import create_app

    return create_app(DevelopmentConfig, SQLALCHEMY_DATABASE_URI=url, RATELIMIT_ENABLED=False)


def prepare(url: str) -> Prepared:
    """The busiest member (the one whose pages do the most work), a member with a huge balance
    who redeems, a staff member, a reward without a stock limit and a till's API token."""
    from sqlalchemy import func, select

    from portal.extensions import db
    from portal.models import Member, Purchase
    from portal.services.members.accounts import create_member
    from portal.services.points.ledger import credit_points
    from portal.services.programme.settings import programme_settings
    from portal.services.purchases.api_tokens import create_api_token
    from portal.services.rewards.editing import RewardChanges, create_reward

    app = bench_app(url)
    with app.app_context():
        member_id, history = db.session.execute(
            select(Purchase.member_id, func.count())
            .group_by(Purchase.member_id)
            .order_by(func.count().desc())
            .limit(1)
        ).one()
        member = db.session.get(Member, member_id)
        purchase_id = db.session.scalar(
            select(Purchase.id)
            .where(Purchase.member_id == member_id)
            .order_by(Purchase.id.desc())
            .limit(1)
        )
        cards = list(
            db.session.scalars(select(Member.card_number).order_by(Member.id.desc()).limit(16))
        )
        staff = create_member(
            name="Bench Staff",
            email=f"bench-staff-{TAG}@example.com",
            password=STAFF_PASSWORD,
            role="staff",
            verified=True,
        )
        redeemer = create_member(
            name="Bench Redeemer",
            email=f"bench-redeemer-{TAG}@example.com",
            password=REDEEMER_PASSWORD,
            verified=True,
        )
        db.session.flush()
        credit_points(redeemer, "bonus", 1_000_000_000, reason="Bench balance")
        reward = create_reward(
            RewardChanges(name="Bench thank-you card", points_cost=10, voucher_valid_days=60),
            staff=staff,
        )
        _token, plaintext = create_api_token("Bench till", created_by=staff)
        prepared = Prepared(
            member_email=member.email,
            member_history=history,
            redeemer_email=redeemer.email,
            staff_email=staff.email,
            reward_id=reward.id,
            purchase_id=purchase_id,
            card=member.card_number,
            cards=cards,
            token=plaintext,
            currency=programme_settings().currency,
        )
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return prepared


# -- serving -----------------------------------------------------------------------------------


class Server:
    """gunicorn as the README's deployment runs it: sync workers, one per core."""

    def __init__(self, app: str, port: int, env: dict[str, str], log: str):
        self.port = port
        self.log = open(log, "a")  # noqa: SIM115 - closed in stop()
        command = [
            os.path.join(BIN, "gunicorn"), "-c", os.path.join(ROOT, "gunicorn.conf.py"),
            "--workers", str(WORKERS), "--bind", f"127.0.0.1:{port}", app,
        ]  # fmt: skip
        self.process = subprocess.Popen(  # noqa: S603
            command, cwd=ROOT, env=env, stdout=self.log, stderr=self.log, start_new_session=True
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"gunicorn {app} exited; see {log}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request("GET", "/healthz" if app == "wsgi:app" else "/")
                if connection.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        self.stop()
        sys.exit(f"gunicorn {app} did not answer on {port}; see {log}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


def portal_env(url: str, workdir: str) -> dict[str, str]:
    metrics = os.path.join(workdir, "metrics")
    return dict(
        os.environ,
        PORTAL_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(48),
        DATABASE_URL=url,
        RATELIMIT_STORAGE_URI=REDIS,
        RATELIMIT_KEY_PREFIX=f"portal-bench-{TAG}",
        # The load is one till and a few browsers: the per-token limit would answer 429.
        RATELIMIT_API="100000000 per minute",
        PORTAL_BASE_URL=f"http://127.0.0.1:{PORT}",
        PROMETHEUS_MULTIPROC_DIR=metrics,
        MAIL_OUTBOX_DIR=os.path.join(workdir, "outbox"),
    )


class Browser:
    """Signs in over HTTP and keeps the cookies (production's are Secure; wrk does not care)."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Cookie": self.cookie()} if self.cookies else {}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, response.read().decode()

    def cookie(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def csrf(self, path: str) -> str:
        status, page = self.request("GET", path)
        found = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
        if status != 200 or not found:
            sys.exit(f"no CSRF token on {path} ({status})")
        return found.group(1)

    def sign_in(self, email: str, password: str) -> None:
        token = self.csrf("/login")
        status, _ = self.request(
            "POST", "/login", {"csrf_token": token, "email": email, "password": password}
        )
        if status != 303:
            sys.exit(f"could not sign in as {email}: {status}")


def wrk(port: int, script: str, env: dict[str, str], *, options: list[str] = WRK) -> Load:
    command = ["wrk", *options, "-s", os.path.join(LUA, script), f"http://127.0.0.1:{port}"]
    done = subprocess.run(  # noqa: S603
        command, env=dict(os.environ, BENCH_LUA_DIR=LUA, **env), capture_output=True, text=True
    )
    found = re.search(
        r"BENCH requests=(\d+) duration_us=(\d+) p50_us=(\d+) p99_us=(\d+) "
        r"non2xx=(\d+) socket_errors=(\d+)",
        done.stdout,
    )
    if not found:
        sys.exit(f"wrk failed: {done.stdout}\n{done.stderr}")
    requests, duration, p50, p99, non2xx, socket_errors = map(int, found.groups())
    return Load(requests / (duration / 1e6), p50 / 1000, p99 / 1000, non2xx + socket_errors)


def ensure_wrk() -> None:
    if shutil.which("wrk"):
        return
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    print("wrk is missing: installing it from the distribution's packages")
    subprocess.run([*sudo, "apt-get", "install", "-y", "wrk"], check=True)  # noqa: S603


# -- what is measured --------------------------------------------------------------------------


def targets(prepared: Prepared) -> list[tuple[str, str, dict[str, str]]]:
    """(label, Lua script, its environment without the cookie); the cookie is chosen by who."""
    reward = f"/rewards/{prepared.reward_id}"
    return [
        ("/dashboard", "page.lua", {"BENCH_PATH": "/dashboard"}),
        ("/purchases", "page.lua", {"BENCH_PATH": "/purchases"}),
        ("/rewards", "page.lua", {"BENCH_PATH": "/rewards"}),
        (
            "/rewards?q= (htmx)",
            "page.lua",
            {"BENCH_PATH": "/rewards?q=card", "BENCH_HX_TARGET": "reward-results"},
        ),
        ("/card", "page.lua", {"BENCH_PATH": "/card"}),
        (f"POST {reward}/redeem", "redeem.lua", {"BENCH_PATH": f"{reward}/redeem"}),
        (
            "POST /api/v1/purchases",
            "purchase.lua",
            {
                "BENCH_TOKEN": prepared.token,
                "BENCH_CARDS": ",".join(prepared.cards),
                "BENCH_CURRENCY": prepared.currency,
            },
        ),
        (
            "GET /api/v1/members/<card>",
            "page.lua",
            {"BENCH_PATH": f"/api/v1/members/{prepared.card}", "BENCH_TOKEN": prepared.token},
        ),
        ("/admin/ (staff)", "page.lua", {"BENCH_PATH": "/admin/"}),
    ]


def load_portal(run: Run, url: str, workdir: str) -> None:
    prepared = run.prepared
    env = portal_env(url, workdir)
    server = Server("wsgi:app", PORT, env, os.path.join(workdir, f"portal-{run.dialect}.log"))
    try:
        member, redeemer, staff = Browser(PORT), Browser(PORT), Browser(PORT)
        from portal.demo.scale import SYNTHETIC_PASSWORD

        member.sign_in(prepared.member_email, SYNTHETIC_PASSWORD)
        redeemer.sign_in(prepared.redeemer_email, REDEEMER_PASSWORD)
        csrf = redeemer.csrf(f"/rewards/{prepared.reward_id}")
        staff.sign_in(prepared.staff_email, STAFF_PASSWORD)
        for label, script, extra in targets(prepared):
            who = staff if "admin" in label else redeemer if "redeem" in label else member
            extra = dict(extra, BENCH_TAG=TAG + run.dialect[:2], BENCH_CSRF=csrf)
            if "api" not in label:
                extra["BENCH_COOKIE"] = who.cookie()
            wrk(PORT, script, extra, options=WARM)
            run.loads[label] = load = wrk(PORT, script, extra)
            print(f"  {label:<32} {load.rps:8.0f} req/s  p50 {load.p50_ms:6.1f} ms  "
                  f"p99 {load.p99_ms:6.1f} ms  errors {load.errors}")  # fmt: skip
    finally:
        server.stop()


def load_small(run: Run, url: str, prepared: Prepared, workdir: str) -> None:
    server = Server("wsgi:app", PORT, portal_env(url, workdir), os.path.join(workdir, "small.log"))
    try:
        from portal.demo.scale import SYNTHETIC_PASSWORD

        member = Browser(PORT)
        member.sign_in(prepared.member_email, SYNTHETIC_PASSWORD)
        extra = {"BENCH_PATH": "/dashboard", "BENCH_COOKIE": member.cookie()}
        wrk(PORT, "page.lua", extra, options=WARM)
        run.small_dashboard = wrk(PORT, "page.lua", extra)
    finally:
        server.stop()


def load_hello(workdir: str) -> Load:
    env = dict(os.environ, PYTHONPATH=ROOT)
    server = Server("scripts.bench_hello:app", PORT + 1, env, os.path.join(workdir, "hello.log"))
    try:
        wrk(PORT + 1, "page.lua", {"BENCH_PATH": "/"}, options=WARM)
        return wrk(PORT + 1, "page.lua", {"BENCH_PATH": "/"})
    finally:
        server.stop()


MEMBER_PAGES = [
    "/dashboard", "/purchases", "/purchases/{purchase}", "/rewards", "/rewards?q=card (htmx)",
    "/card", "/redemptions", "/referrals", "/events", "/surveys", "/account", "/notifications",
]  # fmt: skip


def count_statements(run: Run, url: str) -> None:
    """HTML bytes and SQL statements per request, through the test client."""
    from sqlalchemy import event

    from portal.demo.scale import SYNTHETIC_PASSWORD
    from portal.extensions import db

    app = bench_app(url)
    logging.disable(logging.INFO)  # the request lines of the test client
    prepared = run.prepared
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        skipped = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")  # as tests count them
        if not statement.lstrip().upper().startswith(skipped):
            statements.append(statement)

    def measure(client, method: str, path: str, **kwargs) -> tuple[int, int]:
        getattr(client, method)(path, **kwargs)  # warm: compiled templates and statements
        statements.clear()
        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", count)
        try:
            response = getattr(client, method)(path, **kwargs)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert response.status_code in (200, 201, 303), (path, response.status_code)
        return len(response.get_data()), len(statements)

    def signed_in(email: str, password: str):
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
        client.post("/login", data={"csrf_token": token, "email": email, "password": password})
        return client, token

    member, _ = signed_in(prepared.member_email, SYNTHETIC_PASSWORD)
    for page in MEMBER_PAGES:
        path = page.split(" ")[0].format(purchase=prepared.purchase_id)
        headers = {"HX-Request": "true", "HX-Target": "reward-results"} if "htmx" in page else {}
        run.sizes[page] = measure(member, "get", path, headers=headers)
    redeemer, _ = signed_in(prepared.redeemer_email, REDEEMER_PASSWORD)
    confirm = redeemer.get(f"/rewards/{prepared.reward_id}").get_data(as_text=True)
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', confirm).group(1)
    redeem = f"/rewards/{prepared.reward_id}/redeem"
    run.sizes["POST /rewards/<id>/redeem"] = measure(
        redeemer,
        "post",
        redeem,
        data={"csrf_token": token, "idempotency_key": secrets.token_hex(8)},
    )
    till = app.test_client()
    bearer = {"Authorization": f"Bearer {prepared.token}"}
    n = iter(range(10))

    def purchase_body() -> dict:
        return {
            "member": prepared.cards[0], "receipt_no": f"BT{TAG}-{next(n)}", "amount": "120.00",
            "currency": prepared.currency, "purchased_at": time.strftime("%Y-%m-%dT%H:%M:%SZ",
            time.gmtime()), "store": "Shanghai IFC",
            "items": [{"sku": "RG-1", "name": "Ring", "quantity": 1, "unit_price": "120.00"}],
        }  # fmt: skip

    till.post("/api/v1/purchases", json=purchase_body(), headers=bearer)
    statements.clear()
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    response = till.post("/api/v1/purchases", json=purchase_body(), headers=bearer)
    event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 201, response.get_data(as_text=True)
    run.sizes["POST /api/v1/purchases"] = (len(response.get_data()), len(statements))
    run.sizes["GET /api/v1/members/<card>"] = measure(
        till, "get", f"/api/v1/members/{prepared.card}", headers=bearer
    )
    staff, _ = signed_in(prepared.staff_email, STAFF_PASSWORD)
    run.sizes["/admin/ (staff)"] = measure(staff, "get", "/admin/")
    run.extra_rows = others_timings(app)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def others_timings(app) -> list[str]:
    """The admin reports' and the audit log's own timings, where those benches exist."""
    rows: list[str] = []
    for module, function in (("scripts.bench_admin", "kpi_timings"),
                             ("scripts.bench_admin", "member_search_timings"),
                             ("scripts.bench_audit", "audit_timings")):  # fmt: skip
        try:
            timings = getattr(__import__(module, fromlist=[function]), function)
        except (ImportError, AttributeError):
            continue
        try:
            for row in timings(app):
                cells = row if isinstance(row, (list, tuple)) else [row]
                rows.append(
                    " | ".join(
                        f"{cell:,.0f} ms (median)" if isinstance(cell, float) else str(cell)
                        for cell in cells
                    )
                )
        except Exception as error:  # noqa: BLE001 - another bench's failure is reported, not fatal
            rows.append(f"{module}.{function} failed: {error!r}")
    return rows


# -- the run -----------------------------------------------------------------------------------


def run_database(dialect: str, members: int, purchases: int, workdir: str) -> Run:
    small_members = int(os.environ.get("BENCH_SMALL_MEMBERS", "1000"))
    if dialect == "sqlite":
        large_url = f"sqlite:///{os.path.join(workdir, 'bench-large.sqlite3')}"
        small_url = f"sqlite:///{os.path.join(workdir, 'bench-small.sqlite3')}"
    else:
        large_url = os.environ.get(
            "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/portal_bench"
        )
        small_url = large_url + "_small"
    print(f"\n== {dialect}: seeding {members:,} members and {purchases:,} purchases")
    seconds = build(large_url, members, purchases, audit=True)
    print(f"   seeded in {seconds:.0f} s")
    run = Run(dialect, members, purchases, seconds, prepare(large_url), small_members=small_members)
    print(f"== {dialect}: seeding the small database ({small_members:,} members)")
    build(small_url, small_members, small_members * 20)
    small = prepare(small_url)
    print(f"== {dialect}: hello world")
    run.hello = load_hello(workdir)
    print(f"   {run.hello.rps:.0f} req/s, p99 {run.hello.p99_ms:.1f} ms")
    print(f"== {dialect}: the portal ({WORKERS} workers, {' '.join(WRK)})")
    load_portal(run, large_url, workdir)
    load_small(run, small_url, small, workdir)
    count_statements(run, large_url)
    return run


def table(runs: list[Run]) -> str:
    lines = []
    for run in runs:
        hello = run.hello
        assert hello is not None
        lines += [
            f"### {run.dialect}: {run.members:,} members, {run.purchases:,} purchases "
            f"(seeded in {run.seed_seconds:.0f} s); the member's history: "
            f"{run.prepared.member_history:,} purchases",
            "",
            "| request | req/s | × hello | p50 ms | p99 ms | bytes | SQL |",
            "|---|---:|---:|---:|---:|---:|---:|",
            f"| hello world | {hello.rps:,.0f} | 1.00 | {hello.p50_ms:.1f} | "
            f"{hello.p99_ms:.1f} | | |",
        ]
        seen = set()
        for label, load in run.loads.items():
            key = "POST /rewards/<id>/redeem" if "redeem" in label else label
            key = "/rewards?q=card (htmx)" if "htmx" in label else key
            size, sql = run.sizes.get(key, (0, 0))
            seen.add(key)
            errors = f" ({load.errors} errors)" if load.errors else ""
            lines.append(
                f"| {label}{errors} | {load.rps:,.0f} | {load.rps / hello.rps:.2f} | "
                f"{load.p50_ms:.1f} | {load.p99_ms:.1f} | {size:,} | {sql} |"
            )
        if run.small_dashboard:
            small = run.small_dashboard
            lines.append(
                f"| /dashboard, {run.small_members:,} members | {small.rps:,.0f} | "
                f"{small.rps / hello.rps:.2f} | {small.p50_ms:.1f} | {small.p99_ms:.1f} | | |"
            )
        for page, (size, sql) in run.sizes.items():
            if page not in seen:
                lines.append(f"| {page} (test client only) | | | | | {size:,} | {sql} |")
        lines += ["", *verdicts(run), ""]
        if run.extra_rows:
            lines += ["Admin and audit timings:", "", *[f"- {row}" for row in run.extra_rows], ""]
    return "\n".join(lines)


def verdicts(run: Run) -> list[str]:
    hello, dashboard = run.hello, run.loads["/dashboard"]
    purchase = run.loads["POST /api/v1/purchases"]
    member_pages = {
        p: s for p, s in run.sizes.items() if not p.startswith(("POST", "GET /api", "/admin"))
    }
    worst_sql = max(member_pages.items(), key=lambda kv: kv[1][1])
    worst_size = max(member_pages.items(), key=lambda kv: kv[1][0])
    small = run.small_dashboard

    def mark(ok: bool) -> str:
        return "met" if ok else "MISSED"

    out = [
        f"- dashboard {dashboard.rps / hello.rps:.2f}× hello (target ≥ {DASHBOARD_RATIO}): "
        f"{mark(dashboard.rps / hello.rps >= DASHBOARD_RATIO)}; p99 {dashboard.p99_ms:.0f} ms "
        f"(≤ {DASHBOARD_P99_MS:.0f}): {mark(dashboard.p99_ms <= DASHBOARD_P99_MS)}",
        f"- POST /api/v1/purchases {purchase.rps / hello.rps:.2f}× hello (≥ {PURCHASE_RATIO}): "
        f"{mark(purchase.rps / hello.rps >= PURCHASE_RATIO)}",
        f"- most SQL on a member page: {worst_sql[1][1]} ({worst_sql[0]}; ≤ {MAX_STATEMENTS}): "
        f"{mark(worst_sql[1][1] <= MAX_STATEMENTS)}",
        f"- largest member page: {worst_size[1][0] / 1024:.1f} KB ({worst_size[0]}; ≤ 50 KB): "
        f"{mark(worst_size[1][0] <= MAX_HTML_BYTES)}",
    ]
    if small:
        ratio = small.rps / dashboard.rps
        out.append(
            f"- dashboard at {run.members:,} members takes {ratio:.2f}× the time per request of "
            f"{run.small_members:,} (≤ {SIZE_RATIO}): {mark(ratio <= SIZE_RATIO)}"
        )
    return out


def machine() -> str:
    memory = ""
    try:
        with open("/proc/meminfo") as meminfo:
            kib = int(meminfo.readline().split()[1])
        memory = f", {kib / 1024 / 1024:.1f} GiB RAM"
    except OSError:
        pass
    system = ""
    try:
        with open("/etc/os-release") as release:
            found = re.search(r'PRETTY_NAME="([^"]+)"', release.read())
            system = f", {found.group(1)}" if found else ""
    except OSError:
        pass
    return f"{os.cpu_count()} cores{memory}{system}, Python {sys.version.split()[0]}"


def main() -> None:
    sys.path.insert(0, ROOT)
    ensure_wrk()
    members = int(os.environ.get("BENCH_MEMBERS", "100000"))
    purchases = int(os.environ.get("BENCH_PURCHASES", "2000000"))
    dialects = [
        d.strip() for d in os.environ.get("BENCH_DATABASES", "sqlite,postgresql").split(",")
    ]
    workdir = tempfile.mkdtemp(prefix="portal-bench-")
    runs = []
    try:
        for dialect in dialects:
            runs.append(run_database(dialect, members, purchases, workdir))
    finally:
        if os.environ.get("BENCH_KEEP") != "1":
            shutil.rmtree(workdir, ignore_errors=True)
    header = (
        f"`make bench` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: {machine()}; "
        f"gunicorn, {WORKERS} sync workers, PORTAL_ENV=production; wrk {' '.join(WRK)}."
    )
    report = header + "\n\n" + table(runs)
    print("\n" + report)
    os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
    with open(RESULTS, "w") as out:
        out.write(report + "\n")
    print(f"\n(written to {os.path.relpath(RESULTS, ROOT)})")


if __name__ == "__main__":
    main()
