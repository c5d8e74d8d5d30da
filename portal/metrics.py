"""What the portal counts for Prometheus (prometheus-client), written where it happens.

The services count what the rules record (`count_purchase`, `count_points`, ...) through the
small functions below; they never see prometheus_client. With PROMETHEUS_MULTIPROC_DIR set
(several gunicorn workers, and `run-jobs` pointed at the same directory) every process writes
its counts there and `/metrics` adds them up; without it the counts live in the process.
What the database knows (the outbox, the jobs' last runs) is read when Prometheus scrapes, in
portal/web/metrics_page.py.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session

# How a purchase or a return reached the programme: the till API, the staff desk, a CSV import.
SOURCES = ("api", "staff", "import")

REQUESTS = Counter(
    "portal_http_requests",
    "Requests answered, by endpoint, method and status.",
    ["endpoint", "method", "status"],
)
LATENCY = Histogram(
    "portal_http_request_duration_seconds",
    "Time to answer a request, by endpoint and status.",
    ["endpoint", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
PURCHASES = Counter(
    "portal_purchases_recorded", "Purchases recorded, by source (api, staff, import).", ["source"]
)
RETURNS = Counter(
    "portal_returns_recorded", "Returns recorded, by source (api, staff, import).", ["source"]
)
POINTS = Counter(
    "portal_points",
    "Points moved, by movement (issued, redeemed, expired, reversed, refunded, adjusted).",
    ["movement"],
)
VOUCHERS = Counter("portal_vouchers", "Vouchers, by event (issued, fulfilled).", ["event"])
DB_POOL_IN_USE = Gauge(
    "portal_db_pool_connections_in_use",
    "Database connections checked out of the pool now.",
    multiprocess_mode="livesum",
)

# Ledger kinds as movements: earned and bonus points are issued, a redemption redeems.
MOVEMENTS = {
    "earn": "issued",
    "bonus": "issued",
    "refund": "refunded",
    "adjust_credit": "adjusted",
    "redeem": "redeemed",
    "expire": "expired",
    "reverse": "reversed",
    "adjust_debit": "adjusted",
}


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def collecting_registry() -> CollectorRegistry:
    """The registry `/metrics` reads: every process's files in multiprocess mode, else this
    process's own metrics."""
    from prometheus_client import REGISTRY

    directory = multiprocess_dir()
    if directory is None:
        return REGISTRY
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=directory)
    return registry


def count_request(endpoint: str, method: str, status: int, seconds: float) -> None:
    REQUESTS.labels(endpoint=endpoint, method=method, status=str(status)).inc()
    LATENCY.labels(endpoint=endpoint, status=str(status)).observe(seconds)


def source_of(channel: str) -> str:
    return channel if channel in SOURCES else "other"


# What the rules recorded in the current transaction, counted once it commits (a purchase
# rolled back was never recorded).
PENDING_IN_SESSION = "portal_metrics_pending"
_installed = False


def _after_commit(counter: Counter, labels: dict[str, str], amount: int = 1) -> None:
    from portal.extensions import db

    db.session.info.setdefault(PENDING_IN_SESSION, []).append((counter, labels, amount))


def install_counting_on_commit() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    from sqlalchemy import event

    from portal.extensions import db

    def committed(session: Session) -> None:
        if session.in_nested_transaction():
            return
        for counter, labels, amount in session.info.pop(PENDING_IN_SESSION, []):
            counter.labels(**labels).inc(amount)

    def rolled_back(session: Session) -> None:
        if session.in_nested_transaction():
            return
        session.info.pop(PENDING_IN_SESSION, None)

    event.listen(db.session, "after_commit", committed)
    event.listen(db.session, "after_rollback", rolled_back)


def count_purchase(channel: str) -> None:
    _after_commit(PURCHASES, {"source": source_of(channel)})


def count_return(channel: str) -> None:
    _after_commit(RETURNS, {"source": source_of(channel)})


def count_points(kind: str, points: int) -> None:
    """A ledger entry of `kind` moving `points` (signed as in the ledger)."""
    _after_commit(POINTS, {"movement": MOVEMENTS.get(kind, "adjusted")}, abs(points))


def count_voucher(event: str) -> None:
    _after_commit(VOUCHERS, {"event": event})


def watch_pool(engine: Engine) -> None:
    """Count the engine's checked-out connections (every worker's, in multiprocess mode)."""
    from sqlalchemy import event

    if getattr(engine, "_portal_pool_watched", False):
        return
    engine._portal_pool_watched = True  # type: ignore[attr-defined]

    @event.listens_for(engine, "checkout")
    def _checked_out(*_args: object) -> None:
        DB_POOL_IN_USE.inc()

    @event.listens_for(engine, "checkin")
    def _checked_in(*_args: object) -> None:
        DB_POOL_IN_USE.dec()
