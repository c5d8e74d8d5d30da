"""Which return-visit calls (回访) `run-jobs` puts on the staff's lists.

- A thank-you call `call_thank_you_days` (7) after a purchase of at least
  `call_thank_you_min_amount` (10,000 whole currency units, net of returns), and a care call
  (cleaning, servicing) `call_care_months` (3) after it, on the same local day of the month or
  the last day of a shorter month (30 November -> 28/29 February). Both are written as soon as
  the job sees the purchase, dated for their day; a call whose day passed more than
  CATCH_UP_DAYS ago when first seen is not written (too late to thank anyone).
- A courtesy call, dated today, for a member who bought in the last 12 months, who has no open
  call, fewer than `call_courtesy_per_year` (3) calls made in the last 12 months and none made
  in the last `call_courtesy_gap_days` (120). A call is made when its outcome is "reached" or
  "no answer". So a member is called at least three times a year: a buyer of a small item at
  once and every 120 days after; a buyer of a large one at 7 days, 3 months and then courtesy.
- Never a call for a member who asked not to be called (`do_not_call_at`), whose account is
  closed or who left no phone number (their calls start once they give one).
- Each call is UNIQUE per (member, reason, occasion): the purchase for thank-you and care, the
  local month for courtesy; running the job twice writes nothing new.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from babel.numbers import get_currency_precision
from sqlalchemy import Date, String, and_, exists, func, insert, literal, select

from portal.clock import utcnow
from portal.extensions import db
from portal.models import Member, Purchase, ReturnCall
from portal.models.base import UTCDateTime
from portal.services.programme.local_time import add_local_months, local_date
from portal.services.programme.settings import ProgrammeSettings, programme_settings

logger = logging.getLogger(__name__)

CATCH_UP_DAYS = 14
MADE_OUTCOMES = ("reached", "no_answer")


def callable_member() -> list:
    """Conditions on Member for someone staff may phone."""
    return [
        Member.phone.is_not(None),
        Member.phone != "",
        Member.do_not_call_at.is_(None),
        Member.deactivated_at.is_(None),
        Member.role == "member",
    ]


def care_call_day(purchased_at: datetime, months: int) -> date:
    return local_date(add_local_months(purchased_at, months))


def _purchase_calls(now: datetime, today: date, settings: ProgrammeSettings) -> int:
    threshold = settings.call_thank_you_min_amount * 10 ** get_currency_precision(settings.currency)
    since = add_local_months(now, -settings.call_care_months) - timedelta(days=CATCH_UP_DAYS + 1)
    purchases = db.session.execute(
        select(Purchase.id, Purchase.member_id, Purchase.store, Purchase.purchased_at)
        .join(Member, Member.id == Purchase.member_id)
        .where(
            Purchase.purchased_at >= since,
            Purchase.purchased_at <= now,
            Purchase.amount - Purchase.returned_amount >= threshold,
            *callable_member(),
        )
    ).all()
    if not purchases:
        return 0
    occasions = [str(p.id) for p in purchases]
    written = set(
        db.session.execute(
            select(ReturnCall.member_id, ReturnCall.reason, ReturnCall.occasion).where(
                ReturnCall.reason.in_(("thank_you", "care")),
                ReturnCall.occasion.in_(occasions),
            )
        ).all()
    )
    oldest = today - timedelta(days=CATCH_UP_DAYS)
    calls = []
    for purchase in purchases:
        days = {
            "thank_you": local_date(purchase.purchased_at)
            + timedelta(days=settings.call_thank_you_days),
            "care": care_call_day(purchase.purchased_at, settings.call_care_months),
        }
        for reason, due_on in days.items():
            if due_on < oldest or (purchase.member_id, reason, str(purchase.id)) in written:
                continue
            calls.append(
                ReturnCall(
                    member_id=purchase.member_id,
                    reason=reason,
                    occasion=str(purchase.id),
                    purchase_id=purchase.id,
                    store=purchase.store,
                    due_on=due_on,
                    status="open",
                    created_at=now,
                )
            )
    db.session.add_all(calls)
    db.session.flush()
    return len(calls)


def _courtesy_calls(now: datetime, today: date, settings: ProgrammeSettings) -> int:
    """One INSERT … SELECT over the members, whatever their number."""
    if settings.call_courtesy_per_year == 0:
        return 0
    year_ago = add_local_months(now, -12)
    gap_start = now - timedelta(days=settings.call_courtesy_gap_days)
    month = f"{today:%Y-%m}"
    Call = ReturnCall
    latest_purchase = (
        select(Purchase.id)
        .where(Purchase.member_id == Member.id, Purchase.purchased_at <= now)
        .order_by(Purchase.purchased_at.desc(), Purchase.id.desc())
        .limit(1)
        .correlate(Member)
        .scalar_subquery()
    )
    latest_store = (
        select(Purchase.store)
        .where(Purchase.member_id == Member.id, Purchase.purchased_at <= now)
        .order_by(Purchase.purchased_at.desc(), Purchase.id.desc())
        .limit(1)
        .correlate(Member)
        .scalar_subquery()
    )
    made_in_year = (
        select(func.count(Call.id))
        .where(
            Call.member_id == Member.id,
            Call.outcome.in_(MADE_OUTCOMES),
            Call.called_at > year_ago,
        )
        .correlate(Member)
        .scalar_subquery()
    )
    candidates = select(
        Member.id,
        literal("courtesy", String),
        literal(month, String),
        latest_purchase,
        func.coalesce(latest_store, ""),
        literal(today, Date),
        literal("open", String),
        literal(0),
        literal(now, UTCDateTime),
    ).where(
        *callable_member(),
        exists().where(
            Purchase.member_id == Member.id,
            Purchase.purchased_at > year_ago,
            Purchase.purchased_at <= now,
            Purchase.amount > Purchase.returned_amount,
        ),
        ~exists().where(Call.member_id == Member.id, Call.status == "open"),
        ~exists().where(
            Call.member_id == Member.id,
            Call.outcome.in_(MADE_OUTCOMES),
            Call.called_at > gap_start,
        ),
        ~exists().where(
            and_(Call.member_id == Member.id, Call.reason == "courtesy", Call.occasion == month)
        ),
        made_in_year < settings.call_courtesy_per_year,
    )

    def this_month() -> int | None:
        return db.session.scalar(
            select(func.count(Call.id)).where(Call.reason == "courtesy", Call.occasion == month)
        )

    before = this_month() or 0
    db.session.execute(
        insert(ReturnCall.__table__).from_select(
            [
                "member_id",
                "reason",
                "occasion",
                "purchase_id",
                "store",
                "due_on",
                "status",
                "attempts",
                "created_at",
            ],
            candidates,
        )
    )
    # Counted, not taken from the cursor: drivers differ on INSERT … SELECT's rowcount.
    return (this_month() or 0) - before


def schedule_calls(*, now: datetime | None = None) -> int:
    """The `run-jobs` step: write the calls due by the rules above; returns how many."""
    now = now or utcnow()
    settings = programme_settings()
    today = local_date(now)
    written = _purchase_calls(now, today, settings)
    written += _courtesy_calls(now, today, settings)
    logger.info("%d return-visit calls scheduled", written)
    return written
