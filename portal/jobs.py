"""The periodic work of `flask --app wsgi run-jobs`.

Each job is safe to repeat and to interrupt: it works from the state in the database, not from
when it last ran. A lock row lets one run at a time across hosts. A run that was killed cannot
release it: the lock lapses after LOCK_TTL, or at once for a run on this host whose process is
gone (its holder is "host:pid"), so a killed run never blocks the next one for long.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable, Collection
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from portal.clock import utcnow
from portal.database import changed_rows
from portal.extensions import db
from portal.models import JobLock, JobRun
from portal.services.engagement import segments
from portal.services.engagement.call_rules import schedule_calls
from portal.services.engagement.campaigns import campaigns_sending, send_campaign_batch
from portal.services.engagement.occasions import announce_birthday_months, offer_special_dates
from portal.services.events.reminders import mark_no_shows, send_event_reminders
from portal.services.members.sessions import forget_ended_sessions
from portal.services.messaging.delivery import deliver_pending
from portal.services.points.expiry import expiry_notices_job, points_expiry_job
from portal.services.points.tiers import evaluate_tiers
from portal.services.programme.kpi_summaries import summarise_period_members, summarise_points
from portal.services.purchases.csv_import import forget_old_uploads
from portal.services.referrals.bonuses import close_lapsed_referrals, release_due_bonuses
from portal.services.rewards.suggestions import refresh_reward_pairs
from portal.services.rewards.vouchers import expire_vouchers
from portal.services.surveys.invitations import invite_after_attended_events

logger = logging.getLogger(__name__)

LOCK_NAME = "run-jobs"
LOCK_TTL = timedelta(hours=1)


def periodic_jobs() -> list[tuple[str, Callable[[], int]]]:
    """Every job of `run-jobs` with the function that does it (returning a count of what it did),
    in the order they run. Mail goes last, so what the other jobs queued is delivered in the
    same run."""
    return [
        ("points-expiry", points_expiry_job),
        ("points-expiry-notices", expiry_notices_job),
        ("tier-evaluation", evaluate_tiers),
        ("forget-old-purchase-files", forget_old_uploads),
        ("expire-vouchers", expire_vouchers),
        ("forget-ended-sessions", forget_ended_sessions),
        ("referral-bonuses", release_due_bonuses),
        ("referral-windows", close_lapsed_referrals),
        ("event-reminders", send_event_reminders),
        ("event-no-shows", mark_no_shows),
        ("event-surveys", invite_after_attended_events),
        ("reward-pairs", refresh_reward_pairs),
        ("return-calls", schedule_calls),
        ("segments", refresh_segments_job),
        ("birthday-months", announce_birthday_months),
        ("special-dates", offer_special_dates),
        ("campaign-sending", continue_campaigns),
        ("kpi-daily-points", summarise_points),
        ("kpi-period-members", summarise_period_members),
        ("deliver-mail", deliver_pending),
    ]


def _holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def holder_is_gone(holder: str | None) -> bool:
    """True when `holder` ("host:pid") was a process of this host that has exited."""
    host, _sep, pid = (holder or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except OSError:  # it exists, as another user's process
        return False
    return False


def acquire_lock(name: str = LOCK_NAME, ttl: timedelta = LOCK_TTL) -> bool:
    now = utcnow()
    if db.session.get(JobLock, name) is None:
        try:
            with db.session.begin_nested():
                db.session.add(JobLock(name=name))
        except IntegrityError:
            pass
    taken = changed_rows(
        db.session.execute(
            update(JobLock)
            .where(
                JobLock.name == name,
                or_(JobLock.locked_until.is_(None), JobLock.locked_until < now),
            )
            .values(holder=_holder(), locked_until=now + ttl)
        )
    )
    if taken != 1:
        stale = db.session.scalar(select(JobLock.holder).where(JobLock.name == name))
        if holder_is_gone(stale):
            taken = changed_rows(
                db.session.execute(
                    update(JobLock)
                    .where(JobLock.name == name, JobLock.holder == stale)
                    .values(holder=_holder(), locked_until=now + ttl)
                )
            )
            if taken == 1:
                logger.warning("run-jobs lock of %s taken over: that process has exited", stale)
    db.session.commit()
    return taken == 1


def release_lock(name: str = LOCK_NAME) -> None:
    db.session.execute(
        update(JobLock)
        .where(JobLock.name == name, JobLock.holder == _holder())
        .values(holder=None, locked_until=None, last_finished_at=utcnow())
    )
    db.session.commit()


SEGMENTS_LOCK = "segments-refresh"


def refresh_segments_job() -> int:
    """Refresh the members' segments under a lock of its own (the page or a second host may
    start one while run-jobs runs): the second refresh started at the same time does nothing
    and answers 0."""
    if not acquire_lock(SEGMENTS_LOCK, timedelta(minutes=30)):
        logger.info("segments are being refreshed elsewhere; nothing done")
        return 0
    try:
        placed = segments.refresh_segments(now=utcnow())
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    finally:
        release_lock(SEGMENTS_LOCK)
    return placed


def continue_campaigns() -> int:
    """Send on the campaigns a request began (large segments): batch after batch, each batch
    committed on its own, so a member's opt-out waits for one batch at most and a failure
    keeps what was decided. Returns how many members were decided."""
    decided = 0
    for campaign in campaigns_sending():
        while True:
            done = send_campaign_batch(campaign, now=utcnow())
            db.session.commit()
            decided += done
            if campaign.status != "sending":
                break
    return decided


def _note_run(name: str, *, started: datetime, count: int | None, seconds: float) -> None:
    """How the job went, in its row of job_runs (the /metrics gauges read it)."""
    run = db.session.get(JobRun, name)
    if run is None:
        run = JobRun(name=name)
        db.session.add(run)
    run.last_started_at = started
    run.last_duration_ms = int(seconds * 1000)
    if count is None:
        run.last_failure_at = utcnow()
    else:
        run.last_success_at = utcnow()
        run.last_count = count
    db.session.commit()


def run_periodic_jobs(only: Collection[str] = ()) -> dict[str, int] | None:
    """Run every job once (or those named in `only`); None when another run holds the lock.
    Each job writes one log line with what it did and how long it took."""
    if not acquire_lock():
        logger.info("run-jobs already running elsewhere; nothing done")
        return None
    results: dict[str, int] = {}
    try:
        for name, function in periodic_jobs():
            if only and name not in only:
                continue
            started = utcnow()
            clock = time.perf_counter()
            count: int | None = None
            try:
                count = function()
                db.session.commit()
            except Exception:
                db.session.rollback()
                count = None
                duration_ms = round((time.perf_counter() - clock) * 1000, 1)
                logger.exception(
                    "job %s failed after %.1fms; the others go on",
                    name,
                    duration_ms,
                    extra={"job": name, "duration_ms": duration_ms, "outcome": "failed"},
                )
                results[name] = -1
            seconds = time.perf_counter() - clock
            if count is not None:
                duration_ms = round(seconds * 1000, 1)
                logger.info(
                    "job %s done: %d in %.1fms",
                    name,
                    count,
                    duration_ms,
                    extra={
                        "job": name,
                        "duration_ms": duration_ms,
                        "outcome": "done",
                        "count": count,
                    },
                )
                results[name] = count
            try:
                _note_run(name, started=started, count=count, seconds=seconds)
            except Exception:
                db.session.rollback()
                logger.exception("the run of job %s could not be noted", name)
    finally:
        release_lock()
    return results
