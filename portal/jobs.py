"""The periodic work of `flask --app wsgi run-jobs`.

Each job is safe to repeat and to interrupt: it works from the state in the database, not from
when it last ran. A lock row lets one run at a time across hosts.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError

from portal.clock import utcnow
from portal.extensions import db
from portal.models import JobLock

logger = logging.getLogger(__name__)

LOCK_NAME = "run-jobs"
LOCK_TTL = timedelta(hours=1)

# (name, function returning a count of what it did), in the order they run.
PERIODIC_JOBS: list[tuple[str, Callable[[], int]]] = []


def periodic_job(name: str):
    def register(function):
        PERIODIC_JOBS.append((name, function))
        return function

    return register


# The modules whose @periodic_job functions run-jobs runs (imported for their registration).
JOB_MODULES = (
    "portal.services.points.expiry",
    "portal.services.points.tiers",
    "portal.services.purchases.csv_import",
    "portal.services.rewards.vouchers",
)


def load_jobs() -> None:
    import importlib

    for module in JOB_MODULES:
        importlib.import_module(module)


def _holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def acquire_lock() -> bool:
    now = utcnow()
    if db.session.get(JobLock, LOCK_NAME) is None:
        try:
            with db.session.begin_nested():
                db.session.add(JobLock(name=LOCK_NAME))
        except IntegrityError:
            pass
    taken = db.session.execute(
        update(JobLock)
        .where(
            JobLock.name == LOCK_NAME,
            or_(JobLock.locked_until.is_(None), JobLock.locked_until < now),
        )
        .values(holder=_holder(), locked_until=now + LOCK_TTL)
    ).rowcount
    db.session.commit()
    return taken == 1


def release_lock() -> None:
    db.session.execute(
        update(JobLock)
        .where(JobLock.name == LOCK_NAME, JobLock.holder == _holder())
        .values(holder=None, locked_until=None, last_finished_at=utcnow())
    )
    db.session.commit()


def run_periodic_jobs() -> dict[str, int] | None:
    """Run every job once; None when another run holds the lock."""
    load_jobs()
    if not acquire_lock():
        logger.info("run-jobs already running elsewhere; nothing done")
        return None
    results: dict[str, int] = {}
    try:
        # Mail goes last, so what the other jobs queued is delivered in the same run.
        for name, function in [*PERIODIC_JOBS, ("deliver-mail", deliver_mail)]:
            try:
                results[name] = function()
                db.session.commit()
            except Exception:
                db.session.rollback()
                logger.exception("job %s failed; the others go on", name)
                results[name] = -1
    finally:
        release_lock()
    return results


def deliver_mail() -> int:
    from portal.services.messaging.delivery import deliver_pending

    return deliver_pending()
