"""Vouchers after they are issued: staff fulfil or cancel them at the desk (a cancellation
refunds the points and returns the stock), unused vouchers expire, and a closed account's
vouchers are withdrawn. Each move is a conditional UPDATE from "issued", so two staff pressing
at once cannot both succeed."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from portal.clock import utcnow
from portal.database import changed_rows
from portal.extensions import db
from portal.metrics import count_voucher
from portal.models import ApiToken, Member, Redemption, Reward
from portal.services.messaging.audit import record_audit
from portal.services.messaging.notifications import notify_member
from portal.services.points.ledger import credit_points, lock_member
from portal.services.programme.refusals import Conflict

logger = logging.getLogger(__name__)


# -- staff actions ---------------------------------------------------------------------------


class VoucherStateError(Conflict):
    """The voucher is not in a state that allows this action: `code` is its status
    ("fulfilled", "cancelled", "expired") and `values["date"]` when it got there."""


def voucher_refusal(redemption: Redemption, *, now: datetime | None = None) -> str | None:
    """Why the voucher cannot be fulfilled now ("fulfilled", "cancelled", "expired"), or None
    when it can: issued and within its validity."""
    now = now or utcnow()
    if redemption.status != "issued":
        return redemption.status
    if redemption.valid_until <= now:
        return "expired"
    return None


def _refuse_unless_issued(redemption: Redemption) -> None:
    if redemption.status != "issued":
        when = redemption.fulfilled_at or redemption.cancelled_at or redemption.valid_until
        raise VoucherStateError(code=redemption.status, date=when)


def _claim(redemption: Redemption, **values: Any) -> bool:
    """Move an issued voucher to another status, once: the UPDATE matches only while it is
    still issued, so two staff pressing at the same moment cannot both succeed."""
    moved = changed_rows(
        db.session.execute(
            update(Redemption)
            .where(Redemption.id == redemption.id, Redemption.status == "issued")
            .values(**values),
            execution_options={"synchronize_session": False},
        )
    )
    db.session.refresh(redemption)
    return moved == 1


def fulfil_redemption(
    redemption: Redemption,
    staff: Member | None,
    *,
    api_token: ApiToken | None = None,
    now: datetime | None = None,
) -> Redemption:
    """Staff (or a till, with its API token) hand over the reward: an issued voucher still
    within its validity becomes fulfilled. Anything else is refused with the reason, except
    that the till which fulfilled it, asking again (a retry), gets the same voucher back."""
    if (staff is None) == (api_token is None):
        raise ValueError("a voucher is fulfilled by staff or by a till's token")
    now = now or utcnow()
    db.session.refresh(redemption)
    if _fulfilled_by_this_till(redemption, api_token):
        return redemption
    _refuse_unless_issued(redemption)
    if redemption.valid_until <= now:
        raise VoucherStateError(code="expired", date=redemption.valid_until)
    claimed = _claim(
        redemption,
        status="fulfilled",
        fulfilled_at=now,
        fulfilled_by_id=staff.id if staff is not None else None,
        fulfilled_by_token_id=api_token.id if api_token is not None else None,
    )
    if not claimed:
        if _fulfilled_by_this_till(redemption, api_token):
            return redemption
        _refuse_unless_issued(redemption)
    where = f" at till {api_token.name}" if api_token is not None else ""
    record_audit(
        "redemption.fulfil",
        actor=staff,
        target=redemption,
        summary=(
            f"Voucher {redemption.voucher_code_display} ({redemption.reward.name}) fulfilled{where}"
        ),
        details={"api_token_id": api_token.id} if api_token is not None else None,
    )
    logger.info("%r fulfilled by %r", redemption, staff or api_token)
    count_voucher("fulfilled")
    return redemption


def _fulfilled_by_this_till(redemption: Redemption, api_token: ApiToken | None) -> bool:
    return (
        api_token is not None
        and redemption.status == "fulfilled"
        and redemption.fulfilled_by_token_id == api_token.id
    )


def _return_stock(reward_id: int) -> None:
    db.session.execute(
        update(Reward)
        .where(Reward.id == reward_id, Reward.stock.is_not(None))
        .values(stock=Reward.stock + 1),
        execution_options={"synchronize_session": False},
    )


def cancel_redemption(
    redemption: Redemption, staff: Member, reason: str, *, now: datetime | None = None
) -> Redemption:
    """Staff cancel an issued voucher: the points are refunded, the stock returned, the member
    told why. A used, expired or already cancelled voucher cannot be cancelled."""
    now = now or utcnow()
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("a cancellation needs a reason")
    member = db.session.get_one(Member, redemption.member_id)
    lock_member(member)
    db.session.refresh(redemption)
    _refuse_unless_issued(redemption)
    if not _claim(
        redemption,
        status="cancelled",
        cancelled_at=now,
        cancelled_by_id=staff.id,
        cancel_reason=reason[:300],
    ):
        _refuse_unless_issued(redemption)
    reward = redemption.reward
    credit_points(
        member,
        "refund",
        redemption.points_spent,
        reason=f"Refund: {reward.name} voucher cancelled",
        details={
            "reward_id": reward.id,
            "reward_name": reward.name,
            "reward_name_zh": reward.name_zh,
            "voucher": redemption.voucher_code_display,
        },
        actor=staff,
        redemption_id=redemption.id,
    )
    _return_stock(reward.id)
    db.session.execute(
        update(Reward)
        .where(Reward.id == reward.id, Reward.redemption_count > 0)
        .values(redemption_count=Reward.redemption_count - 1),
        execution_options={"synchronize_session": False},
    )
    notify_member(
        member,
        "redemption_cancelled",
        title=_l("Your voucher for %(reward)s was cancelled", reward=reward.name),
        body=_l(
            "Our staff cancelled voucher %(code)s: %(reason)s. Your %(points)s points are back "
            "in your balance.",
            code=redemption.voucher_code_display,
            reason=reason,
            points=redemption.points_spent,
        ),
        link=("rewards.voucher", {"redemption_id": redemption.id}),
        dedupe_key=f"redemption-cancelled:{redemption.id}",
    )
    record_audit(
        "redemption.cancel",
        actor=staff,
        target=redemption,
        summary=f"Voucher {redemption.voucher_code_display} ({reward.name}) cancelled: {reason}",
        details={"points_refunded": redemption.points_spent, "member_id": member.id},
    )
    logger.info("%r cancelled by %r", redemption, staff)
    return redemption


def cancel_vouchers_of_closed_account(member: Member, *, now: datetime | None = None) -> int:
    """A member who closes their account gives up their issued vouchers: each is cancelled
    without a refund (the points are forfeited with the balance) and its item goes back into
    stock. Used and expired vouchers stay as they are. Returns how many were cancelled."""
    now = now or utcnow()
    issued = db.session.scalars(
        select(Redemption)
        .where(Redemption.member_id == member.id, Redemption.status == "issued")
        .order_by(Redemption.id)
    ).all()
    count = 0
    for redemption in issued:
        if not _claim(
            redemption,
            status="cancelled",
            cancelled_at=now,
            cancelled_by_id=member.id,
            cancel_reason="Account closed",
        ):
            continue  # fulfilled at a till meanwhile
        _return_stock(redemption.reward_id)
        db.session.execute(
            update(Reward)
            .where(Reward.id == redemption.reward_id, Reward.redemption_count > 0)
            .values(redemption_count=Reward.redemption_count - 1),
            execution_options={"synchronize_session": False},
        )
        count += 1
    if count:
        logger.info("%d vouchers of %r cancelled with the account", count, member)
    return count


# -- expiry ----------------------------------------------------------------------------------


def expire_vouchers(*, now: datetime | None = None) -> int:
    """Vouchers still issued past `valid_until` become expired and their item goes back into
    stock; the points are not refunded (the reward's terms say how long a voucher is valid).
    Safe to repeat: an expired voucher is not touched again."""
    now = now or utcnow()
    due = db.session.scalars(
        select(Redemption)
        .where(Redemption.status == "issued", Redemption.valid_until <= now)
        .order_by(Redemption.id)
    ).all()
    count = 0
    for redemption in due:
        if not _claim(redemption, status="expired", expired_at=now):
            continue  # fulfilled or cancelled meanwhile
        _return_stock(redemption.reward_id)
        member = db.session.get_one(Member, redemption.member_id)
        notify_member(
            member,
            "redemption_expired",
            title=_l("Your voucher for %(reward)s has expired", reward=redemption.reward.name),
            body=_l(
                "Voucher %(code)s was not used before its end date.",
                code=redemption.voucher_code_display,
            ),
            link=("rewards.voucher", {"redemption_id": redemption.id}),
            dedupe_key=f"redemption-expired:{redemption.id}",
            email=False,
        )
        count += 1
    if count:
        logger.info("%d vouchers expired", count)
    return count
