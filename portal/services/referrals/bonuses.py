"""The referral bonuses: a friend's first purchase of at least `referral_min_purchase_units`
(500) within `referral_window_days` (90) of joining qualifies; the referrer's bonus
(`referral_referrer_points`, 500) and the friend's (`referral_friend_points`, 200) are then
pending on the referral until `return_window_days` (30) after that purchase, when `run-jobs`
credits them. A return before then that leaves the purchase under the minimum cancels both; a
next qualifying purchase within the window may qualify instead. A referrer's bonus is paid for
at most `referral_monthly_cap` (10) referrals per calendar month in the programme's zone; later
ones wait for the next month (the friend's bonus does not wait).

Nothing is paid twice: the friend's row is locked by every purchase, return and release (the
referrer's too before their bonus is counted against the cap), a referral moves to a
qualifying purchase only by a conditional UPDATE, and the ledger holds one bonus per member and
referral (a partial UNIQUE index). Pending points are never in a balance, so cancelling them
never takes one below zero.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, update

from portal.clock import utcnow
from portal.database import changed_rows
from portal.extensions import db
from portal.models import LedgerEntry, Member, Purchase, Referral
from portal.services.points.ledger import credit_points, lock_member
from portal.services.programme.local_time import local_date, local_day_start
from portal.services.programme.settings import programme_settings
from portal.services.referrals import notices
from portal.services.referrals.identity import (
    address_identity,
    email_identity,
    phone_identity,
    short_name,
)

logger = logging.getLogger(__name__)

WAITING = ("joined", "held")  # statuses in which a purchase may still qualify


# -- dates -----------------------------------------------------------------------------------


def qualifying_deadline(referral: Referral) -> date:
    """The last programme day on which the friend's purchase can qualify."""
    return local_date(referral.friend.created_at) + timedelta(
        days=programme_settings().referral_window_days
    )


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month_start(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def _lock_referral(referral_id: int) -> Referral | None:
    return db.session.scalar(
        select(Referral)
        .where(Referral.id == referral_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


# -- qualification ---------------------------------------------------------------------------


def _qualifies(referral: Referral, purchase: Purchase, minimum: int) -> bool:
    day = local_date(purchase.purchased_at)
    return (
        purchase.member_id == referral.friend_id
        and purchase.currency == programme_settings().currency
        and purchase.amount - purchase.returned_amount >= minimum
        and local_date(referral.friend.created_at) <= day <= qualifying_deadline(referral)
    )


def _hold_reasons_at_purchase(referral: Referral) -> list[str]:
    """What the friend's details share with the referrer's by the time of their purchase."""
    friend, referrer = referral.friend, referral.referrer
    reasons = []
    friend_phone = phone_identity(friend.phone)
    if friend_phone and friend_phone == phone_identity(referrer.phone):
        reasons.append("same_phone")
    friend_address = address_identity(friend.delivery_address)
    if friend_address and friend_address == address_identity(referrer.delivery_address):
        reasons.append("same_delivery_address")
    return reasons


def qualify_purchase(purchase: Purchase, *, now: datetime | None = None) -> Referral | None:
    """Called by purchase recording, in its transaction, for a newly recorded purchase (the
    buyer's row is locked there). When it is the friend's first qualifying purchase, the
    bonuses become pending until `return_window_days` after it; held for review when the
    friend's phone or delivery address has come to match the referrer's."""
    referral = db.session.scalar(
        select(Referral)
        .where(Referral.friend_id == purchase.member_id)
        .execution_options(populate_existing=True)
    )
    if referral is None or referral.status not in WAITING:
        return None
    if referral.qualifying_purchase_id is not None:
        return None  # already qualified, waiting for review
    if not _qualifies(referral, purchase, notices.minimum_purchase_minor()):
        return None
    return _attach_purchase(referral, purchase, now=now or utcnow())


def _attach_purchase(referral: Referral, purchase: Purchase, *, now: datetime) -> Referral | None:
    settings = programme_settings()
    status = referral.status
    reasons = list(referral.hold_reasons or [])
    if referral.reviewed_at is None and status == "joined":
        new_reasons = [r for r in _hold_reasons_at_purchase(referral) if r not in reasons]
        if email_identity(referral.friend.email) == email_identity(referral.referrer.email):
            new_reasons.append("same_email")
        if new_reasons:
            reasons += new_reasons
            status = "held"
    if status == "joined":
        status = "pending"
    # Only one purchase can move a referral: a second one racing it finds it taken.
    moved = changed_rows(
        db.session.execute(
            update(Referral)
            .where(
                Referral.id == referral.id,
                Referral.qualifying_purchase_id.is_(None),
                Referral.status.in_(WAITING),
            )
            .values(
                qualifying_purchase_id=purchase.id,
                qualified_at=now,
                release_at=purchase.purchased_at + timedelta(days=settings.return_window_days),
                referrer_points=settings.referral_referrer_points,
                friend_points=settings.referral_friend_points,
                status=status,
                hold_reasons=reasons or None,
            ),
            execution_options={"synchronize_session": False},
        )
    )
    if moved != 1:
        return None
    db.session.refresh(referral)
    logger.info("%r qualified by purchase %s (%s)", referral, purchase.receipt_no, status)
    if status == "held":
        notices.tell_held(referral, f"purchase:{purchase.id}")
    else:
        notices.tell_pending(referral)
    return referral


# -- returns ---------------------------------------------------------------------------------


def review_after_return(purchase: Purchase, *, now: datetime | None = None) -> Referral | None:
    """Called by return recording, in its transaction (the buyer's row is locked there). A
    return before the release date that leaves the qualifying purchase under the minimum
    cancels both pending bonuses; the friend's next qualifying purchase in the window, if
    there is one already, takes its place. On or after the release date the bonus stands."""
    now = now or utcnow()
    referral = db.session.scalar(
        select(Referral)
        .where(Referral.qualifying_purchase_id == purchase.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if referral is None or referral.status not in ("pending", "held"):
        return None
    if referral.release_at is not None and referral.release_at <= now:
        return None  # the window has passed: the bonus is due, whatever comes after
    minimum = notices.minimum_purchase_minor()
    if purchase.amount - purchase.returned_amount >= minimum:
        return None
    referral.qualifying_purchase_id = None
    referral.qualified_at = None
    referral.release_at = None
    referral.referrer_points = 0
    referral.friend_points = 0
    referral.cancelled_at = now
    referral.reason = "purchase_returned"
    if referral.status == "pending":
        referral.status = "joined"
    db.session.flush()
    deadline = qualifying_deadline(referral)
    logger.info("%r: bonus cancelled by a return on %s", referral, purchase.receipt_no)
    still_open = local_date(now) <= deadline
    notices.tell_cancelled(referral, purchase.id, deadline, still_open)
    replacement = _next_qualifying_purchase(referral, minimum, excluding=purchase.id)
    if replacement is not None:
        attached = _attach_purchase(referral, replacement, now=now)
        return attached if attached is not None else referral
    if not still_open:
        referral.status = "ineligible"
        db.session.flush()
    return referral


def _next_qualifying_purchase(
    referral: Referral, minimum: int, *, excluding: int
) -> Purchase | None:
    start = local_day_start(local_date(referral.friend.created_at))
    end = local_day_start(qualifying_deadline(referral) + timedelta(days=1))
    candidates = db.session.scalars(
        select(Purchase)
        .where(
            Purchase.member_id == referral.friend_id,
            Purchase.id != excluding,
            Purchase.purchased_at >= start,
            Purchase.purchased_at < end,
            Purchase.amount - Purchase.returned_amount >= minimum,
        )
        .order_by(Purchase.purchased_at, Purchase.id)
    )
    for candidate in candidates:
        if _qualifies(referral, candidate, minimum):
            return candidate
    return None


# -- release ---------------------------------------------------------------------------------


def rewarded_this_month(referrer: Member, *, now: datetime) -> int:
    """How many referrals paid the referrer's bonus in `now`'s calendar month (programme
    zone)."""
    first = month_start(local_date(now))
    count = db.session.scalar(
        select(func.count(Referral.id)).where(
            Referral.referrer_id == referrer.id,
            Referral.referrer_credited_at >= local_day_start(first),
            Referral.referrer_credited_at < local_day_start(next_month_start(first)),
        )
    )
    return count or 0


def _credit(member: Member, referral: Referral, points: int, role: str) -> LedgerEntry | None:
    if points <= 0:
        return None
    friend, referrer = referral.friend, referral.referrer
    purchase = referral.qualifying_purchase
    if role == "referrer":
        reason = f"Referral: {short_name(friend)}'s first purchase"
    else:
        reason = f"Welcome bonus: first purchase, invited by {referrer.first_name}"
    return credit_points(
        member,
        "bonus",
        points,
        reason=reason,
        details={
            "referral_role": role,
            "friend_name": short_name(friend),
            "referrer_name": referrer.first_name,
            "receipt_no": purchase.receipt_no if purchase else None,
        },
        referral_id=referral.id,
    )


def release_referral(referral: Referral, *, now: datetime | None = None) -> bool:
    """Credit what is due on a pending (or capped) referral whose release date has passed:
    the friend's bonus, and the referrer's unless this month's cap is reached (then it waits,
    status capped). True when anything was credited."""
    now = now or utcnow()
    friend = db.session.get_one(Member, referral.friend_id)
    lock_member(friend)  # the friend's returns and purchases wait for this
    locked = _lock_referral(referral.id)
    if locked is None or locked.status not in ("pending", "capped"):
        return False
    referral = locked
    if referral.release_at is None or referral.release_at > now:
        return False
    paid = False
    if referral.friend_credited_at is None:
        _credit(friend, referral, referral.friend_points, "friend")
        referral.friend_credited_at = now
        paid = True
        notices.tell_friend_paid(referral)
    referrer = db.session.get_one(Member, referral.referrer_id)
    lock_member(referrer)  # the cap is counted and used under the referrer's lock
    if referral.referrer_credited_at is None:
        if rewarded_this_month(referrer, now=now) >= programme_settings().referral_monthly_cap:
            if referral.status != "capped":
                referral.status = "capped"
            notices.tell_capped(referral, next_month_start(local_date(now)))
            db.session.flush()
            return paid
        _credit(referrer, referral, referral.referrer_points, "referrer")
        referral.referrer_credited_at = now
        paid = True
        notices.tell_referrer_paid(referral)
    referral.status = "rewarded"
    db.session.flush()
    logger.info("%r released", referral)
    return paid


def release_due_bonuses(*, now: datetime | None = None) -> int:
    """`run-jobs`: credit the pending bonuses whose return window has passed, oldest first,
    and the capped ones when a new month allows. Returns how many referrals were paid."""
    now = now or utcnow()
    due = list(
        db.session.scalars(
            select(Referral.id)
            .where(Referral.status.in_(("pending", "capped")), Referral.release_at <= now)
            .order_by(Referral.release_at, Referral.id)
        )
    )
    released = 0
    for referral_id in due:
        referral = db.session.get(Referral, referral_id)
        if referral is not None and release_referral(referral, now=now):
            released += 1
    return released


def close_lapsed_referrals(*, now: datetime | None = None) -> int:
    """`run-jobs`: a friend who made no qualifying purchase by the last day of the window is
    not eligible any more (the reason says whether a returned purchase had qualified)."""
    now = now or utcnow()
    window = programme_settings().referral_window_days
    cutoff = local_day_start(local_date(now) - timedelta(days=window))
    lapsed = list(
        db.session.scalars(
            select(Referral)
            .join(Member, Member.id == Referral.friend_id)
            .where(
                Referral.status.in_(WAITING),
                Referral.qualifying_purchase_id.is_(None),
                Member.created_at < cutoff,
            )
            .order_by(Referral.id)
        )
    )
    for referral in lapsed:
        returned = referral.reason == "purchase_returned"
        referral.status = "ineligible"
        referral.reason = "purchase_returned" if returned else "window_passed"
        db.session.flush()
        notices.tell_window_passed(referral)
        logger.info("%r lapsed", referral)
    return len(lapsed)
