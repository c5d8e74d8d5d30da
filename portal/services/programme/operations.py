"""What the operators watch that the database knows: mail waiting in the outbox, and how each
periodic job last ran. Read when Prometheus scrapes /metrics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from portal.clock import utcnow
from portal.extensions import db
from portal.models import JobRun, OutboxMessage


@dataclass(frozen=True)
class OutboxState:
    waiting: int  # not sent yet (pending or being sent)
    failed: int  # waiting after at least one failed attempt
    oldest_waiting_seconds: float  # 0 when nothing waits


def outbox_state(*, now: datetime | None = None) -> OutboxState:
    now = now or utcnow()
    waiting, failed, oldest = db.session.execute(
        select(
            func.count(OutboxMessage.id),
            func.count(OutboxMessage.last_error),
            func.min(OutboxMessage.created_at),
        ).where(OutboxMessage.status != "sent")
    ).one()
    age = 0.0
    if oldest is not None:
        # min() keeps the column's type: an aware UTC datetime on either database.
        age = max(0.0, (now - oldest).total_seconds())
    return OutboxState(waiting=waiting, failed=failed, oldest_waiting_seconds=age)


def job_runs() -> list[JobRun]:
    return list(db.session.scalars(select(JobRun).order_by(JobRun.name)))
