"""Reading a purchase as it arrives from outside (the till API, a staff form, a CSV row):
strings and JSON values in, checked values out, and a message per field for what is wrong.

Amounts are read with Decimal, never float, into integer minor units of the currency
(`get_currency_precision`: 2 for CNY, 0 for JPY).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.numbers import get_currency_precision, is_currency
from flask_babel import lazy_gettext as _l

from portal.clock import utcnow
from portal.models import Member
from portal.services.members.accounts import find_member_by_card, find_member_by_email
from portal.services.members.cards import is_valid_card_number, normalise_card_number
from portal.services.programme.local_time import programme_zone
from portal.services.programme.refusals import Invalid
from portal.services.programme.settings import programme_settings

# ¥100 million: more than any single receipt of the programme; larger is a typo or an attack.
MAX_AMOUNT_UNITS = 100_000_000
MAX_ITEMS = 200
MAX_QUANTITY = 10_000
# A till's clock may run a little ahead of ours.
CLOCK_SKEW = timedelta(minutes=5)
EARLIEST_PURCHASE = datetime(2000, 1, 1, tzinfo=UTC)
RECEIPT_NO = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
# Amounts are written with ASCII digits and a dot: Decimal() would also read other scripts'
# digits ("١٢٣") and exponents ("1E+9"), which no till sends.
AMOUNT_TEXT = re.compile(r"^[0-9]{1,15}(\.[0-9]{1,15})?$")
WHOLE_NUMBER_TEXT = re.compile(r"^[0-9]{1,9}$")


class InvalidPurchase(Invalid):
    """Bad input; `errors` maps each field to what is wrong with it (lazy strings)."""

    def __init__(self, errors: dict[str, Any]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()), errors=errors)


@dataclass
class ItemInput:
    name: str
    unit_price: int  # minor units
    quantity: int = 1
    sku: str = ""


@dataclass
class PurchaseInput:
    member: Member
    receipt_no: str
    amount: int  # minor units
    currency: str
    purchased_at: datetime
    store: str = ""
    items: list[ItemInput] = field(default_factory=list)


def parse_amount(value: Any, currency: str, *, allow_zero: bool = False) -> int:
    """ "123.45" (or the JSON number 123.45) -> 12345 minor units. Raises ValueError with a
    message a person understands."""
    if isinstance(value, bool) or value is None:
        raise ValueError(_l("Enter an amount, such as 123.45."))
    if isinstance(value, float):
        value = repr(value)  # the shortest text of the float, not its binary expansion
    if isinstance(value, int | Decimal):
        number = Decimal(value)
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            raise ValueError(_l("Enter an amount, such as 123.45."))
        if text.startswith("-") and AMOUNT_TEXT.match(text[1:]):
            raise ValueError(_l("The amount cannot be negative."))
        if not AMOUNT_TEXT.match(text):
            raise ValueError(_l("Enter the amount as a number, such as 123.45."))
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(_l("Enter the amount as a number, such as 123.45.")) from None
    else:
        raise ValueError(_l("Enter the amount as a number, such as 123.45."))
    if not number.is_finite():
        raise ValueError(_l("Enter the amount as a number, such as 123.45."))
    if number < 0:
        raise ValueError(_l("The amount cannot be negative."))
    if number == 0 and not allow_zero:
        raise ValueError(_l("The amount must be more than zero."))
    if number > MAX_AMOUNT_UNITS:
        raise ValueError(_l("This amount is too large to be a real purchase."))
    precision = get_currency_precision(currency)
    minor = number.scaleb(precision)
    if minor != minor.to_integral_value():
        if precision == 0:
            raise ValueError(_l("%(currency)s amounts have no decimals.", currency=currency))
        raise ValueError(
            _l(
                "%(currency)s amounts have at most %(digits)d decimals.",
                currency=currency,
                digits=precision,
            )
        )
    return int(minor)


def parse_currency(value: Any) -> str:
    """The programme's currency code, or ValueError: another currency is never converted."""
    expected = programme_settings().currency
    if not isinstance(value, str) or not value.strip():
        raise ValueError(_l("Give the currency code, %(currency)s.", currency=expected))
    code = value.strip().upper()
    if len(code) != 3 or not is_currency(code):
        raise ValueError(_l("%(code)s is not a currency code.", code=value.strip()[:10]))
    if code != expected:
        raise ValueError(
            _l(
                "This programme takes purchases in %(currency)s only, not %(code)s.",
                currency=expected,
                code=code,
            )
        )
    return code


def parse_purchased_at(value: Any, *, now: datetime | None = None) -> datetime:
    """An ISO 8601 date and time; without an offset it is read in the programme's time zone.
    Not in the future (beyond a few minutes of clock skew)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        try:
            if len(text) > 40 or not text.isascii():
                raise ValueError(text)
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(
                _l("Give the date and time in ISO 8601, such as 2026-05-01T14:30:00+08:00.")
            ) from None
    else:
        raise ValueError(_l("Give the date and time of the purchase."))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=programme_zone())
    # Year 1 at +14:00 (or 9999 at -12:00) has no UTC time within datetime's range: such a
    # date is outside the stated range, not an error of ours.
    if not EARLIEST_PURCHASE.year <= moment.year <= 9998:
        raise ValueError(
            _l("The purchase date is too far in the past.")
            if moment.year < EARLIEST_PURCHASE.year
            else _l("The purchase date is in the future.")
        )
    moment = moment.astimezone(UTC)
    if moment > (now or utcnow()) + CLOCK_SKEW:
        raise ValueError(_l("The purchase date is in the future."))
    if moment < EARLIEST_PURCHASE:
        raise ValueError(_l("The purchase date is too far in the past."))
    return moment


def parse_receipt_no(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(_l("Give the receipt number."))
    text = value.strip()
    if len(text) > 64:
        raise ValueError(_l("A receipt number has at most 64 characters."))
    if not RECEIPT_NO.match(text):
        raise ValueError(
            _l("A receipt number has only letters, digits, dots, dashes and underscores.")
        )
    return text


def find_member_for_purchase(value: Any) -> Member:
    """The member by email or card number (its check digit is checked before any lookup)."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(_l("Give the member's email or card number."))
    text = value.strip()
    if "@" in text:
        member = find_member_by_email(text)
        if member is None or not member.is_active:
            raise ValueError(_l("No member has this email address."))
        return member
    number = normalise_card_number(text)
    if not is_valid_card_number(number):
        raise ValueError(_l("This is not a valid card number: check the digits."))
    member = find_member_by_card(number)
    if member is None:
        raise ValueError(_l("No member has this card number."))
    return member


def parse_items(value: Any, currency: str) -> tuple[list[ItemInput], dict[str, Any]]:
    """The receipt's lines; errors are keyed like `items[0].quantity`."""
    if value is None or value == "":
        return [], {}
    if not isinstance(value, list):
        return [], {"items": _l("Items must be a list.")}
    if len(value) > MAX_ITEMS:
        return [], {"items": _l("A receipt has at most %(count)d items.", count=MAX_ITEMS)}
    items: list[ItemInput] = []
    errors: dict[str, Any] = {}
    for index, raw in enumerate(value):
        key = f"items[{index}]"
        if not isinstance(raw, dict):
            errors[key] = _l("Each item needs a name, a quantity and a unit price.")
            continue
        name = raw.get("name")
        if not isinstance(name, str) or not name.strip():
            errors[f"{key}.name"] = _l("Give the item's name.")
        elif len(name.strip()) > 200:
            errors[f"{key}.name"] = _l("An item name has at most 200 characters.")
        sku = raw.get("sku") or ""
        if not isinstance(sku, str) or len(sku) > 64:
            errors[f"{key}.sku"] = _l("A SKU is text of at most 64 characters.")
        quantity = raw.get("quantity", 1)
        if isinstance(quantity, str) and WHOLE_NUMBER_TEXT.match(quantity.strip()):
            quantity = int(quantity.strip())
        if (
            isinstance(quantity, bool)
            or not isinstance(quantity, int)
            or not 1 <= quantity <= MAX_QUANTITY
        ):
            errors[f"{key}.quantity"] = _l("The quantity is a whole number of at least 1.")
        try:
            unit_price = parse_amount(raw.get("unit_price"), currency, allow_zero=True)
        except ValueError as error:
            errors[f"{key}.unit_price"] = error.args[0]
            unit_price = 0
        if isinstance(name, str) and not any(k.startswith(f"{key}.") for k in errors):
            items.append(
                ItemInput(
                    name=name.strip(), unit_price=unit_price, quantity=quantity, sku=sku.strip()
                )
            )
    return items, errors


@dataclass
class ReturnInput:
    amount: int  # minor units
    return_ref: str | None
    reason: str


def parse_return(raw: dict[str, Any], currency: str) -> ReturnInput:
    """Check a return's fields (API body) at once; raise InvalidPurchase with a message per
    wrong field. A numeric return id is kept as its text."""
    errors: dict[str, Any] = {}
    amount = 0
    try:
        amount = parse_amount(raw.get("amount"), currency)
    except ValueError as error:
        errors["amount"] = error.args[0]
    given_ref = raw.get("return_id")
    if isinstance(given_ref, int) and not isinstance(given_ref, bool):
        given_ref = str(given_ref)
    return_ref: str | None = None
    if isinstance(given_ref, str) and len(given_ref) <= 64:
        return_ref = given_ref
    elif given_ref is not None:
        errors["return_id"] = _l("A return id is text of at most 64 characters.")
    reason = raw.get("reason") or ""
    if not isinstance(reason, str):
        errors["reason"] = _l("The reason is text.")
    if errors:
        raise InvalidPurchase(errors)
    return ReturnInput(amount=amount, return_ref=return_ref, reason=reason)


def parse_purchase(
    raw: dict[str, Any], *, now: datetime | None = None, receipt_required: bool = True
) -> PurchaseInput:
    """Check every field of a purchase (API body, staff form, CSV row) at once; raise
    InvalidPurchase with a message per wrong field. A preview needs no receipt number
    (`receipt_required=False`): one that is given is still checked."""
    errors: dict[str, Any] = {}
    values: dict[str, Any] = {}

    def read(name: str, parse: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        try:
            values[name] = parse(raw.get(name), *args, **kwargs)
        except ValueError as error:
            errors[name] = error.args[0]

    read("member", find_member_for_purchase)
    if receipt_required or raw.get("receipt_no") not in (None, ""):
        read("receipt_no", parse_receipt_no)
    else:
        values["receipt_no"] = ""
    read("currency", parse_currency)
    # Amounts are read in the currency given when it is a real one, else the programme's.
    currency = values.get("currency") or programme_settings().currency
    read("amount", parse_amount, currency)
    read("purchased_at", parse_purchased_at, now=now)
    store = raw.get("store") or ""
    if not isinstance(store, str) or len(store.strip()) > 100:
        errors["store"] = _l("The store is text of at most 100 characters.")
    items, item_errors = parse_items(raw.get("items"), currency)
    errors.update(item_errors)
    if errors:
        raise InvalidPurchase(errors)
    return PurchaseInput(store=store.strip(), items=items, **values)
