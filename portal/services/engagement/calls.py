"""The return-visit call list (回访) and what staff record on it.

The day's list holds every open call due today or before (an overdue call stays until it has an
outcome), per store: a member's store is the store of the purchase that caused the call (the
latest purchase for a courtesy call). Outcomes: reached and no answer close the call (both count
as a call made); call back on a date moves it to that day; do not call closes it, marks the
member and withdraws their other open calls, and no list shows them again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import contains_eager, selectinload

from portal.clock import utcnow
from portal.extensions import db
from portal.models import Member, Purchase, ReturnCall
from portal.models.calls import CALL_OUTCOMES
from portal.services.engagement.call_rules import callable_member
from portal.services.messaging.audit import record_audit
from portal.services.programme.local_time import local_date
from portal.services.programme.refusals import Conflict, Invalid

logger = logging.getLogger(__name__)

LIST_LIMIT = 200
RECENT_PURCHASES = 3
CALL_BACK_HORIZON_DAYS = 365


class CallClosed(Conflict):
    code = "call_closed"


@dataclass
class CallCard:
    """A call on the list with what staff want beside it while they dial."""

    call: ReturnCall
    today: date
    recent_purchases: list[Purchase] = field(default_factory=list)

    @property
    def overdue(self) -> bool:
        return self.call.due_on < self.today

    @property
    def days_overdue(self) -> int:
        return (self.today - self.call.due_on).days


@dataclass
class StoreCount:
    store: str
    calls: int


def _due_calls(today: date) -> Select[ReturnCall]:
    return (
        select(ReturnCall)
        .join(ReturnCall.member)
        .where(ReturnCall.status == "open", ReturnCall.due_on <= today, *callable_member())
    )


def call_stores(*, today: date | None = None) -> list[StoreCount]:
    """The stores with calls to make today (overdue included), with how many."""
    today = today or local_date()
    rows = db.session.execute(
        select(ReturnCall.store, func.count(ReturnCall.id))
        .join(ReturnCall.member)
        .where(ReturnCall.status == "open", ReturnCall.due_on <= today, *callable_member())
        .group_by(ReturnCall.store)
        .order_by(ReturnCall.store)
    ).all()
    return [StoreCount(store, count) for store, count in rows]


def open_calls_today(*, now: datetime | None = None) -> int:
    """Open calls due today or overdue, for the staff navigation's badge (one indexed count)."""
    today = local_date(now or utcnow())
    return (
        db.session.scalar(
            select(func.count(ReturnCall.id))
            .join(ReturnCall.member)
            .where(ReturnCall.status == "open", ReturnCall.due_on <= today, *callable_member())
        )
        or 0
    )


def recent_purchases_of(member_ids: list[int], per_member: int = RECENT_PURCHASES) -> dict:
    """Member id -> their last few purchases, newest first, in one windowed query."""
    if not member_ids:
        return {}
    ranked = (
        select(
            Purchase.id,
            func.row_number()
            .over(
                partition_by=Purchase.member_id,
                order_by=(Purchase.purchased_at.desc(), Purchase.id.desc()),
            )
            .label("position"),
        )
        .where(Purchase.member_id.in_(member_ids))
        .subquery()
    )
    purchases = db.session.scalars(
        select(Purchase)
        .options(selectinload(Purchase.items))
        .join(ranked, ranked.c.id == Purchase.id)
        .where(ranked.c.position <= per_member)
        .order_by(Purchase.purchased_at.desc(), Purchase.id.desc())
    ).all()
    found: dict[int, list[Purchase]] = {}
    for purchase in purchases:
        found.setdefault(purchase.member_id, []).append(purchase)
    return found


def call_list(store: str | None = None, *, now: datetime | None = None) -> list[CallCard]:
    """The day's calls (overdue first, oldest first), of one store or of all (None)."""
    today = local_date(now or utcnow())
    statement = (
        _due_calls(today)
        .options(
            contains_eager(ReturnCall.member).selectinload(Member.special_dates),
            selectinload(ReturnCall.purchase),
        )
        .order_by(ReturnCall.due_on, ReturnCall.id)
        .limit(LIST_LIMIT)
    )
    if store is not None:
        statement = statement.where(ReturnCall.store == store)
    calls = db.session.scalars(statement).unique().all()
    purchases = recent_purchases_of(sorted({call.member_id for call in calls}))
    return [CallCard(call, today, purchases.get(call.member_id, [])) for call in calls]


def calls_for_member(member: Member, limit: int = 20) -> list[ReturnCall]:
    """A member's calls, the open ones first then the newest, for the member's staff page."""
    return list(
        db.session.scalars(
            select(ReturnCall)
            .where(ReturnCall.member_id == member.id)
            .order_by((ReturnCall.status == "open").desc(), ReturnCall.due_on.desc())
            .limit(limit)
        )
    )


def record_outcome(
    call: ReturnCall,
    outcome: str,
    *,
    staff: Member,
    note: str = "",
    call_back_on: date | None = None,
    now: datetime | None = None,
) -> ReturnCall:
    """What came of a call (reached, no answer, call back on a date, do not call), audited."""
    now = now or utcnow()
    if call.status != "open":
        raise CallClosed
    if outcome not in CALL_OUTCOMES:
        raise Invalid(errors={"outcome": "unknown"})
    today = local_date(now)
    if outcome == "call_back":
        if call_back_on is None:
            raise Invalid(errors={"call_back_on": "required"})
        if call_back_on < today or call_back_on > today + timedelta(days=CALL_BACK_HORIZON_DAYS):
            raise Invalid(errors={"call_back_on": "out_of_range"})
    note = (note or "").strip()
    call.outcome = outcome
    call.note = note or call.note
    call.called_at = now
    call.called_by_id = staff.id
    call.attempts += 1
    summary = outcome
    if outcome == "call_back":
        assert call_back_on is not None
        call.due_on = call_back_on
        summary = f"call back on {call_back_on.isoformat()}"
    else:
        call.status = "done"
    if outcome == "do_not_call":
        member = db.session.get_one(Member, call.member_id)
        member.do_not_call_at = now
        withdrawn = db.session.execute(
            update(ReturnCall)
            .where(
                ReturnCall.member_id == member.id,
                ReturnCall.status == "open",
                ReturnCall.id != call.id,
            )
            .values(status="withdrawn")
            .execution_options(synchronize_session=False)
        )
        summary = f"do not call; {withdrawn.rowcount} open calls withdrawn"  # type: ignore[attr-defined]
    db.session.flush()
    record_audit(f"call.{outcome}", actor=staff, target=call, summary=summary)
    logger.info("%r: %s, recorded by %r", call, summary, staff)
    return call
