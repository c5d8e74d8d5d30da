"""Recording purchases and returns, and the points they earn or reverse.

Used the same way by the till API, the staff form and the CSV import: each passes checked
values (services/purchase_input.py reads raw ones) and commits once at its own edge.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from babel.numbers import get_currency_precision
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.clock import utcnow
from portal.extensions import db
from portal.metrics import count_purchase, count_return
from portal.models import (
    ApiToken,
    LedgerEntry,
    Member,
    Purchase,
    PurchaseItem,
    PurchaseReturn,
    Tier,
)
from portal.models.purchases import CHANNELS
from portal.services.points.earning import Earning, compute_earning, earning_formula
from portal.services.points.ledger import credit_points, debit_points, lock_member
from portal.services.points.tiers import upgrade_after_purchase
from portal.services.programme.refusals import Conflict, Invalid
from portal.services.programme.settings import programme_settings
from portal.services.purchases.input import (
    CLOCK_SKEW,
    MAX_AMOUNT_UNITS,
    InvalidPurchase,
    ItemInput,
    PurchaseInput,
    parse_receipt_no,
)
from portal.services.referrals.bonuses import qualify_purchase, review_after_return
from portal.services.surveys.invitations import invite_after_purchase

logger = logging.getLogger(__name__)


class ReceiptConflict(Conflict):
    """The receipt number is already recorded for another member or another amount."""

    code = "receipt_conflict"

    def __init__(self, purchase: Purchase):
        super().__init__(f"receipt {purchase.receipt_no} already recorded differently")
        self.purchase = purchase


class InvalidReturn(Invalid):
    """A return that cannot be recorded; `errors` maps the field to the message."""

    def __init__(self, errors: dict):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()), errors=errors)


class ReturnConflict(Conflict):
    """The return reference is already recorded on this purchase with another amount."""

    code = "return_conflict"

    def __init__(self, purchase_return: PurchaseReturn):
        super().__init__(f"return {purchase_return.return_ref} already recorded differently")
        self.purchase_return = purchase_return


def find_purchase(receipt_no: str) -> Purchase | None:
    return db.session.scalar(select(Purchase).where(Purchase.receipt_no == receipt_no))


def earn_entry_of(purchase: Purchase) -> LedgerEntry | None:
    return db.session.scalar(
        select(LedgerEntry).where(
            LedgerEntry.purchase_id == purchase.id, LedgerEntry.kind == "earn"
        )
    )


def expired_points_of(purchase: Purchase) -> int:
    """How many of the purchase's earned points have expired (the expiry debits that consumed
    its earn entry)."""
    earn = earn_entry_of(purchase)
    if earn is None:
        return 0
    expiries = db.session.scalars(
        select(LedgerEntry).where(
            LedgerEntry.member_id == purchase.member_id, LedgerEntry.kind == "expire"
        )
    )
    return sum(
        -entry.points for entry in expiries if (entry.details or {}).get("credit_id") == earn.id
    )


def _item_rows(items: Iterable[ItemInput | Mapping]) -> list[PurchaseItem]:
    rows = []
    for item in items or ():
        if isinstance(item, Mapping):
            item = ItemInput(**item)
        rows.append(
            PurchaseItem(
                sku=item.sku or "",
                name=item.name,
                quantity=item.quantity,
                unit_price=item.unit_price,
            )
        )
    return rows


def largest_api_purchase(currency: str) -> int:
    """`max_purchase_amount` (whole currency units) in minor units of `currency`."""
    precision: int = get_currency_precision(currency)
    largest: int = programme_settings().max_purchase_amount * 10**precision
    return largest


def check_amount_for_channel(amount: int, currency: str, channel: str) -> None:
    """A till or the shop may not record more than `max_purchase_amount` in one receipt (one
    leaked token must not print points); staff at the desk may, with a reason."""
    if channel != "staff" and amount > largest_api_purchase(currency):
        raise InvalidPurchase(
            {
                "amount": _l(
                    "A purchase above %(limit)s %(currency)s is too large for a till, the shop or "
                    "an import: our staff record it at the desk, with a reason.",
                    limit=f"{programme_settings().max_purchase_amount:,}",
                    currency=currency,
                )
            }
        )


def _check_purchase(
    receipt_no: str, amount: int, currency: str, purchased_at: datetime, channel: str
) -> str:
    errors: dict[str, Any] = {}
    try:
        receipt_no = parse_receipt_no(receipt_no)
    except ValueError as error:
        errors["receipt_no"] = error.args[0]
    expected = programme_settings().currency
    if currency != expected:
        errors["currency"] = _l(
            "This programme takes purchases in %(currency)s only, not %(code)s.",
            currency=expected,
            code=currency,
        )
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        errors["amount"] = _l("The amount must be more than zero.")
    elif "currency" not in errors and amount > MAX_AMOUNT_UNITS * 10 ** get_currency_precision(
        currency
    ):
        errors["amount"] = _l("This amount is too large to be a real purchase.")
    if not isinstance(purchased_at, datetime) or purchased_at.tzinfo is None:
        errors["purchased_at"] = _l("Give the date and time of the purchase.")
    elif purchased_at > utcnow() + CLOCK_SKEW:
        errors["purchased_at"] = _l("The purchase date is in the future.")
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    if errors:
        raise InvalidPurchase(errors)
    check_amount_for_channel(amount, currency, channel)
    return receipt_no


def _same_receipt(existing: Purchase, member: Member, amount: int) -> tuple[Purchase, bool]:
    if existing.member_id != member.id or existing.amount != amount:
        logger.info("receipt %s sent again with other values: refused", existing.receipt_no)
        raise ReceiptConflict(existing)
    return existing, False


def record_purchase(
    member: Member,
    *,
    receipt_no: str,
    amount: int,
    currency: str,
    purchased_at: datetime,
    store: str = "",
    items: Iterable[ItemInput | Mapping] = (),
    channel: str = "api",
    recorded_by: Member | None = None,
    api_token: ApiToken | None = None,
) -> tuple[Purchase, bool]:
    """Record a receipt and credit the points it earns (services/earning.py); the points
    expire `points_expiry_months` (24) after `purchased_at`. Upgrades the member's tier at once
    when the purchase makes their qualifying spend reach a higher one.

    A friend's first purchase of at least `referral_min_purchase_units` makes their referral's
    bonuses pending (services/referrals/bonuses.py), and an open post-purchase survey is
    offered about it (services/surveys/invitations.py).

    Idempotent on `receipt_no`: the same receipt again, even at the same moment, returns the
    existing purchase with created=False; with another member or amount, ReceiptConflict."""
    receipt_no = _check_purchase(receipt_no, amount, currency, purchased_at, channel)
    existing = find_purchase(receipt_no)
    if existing is not None:
        return _same_receipt(existing, member, amount)

    # Serialise with the member's other point changes (a tier upgrade changes the multiplier).
    lock_member(member)  # also reads the tier as it stands under the lock
    tier = db.session.get_one(Tier, member.tier_code)
    earning = compute_earning(
        member, tier, amount=amount, currency=currency, purchased_at=purchased_at
    )
    purchase = Purchase(
        member_id=member.id,
        receipt_no=receipt_no,
        store=store or "",
        channel=channel,
        amount=amount,
        currency=currency,
        purchased_at=purchased_at,
        recorded_by_id=recorded_by.id if recorded_by is not None else None,
        api_token_id=api_token.id if api_token is not None else None,
        created_at=utcnow(),
        items=_item_rows(items),
        points_awarded=earning.points,
    )
    try:
        # The UNIQUE receipt_no decides between two requests racing with the same receipt.
        with db.session.begin_nested():
            db.session.add(purchase)
    except IntegrityError:
        existing = db.session.scalar(
            select(Purchase)
            .where(Purchase.receipt_no == receipt_no)
            .execution_options(populate_existing=True)
        )
        if existing is None:
            raise
        return _same_receipt(existing, member, amount)

    if earning.points > 0:
        details = earning.as_details() | {"receipt_no": receipt_no, "store": purchase.store}
        credit_points(
            member,
            "earn",
            earning.points,
            reason=_earn_reason(purchase, details),
            details=details,
            earned_at=purchased_at,
            actor=recorded_by,
            purchase_id=purchase.id,
        )
    db.session.flush()
    logger.info(
        "purchase %s recorded for %r via %s: %d points",
        receipt_no,
        member,
        channel,
        earning.points,
    )

    count_purchase(channel)
    upgrade_after_purchase(member, purchase)
    # A friend's first qualifying purchase makes the referral bonuses pending, in this same
    # transaction and under the member's lock taken above.
    qualify_purchase(purchase)
    # The member is asked about this purchase (the post-purchase survey, if one is open).
    invite_after_purchase(purchase)
    return purchase, True


def record_checked_purchase(
    checked: PurchaseInput,
    *,
    channel: str,
    recorded_by: Member | None = None,
    api_token: ApiToken | None = None,
) -> tuple[Purchase, bool]:
    """record_purchase() for input already read by purchase_input.parse_purchase (the API,
    the staff form and the CSV import all arrive this way)."""
    return record_purchase(
        checked.member,
        receipt_no=checked.receipt_no,
        amount=checked.amount,
        currency=checked.currency,
        purchased_at=checked.purchased_at,
        store=checked.store,
        items=checked.items,
        channel=channel,
        recorded_by=recorded_by,
        api_token=api_token,
    )


def preview_purchase(checked: PurchaseInput, *, channel: str = "api") -> Earning:
    """The points `checked` would earn if it were recorded now through `channel`, by the same
    rules and limits; nothing is written."""
    check_amount_for_channel(checked.amount, checked.currency, channel)
    member = checked.member
    tier = db.session.get_one(Tier, member.tier_code)
    return compute_earning(
        member,
        tier,
        amount=checked.amount,
        currency=checked.currency,
        purchased_at=checked.purchased_at,
    )


def _earn_reason(purchase: Purchase, details: dict) -> str:
    where = f" at {purchase.store}" if purchase.store else ""
    return f"Purchase {purchase.receipt_no}{where}: {earning_formula(details)}"


def record_return(
    purchase: Purchase,
    *,
    amount: int,
    return_ref: str | None = None,
    reason: str = "",
    recorded_by: Member | None = None,
    api_token: ApiToken | None = None,
) -> tuple[PurchaseReturn, bool]:
    """Record a full or partial return and reverse the purchase's points in proportion: after
    returns totalling R of a purchase of A that earned P, exactly floor(P × R ÷ A) points have
    been reversed in all. Never beyond what is left to return. The reversal may take the
    balance below zero. Idempotent per `return_ref` (created=False when already recorded)."""
    if return_ref is not None:
        return_ref = return_ref.strip() or None
        if return_ref is not None and len(return_ref) > 64:
            raise InvalidReturn({"return_id": _l("A return id has at most 64 characters.")})
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise InvalidReturn({"amount": _l("The amount must be more than zero.")})

    member = db.session.get_one(Member, purchase.member_id)
    lock_member(member)  # every change to this purchase's returns goes through this lock
    db.session.refresh(purchase, attribute_names=["returned_amount", "points_reversed"])

    if return_ref is not None:
        earlier = db.session.scalar(
            select(PurchaseReturn).where(
                PurchaseReturn.purchase_id == purchase.id, PurchaseReturn.return_ref == return_ref
            )
        )
        if earlier is not None:
            if earlier.amount != amount:
                raise ReturnConflict(earlier)
            return earlier, False

    if amount > purchase.returnable_amount:
        raise InvalidReturn(
            {
                "amount": _l("This is more than what is left to return on this receipt.")
                if purchase.returnable_amount
                else _l("Everything on this receipt has already been returned.")
            }
        )

    returned_total = purchase.returned_amount + amount
    proportional_total = purchase.points_awarded * returned_total // purchase.amount
    # The returned share is settled by what earlier returns reversed and by what they left in
    # place because it had expired: counting only the reversed part would settle it twice.
    kept_before: int = db.session.execute(
        select(func.coalesce(func.sum(PurchaseReturn.points_expired_kept), 0)).where(
            PurchaseReturn.purchase_id == purchase.id
        )
    ).scalar_one()
    wanted = max(0, proportional_total - purchase.points_reversed - kept_before)
    # Points of this purchase that already expired left the balance once: never take them twice.
    expired = expired_points_of(purchase)
    reversible = max(0, purchase.points_awarded - expired - purchase.points_reversed)
    points = min(wanted, reversible)
    expired_kept = wanted - points
    reversed_total = purchase.points_reversed + points
    purchase_return = PurchaseReturn(
        purchase_id=purchase.id,
        return_ref=return_ref,
        amount=amount,
        points_reversed=points,
        points_expired_kept=expired_kept,
        reason=(reason or "")[:200],
        recorded_by_id=recorded_by.id if recorded_by is not None else None,
        api_token_id=api_token.id if api_token is not None else None,
        created_at=utcnow(),
    )
    db.session.add(purchase_return)
    purchase.returned_amount = returned_total
    purchase.points_reversed = reversed_total
    db.session.flush()
    if points > 0:
        reason_text = f"Return on receipt {purchase.receipt_no}: points of the returned part"
        if expired_kept:
            reason_text += f" ({expired_kept} had already expired and are not taken again)"
        debit_points(
            member,
            "reverse",
            points,
            reason=reason_text,
            consume_first=earn_entry_of(purchase),
            details={
                "receipt_no": purchase.receipt_no,
                "returned_amount": amount,
                "returned_total": returned_total,
                "purchase_amount": purchase.amount,
                "points_awarded": purchase.points_awarded,
                "currency": purchase.currency,
                "return_ref": return_ref,
                "expired_not_reversed": expired_kept,
            },
            actor=recorded_by,
            purchase_id=purchase.id,
            purchase_return_id=purchase_return.id,
        )
    # A return before the release date may cancel pending referral bonuses (same lock).
    review_after_return(purchase)
    logger.info(
        "return of %d on %s recorded for %r: %d points reversed, %d expired ones not taken again",
        amount,
        purchase.receipt_no,
        member,
        points,
        expired_kept,
    )
    count_return(
        "api" if api_token is not None else "staff" if recorded_by is not None else "other"
    )
    return purchase_return, True
