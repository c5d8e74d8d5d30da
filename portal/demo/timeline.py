"""Steps of the demo's history, run in the order they happened with the clock at their moment,
and the nightly `run-jobs` between them, so expiry, tier evaluations, referral bonuses, voucher
expiry and no-shows come out of the programme's own jobs."""

from __future__ import annotations

import heapq
import itertools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, time, timedelta

from sqlalchemy import select

from portal.clock import moved_to, utcnow
from portal.demo.people import Person
from portal.extensions import db
from portal.jobs import periodic_jobs
from portal.models import Member, ReturnCall
from portal.services.engagement.calls import record_outcome
from portal.services.members.accounts import find_member_by_email
from portal.services.programme.local_time import local_date, programme_zone

# Jobs that only make sense on a real server: mail is marked sent by programme.py instead, and
# there are no uploaded files or sessions in the demo's past.
NOT_REPLAYED = {"deliver-mail", "forget-old-purchase-files", "forget-ended-sessions"}
NIGHTLY_AT = time(3, 0)  # programme time
JOB_EVERY_DAYS = 14  # the past's runs, fortnightly: the same jobs, a little later


class Timeline:
    """A queue of (moment, step); a step may add later steps while it runs."""

    def __init__(self) -> None:
        self._steps: list[tuple[datetime, int, Callable[[], object]]] = []
        self._order = itertools.count()

    def at(self, when: datetime, step: Callable[[], object]) -> None:
        heapq.heappush(self._steps, (when, next(self._order), step))

    @staticmethod
    def run_jobs() -> None:
        for name, job in periodic_jobs():
            if name not in NOT_REPLAYED:
                job()

    def nightly_jobs(self, start: datetime, end: datetime, staff: Member | None = None) -> None:
        """The jobs every JOB_EVERY_DAYS days from `start`; with `staff`, the desk also makes the
        return-visit calls that fell due before each run (reached or no answer), so today's
        list is a day's calls and their recent backlog rather than three years of them."""

        def run_jobs() -> None:
            if staff is not None:
                make_due_calls(staff)
            self.run_jobs()

        day = local_date(start)
        while True:
            moment = datetime.combine(day, NIGHTLY_AT, programme_zone())
            if moment >= end:
                return
            if moment > start:
                self.at(moment, run_jobs)
            day += timedelta(days=JOB_EVERY_DAYS)

    def run(self, until: datetime) -> int:
        """Run every step before `until`, oldest first; the number run."""
        done = 0
        while self._steps and self._steps[0][0] < until:
            when, _order, step = heapq.heappop(self._steps)
            with moved_to(when):
                step()
            done += 1
        self._steps.clear()
        with moved_to(until):
            self.run_jobs()  # and once more today, so the books are up to date
        db.session.flush()
        return done


def make_due_calls(staff: Member) -> int:
    """Record an outcome for every open call due before today (the clock's): seven in ten
    reached, the others not answering."""
    calls = db.session.scalars(
        select(ReturnCall)
        .where(ReturnCall.status == "open", ReturnCall.due_on < local_date())
        .order_by(ReturnCall.id)
    ).all()
    for call in calls:
        outcome = "reached" if call.id % 10 < 7 else "no_answer"
        record_outcome(call, outcome, staff=staff, now=utcnow())
    return len(calls)


class Club:
    """What the parts of the crowd's history share: the plan, the members made of it so far,
    the staff member at the desk, today, and the timeline of what is still to happen."""

    def __init__(self, people: list[Person], now: datetime):
        self.people = people
        self.now = now
        self.timeline = Timeline()
        self.members: dict[int, Member] = {}
        self.staff = find_member_by_email("staff@example.com")

    def later(self, when: datetime, step: Callable[[], object]) -> None:
        """A step of the past only: what would happen after today is left out."""
        if when < self.now - timedelta(minutes=30):
            self.timeline.at(when, step)


@contextmanager
def quiet_services() -> Iterator[None]:
    """The crowd's history is thousands of service calls: their INFO lines (one per purchase,
    entry and notification) would bury the command's output, so only warnings are kept."""
    portal_logger = logging.getLogger("portal")
    previous = portal_logger.level
    portal_logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        portal_logger.setLevel(previous)
