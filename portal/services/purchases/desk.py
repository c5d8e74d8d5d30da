"""Purchases at the staff desk: find recent receipts, record one by hand, record a return.

Recording goes through the same rules as the till API (services/purchases.py); what staff add
is the audit row people read afterwards.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from portal.extensions import db
from portal.models import Member, Purchase, PurchaseReturn
from portal.services.members.cards import is_valid_card_number, normalise_card_number
from portal.services.messaging.audit import record_audit
from portal.services.programme.money import amount_text
from portal.services.programme.settings import programme_settings
from portal.services.purchases.input import InvalidPurchase, PurchaseInput
from portal.services.purchases.recording import (
    InvalidReturn,
    largest_api_purchase,
    record_checked_purchase,
    record_return,
)
from portal.services.referrals.attribution import attach_code_at_desk

logger = logging.getLogger(__name__)

PAGE_SIZE = 25


@dataclass
class PurchaseList:
    purchases: list[Purchase]
    next_cursor: int | None  # the id to pass as `before` for the next (older) page
    first: bool


def recent_purchases(
    search: str = "", *, before: int | None = None, size: int = PAGE_SIZE
) -> PurchaseList:
    """Purchases, most recently recorded first (the primary key's order, so a page reads the
    index whatever the size of the table). `search` is a receipt number (or its start), a
    member's email or a card number."""
    query = select(Purchase).options(joinedload(Purchase.member))
    text = (search or "").strip()[:100]
    if text:
        digits = normalise_card_number(text)
        if is_valid_card_number(digits):
            query = query.join(Purchase.member).where(
                or_(Member.card_number == digits, Purchase.receipt_no == text)
            )
        elif "@" in text:
            query = query.join(Purchase.member).where(Member.email == text.lower())
        else:
            query = query.where(
                or_(
                    Purchase.receipt_no == text,
                    Purchase.receipt_no.istartswith(text, autoescape=True),
                )
            )
    if before is not None:
        query = query.where(Purchase.id < before)
    rows = list(db.session.scalars(query.order_by(Purchase.id.desc()).limit(size + 1)))
    more = len(rows) > size
    rows = rows[:size]
    return PurchaseList(rows, rows[-1].id if more and rows else None, before is None)


def purchase_for_staff(purchase_id: int) -> Purchase | None:
    return db.session.scalar(
        select(Purchase)
        .where(Purchase.id == purchase_id)
        .options(
            joinedload(Purchase.member),
            selectinload(Purchase.items),
            selectinload(Purchase.returns),
        )
    )


def record_purchase_by_staff(
    checked: PurchaseInput,
    *,
    staff: Member,
    large_purchase_reason: str = "",
    referral_code: str | None = None,
) -> tuple[Purchase, bool]:
    """A receipt typed in by staff: recorded by the programme's rules (channel "staff"), and
    audited. Above `max_purchase_amount` (which no till may record) staff give a reason, kept
    in the audit row. The same receipt again for the same member and amount records nothing
    (created=False); for another member or amount, ReceiptConflict. With `referral_code`, the
    member is first attributed to that code's owner, so this purchase can qualify
    (services/referrals/attribution.py: UnknownCode, OwnCode, AlreadyReferred)."""
    reason = (large_purchase_reason or "").strip()[:300]
    large = checked.amount > largest_api_purchase(checked.currency)
    if large and not reason:
        raise InvalidPurchase(
            {
                "large_purchase_reason": _l(
                    "This purchase is above %(limit)s %(currency)s: say why it is so large.",
                    limit=f"{programme_settings().max_purchase_amount:,}",
                    currency=checked.currency,
                )
            }
        )
    if referral_code:
        attach_code_at_desk(checked.member, referral_code, staff=staff)
    purchase, created = record_checked_purchase(checked, channel="staff", recorded_by=staff)
    if created:
        record_audit(
            "purchase.record",
            actor=staff,
            target=purchase,
            summary=(
                f"Receipt {purchase.receipt_no} of "
                f"{amount_text(purchase.amount, purchase.currency)} {purchase.currency} "
                f"recorded for {checked.member.name}: {purchase.points_awarded} points"
                + (f" (large purchase: {reason})" if large else "")
            ),
            details={
                "member_id": checked.member.id,
                "receipt_no": purchase.receipt_no,
                "amount": amount_text(purchase.amount, purchase.currency),
                "currency": purchase.currency,
                "points": purchase.points_awarded,
            }
            | ({"large_purchase_reason": reason} if large else {}),
        )
        logger.info("%r recorded by %r at the desk", purchase, staff)
    return purchase, created


def record_return_by_staff(
    purchase: Purchase, *, amount: int | None, reason: str, return_ref: str, staff: Member
) -> tuple[PurchaseReturn, bool]:
    """A full or partial return taken at the desk (`amount` None: everything left to return).
    `return_ref` comes from the form, so the same form sent twice records one return
    (created=False the second time)."""
    if amount is None:
        earlier = db.session.scalar(
            select(PurchaseReturn).where(
                PurchaseReturn.purchase_id == purchase.id, PurchaseReturn.return_ref == return_ref
            )
        )
        if earlier is not None:
            return earlier, False
        amount = purchase.returnable_amount
        if amount <= 0:
            raise InvalidReturn(
                {"amount": _l("Everything on this receipt has already been returned.")}
            )
    purchase_return, created = record_return(
        purchase, amount=amount, return_ref=return_ref, reason=reason, recorded_by=staff
    )
    if created:
        record_audit(
            "purchase.return",
            actor=staff,
            target=purchase,
            summary=(
                f"Return of {amount_text(amount, purchase.currency)} {purchase.currency} on "
                f"receipt {purchase.receipt_no}: {purchase_return.points_reversed} points "
                f"reversed" + (f" ({reason})" if reason else "")
            ),
            details={
                "return_id": purchase_return.id,
                "amount": amount_text(amount, purchase.currency),
                "points_reversed": purchase_return.points_reversed,
                "returned_total": amount_text(purchase.returned_amount, purchase.currency),
                "reason": reason,
            },
        )
    return purchase_return, created
