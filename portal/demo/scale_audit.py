"""Synthetic audit rows at scale (`seed-scale --audit-rows N`), to measure /admin/audit with a
log of a million rows: sign-ins and failed sign-ins by members, staff adjusting points and
recording purchases, settings changed, vouchers handed over, masked data revealed, over the
last two years, oldest first (as the log grows).

Written in chunks by bulk statements on a connection of its own (COPY on PostgreSQL, multi-row
INSERTs elsewhere), never through the ORM one row at a time.
"""

from __future__ import annotations

import json
import random
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, select, text

from portal.clock import utcnow
from portal.extensions import db
from portal.models import Member

CHUNK = 20_000
# SQLite binds at most 32,766 values per statement: rows per multi-row INSERT.
SQLITE_ROWS_PER_STATEMENT = 3_000
COLUMNS = [
    "actor_id", "action", "target_type", "target_id", "member_id", "summary", "details",
    "ip_address", "request_id", "created_at",
]  # fmt: skip
SETTINGS = [
    ("return_window_days", 30, 45),
    ("marketing_weekly_cap", 1, 2),
    ("case_due_hours", 48, 24),
]


def _row(
    rng: random.Random, at: datetime, members: tuple[int, int], staff: list[int]
) -> dict[str, Any]:
    member = rng.randint(*members) if members[1] else None
    actor = rng.choice(staff) if staff else None
    ip = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
    kind = rng.random()
    row: dict[str, Any] = {
        "created_at": at,
        "ip_address": ip,
        "request_id": secrets.token_hex(8),
        "target_type": "members",
        "target_id": member,
        "member_id": member,
        "details": None,
    }
    if kind < 0.55:
        row.update(actor_id=member, action="auth.sign_in", summary="password",
                   details={"method": "password"})  # fmt: skip
    elif kind < 0.65:
        row.update(actor_id=None, action="auth.sign_in_failed", summary="m***@e***.com",
                   details={"email": "m***@e***.com", "account_known": False},
                   target_type=None, target_id=None, member_id=None)  # fmt: skip
    elif kind < 0.80:
        points = rng.choice([100, 200, 300, 500, -200])
        row.update(actor_id=actor, action="member.points_adjust", summary=f"{points:+d} points",
                   details={"points": points, "reason": "Goodwill after a repair"})  # fmt: skip
    elif kind < 0.93:
        row.update(actor_id=actor, action="purchase.record", summary="Recorded at the desk",
                   target_type="purchases", target_id=rng.randrange(1, 2_000_000),
                   details={"member_id": member,
                            "receipt_no": f"SH01-{rng.randrange(10**6):06d}"})  # fmt: skip
    elif kind < 0.97:
        row.update(actor_id=actor, action="redemption.fulfil", summary="Voucher handed over",
                   target_type="redemptions", target_id=rng.randrange(1, 100_000))  # fmt: skip
    elif kind < 0.99:
        row.update(actor_id=actor, action="survey_answer.reveal", summary="personal data revealed",
                   target_type="survey_answers", target_id=rng.randrange(1, 100_000))  # fmt: skip
    else:
        key, before, after = rng.choice(SETTINGS)
        row.update(actor_id=actor, action="settings.change", summary=f"{key}: {before} → {after}",
                   details={"setting": key, "before": before, "after": after},
                   target_type=None, target_id=None, member_id=None)  # fmt: skip
    return row


def _write(connection: Connection, rows: list[dict[str, Any]]) -> None:
    if connection.dialect.name == "postgresql":
        driver = connection.connection.driver_connection
        assert driver is not None
        with driver.cursor().copy(f"COPY audit_entries ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                stored = dict(row, details=json.dumps(row["details"]) if row["details"] else None)
                copy.write_row([stored[c] for c in COLUMNS])
        return
    # SQLite: rows as the column types store them (JSON text; UTC without a zone, in
    # SQLAlchemy's DATETIME format), SQLITE_ROWS_PER_STATEMENT rows per multi-row INSERT.
    values = [
        (
            row["actor_id"], row["action"], row["target_type"], row["target_id"],
            row["member_id"], row["summary"],
            json.dumps(row["details"]) if row["details"] else None,
            row["ip_address"], row["request_id"],
            row["created_at"].astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f"),
        )
        for row in rows
    ]  # fmt: skip
    one = "(" + ", ".join("?" * len(COLUMNS)) + ")"
    for start in range(0, len(values), SQLITE_ROWS_PER_STATEMENT):
        part = values[start : start + SQLITE_ROWS_PER_STATEMENT]
        statement = (
            f"INSERT INTO audit_entries ({', '.join(COLUMNS)}) VALUES "  # noqa: S608 - our columns
            + ", ".join([one] * len(part))
        )
        connection.exec_driver_sql(statement, tuple(v for row in part for v in row))


def seed_audit_rows(
    count: int, *, seed: int | None = None, progress: Callable[[int], None] | None = None
) -> int:
    """Add `count` audit rows spread over the last two years; returns how many were written."""
    if count <= 0:
        return 0
    rng = random.Random(seed)
    lowest, highest = db.session.execute(select(func.min(Member.id), func.max(Member.id))).one()
    staff = list(db.session.scalars(select(Member.id).where(Member.role.in_(("staff", "admin")))))
    db.session.commit()
    now = utcnow()
    span = timedelta(days=730)
    step = span / count
    start = now - span
    with db.engine.begin() as connection:
        for chunk_start in range(0, count, CHUNK):
            rows = [
                _row(rng, start + step * n, (lowest or 0, highest or 0), staff)
                for n in range(chunk_start, min(count, chunk_start + CHUNK))
            ]
            _write(connection, rows)
            if progress:
                progress(len(rows))
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE audit_entries"))
    else:
        with db.engine.begin() as connection:
            connection.execute(text("ANALYZE audit_entries"))
    return count
