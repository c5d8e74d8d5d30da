"""Every body of the API, described once. The same classes validate requests and write the
OpenAPI document, so the document cannot drift from what the API accepts and answers."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from portal.services.purchases.input import MAX_ITEMS, MAX_QUANTITY

AMOUNT_PATTERN = r"^[0-9]{1,12}(\.[0-9]{1,4})?$"
RECEIPT_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
CURRENCY_PATTERN = r"^[A-Za-z]{3}$"
MAX_TEXT = 200
MAX_MEMBER = 254
MAX_DATE_TEXT = 40


def _number_as_text(value: Any) -> Any:
    """A JSON number is read exactly (as Decimal, never float) and checked as its digits."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        if value.is_finite() and -20 < value.adjusted() < 20:
            return format(value, "f")
        return str(value)
    return value


def _whole_number(value: Any) -> Any:
    """A quantity: a JSON integer, or its ASCII digits as text; never true/false."""
    if isinstance(value, bool):
        raise ValueError("not a number")
    if isinstance(value, str):
        text = value.strip()
        if not (text.isascii() and text.isdigit() and len(text) <= 9):
            raise ValueError("not a whole number")
        return int(text)
    if isinstance(value, Decimal):
        if value != value.to_integral_value() or abs(value) > 10**9:
            raise ValueError("not a whole number")
        return int(value)
    return value


Amount = Annotated[
    str,
    BeforeValidator(_number_as_text),
    Field(
        pattern=AMOUNT_PATTERN,
        max_length=17,
        description=(
            "A decimal amount in the currency's units, ASCII digits with a dot, as a string "
            "(a JSON number is also read exactly). At most the currency's decimals (2 for CNY)."
        ),
        examples=["1234.50"],
    ),
]


class Item(BaseModel):
    """One line of the receipt."""

    model_config = ConfigDict(extra="ignore")

    sku: str = Field("", max_length=64, examples=["PD-18K-07"])
    name: str = Field(min_length=1, max_length=MAX_TEXT, examples=["18K gold pendant"])
    quantity: Annotated[int, BeforeValidator(_whole_number)] = Field(
        1, ge=1, le=MAX_QUANTITY, examples=[1]
    )
    unit_price: Amount


class PurchaseBody(BaseModel):
    """A receipt from a till or the online shop."""

    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "examples": [
                {
                    "member": "demo@example.com",
                    "receipt_no": "SH01-2026-000123",
                    "amount": "1234.50",
                    "currency": "CNY",
                    "purchased_at": "2026-05-01T14:30:00+08:00",
                    "store": "Shanghai IFC",
                    "items": [
                        {
                            "sku": "PD-18K-07",
                            "name": "18K gold pendant",
                            "quantity": 1,
                            "unit_price": "1234.50",
                        }
                    ],
                }
            ]
        },
    )

    member: str = Field(
        min_length=1,
        max_length=MAX_MEMBER,
        description="The member's email, or their 12-digit card number (spaces allowed).",
        examples=["demo@example.com"],
    )
    receipt_no: str = Field(
        min_length=1,
        max_length=64,
        pattern=RECEIPT_PATTERN,
        description=(
            "Unique across the programme: prefix it with the store code. Letters, digits, "
            "dots, dashes and underscores."
        ),
        examples=["SH01-2026-000123"],
    )
    amount: Amount
    currency: str = Field(
        pattern=CURRENCY_PATTERN,
        description="The programme's currency code (CNY); any other is refused.",
        examples=["CNY"],
    )
    purchased_at: str = Field(
        min_length=1,
        max_length=MAX_DATE_TEXT,
        description=(
            "ISO 8601 date and time, such as 2026-05-01T14:30:00+08:00; without an offset it "
            "is read in the programme's time zone (Asia/Shanghai). From 2000-01-01 to five "
            "minutes after now."
        ),
        examples=["2026-05-01T14:30:00+08:00"],
    )
    store: str = Field("", max_length=100, examples=["Shanghai IFC"])
    items: list[Item] = Field(default_factory=list, max_length=MAX_ITEMS)


class PreviewBody(PurchaseBody):
    """A purchase as it would be recorded; the receipt number may be left out."""

    receipt_no: str = Field(
        "",
        max_length=64,
        pattern=r"^$|" + RECEIPT_PATTERN,
        description="Optional for a preview; checked when given.",
        examples=["SH01-2026-000123"],
    )


class ReturnBody(BaseModel):
    """A full or partial return of a recorded receipt."""

    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "examples": [{"amount": "617.25", "return_id": "SH01-RT-0042", "reason": "Size"}]
        },
    )

    amount: Amount
    return_id: Annotated[str | None, BeforeValidator(lambda v: str(v) if type(v) is int else v)] = (
        Field(
            None,
            min_length=1,
            max_length=64,
            description="The till's own id of the return: the same id again records nothing more.",
            examples=["SH01-RT-0042"],
        )
    )
    reason: str = Field("", max_length=MAX_TEXT, examples=["Size"])


# -- answers --------------------------------------------------------------------------------


class PurchaseAnswer(BaseModel):
    purchase_id: int = Field(examples=[41])
    points_awarded: int = Field(examples=[1234])
    balance: int = Field(description="The member's points balance now.", examples=[5678])
    tier: str = Field(description="The member's tier code.", examples=["silver"])


class PreviewAnswer(BaseModel):
    recorded: Literal[False] = Field(
        default=False, description="Always false: nothing was recorded."
    )
    points_awarded: int = Field(description="The points the purchase would earn.", examples=[1542])
    balance: int = Field(description="The member's points balance now.", examples=[5678])
    balance_after: int = Field(description="The balance once it is recorded.", examples=[7220])
    tier: str = Field(examples=["silver"])
    multiplier: str = Field(description="The tier multiplier applied.", examples=["1.25"])
    birthday_month: bool = Field(description="Whether the birthday-month double applied.")


class ReturnAnswer(BaseModel):
    purchase_id: int = Field(examples=[41])
    receipt_no: str = Field(examples=["SH01-2026-000123"])
    return_id: str | None = Field(examples=["SH01-RT-0042"])
    amount: str = Field(examples=["617.25"])
    points_reversed: int = Field(examples=[617])
    points_expired_kept: int = Field(
        description="Points of the returned part that had already expired: not taken again.",
        examples=[0],
    )
    returned_total: str = Field(examples=["617.25"])
    balance: int = Field(examples=[617])
    tier: str = Field(examples=["member"])


class MemberAnswer(BaseModel):
    name: str = Field(examples=["Lin Mei"])
    tier: str = Field(examples=["gold"])
    balance: int = Field(examples=[12500])
    card_number: str = Field(examples=["660123456782"])
    status: Literal["active", "blocked"] = Field(
        description=(
            "`blocked`: staff blocked the member's sign-in; the till should ask them to see "
            "the staff before redeeming."
        ),
        examples=["active"],
    )


class VoucherMember(BaseModel):
    name: str = Field(examples=["Lin Mei"])
    card_number: str = Field(examples=["660123456782"])


VoucherStatus = Literal["issued", "fulfilled", "cancelled", "expired"]
VoucherRefusal = Literal["fulfilled", "cancelled", "expired"]


class VoucherAnswer(BaseModel):
    code: str = Field(description="As printed on the voucher.", examples=["ABCD-EFGH-JKMN"])
    status: VoucherStatus
    usable: bool = Field(description="Whether it can be fulfilled now.")
    refusal: VoucherRefusal | None = Field(
        None, description="Why it cannot be used, when it cannot."
    )
    reward: str = Field(examples=["Jewellery cleaning and check"])
    reward_zh: str | None = Field(None, examples=["珠宝清洁与检查"])
    points_spent: int = Field(examples=[800])
    valid_until: str = Field(description="ISO 8601, UTC.", examples=["2026-09-01T04:00:00Z"])
    fulfilled_at: str | None = Field(None, examples=[None])
    member: VoucherMember


class ErrorAnswer(BaseModel):
    """Every refusal: a stable code, a sentence, and a message per field when fields are wrong."""

    error: str = Field(
        description="A stable code: bad_request, unauthorized, forbidden, scope_missing, "
        "not_found, method_not_allowed, conflict, "
        "voucher_fulfilled, voucher_cancelled, voucher_expired, in_progress, too_large, "
        "unsupported_media_type, invalid_input, too_many_requests.",
        examples=["invalid_input"],
    )
    message: str = Field(examples=["Some fields are not valid."])
    errors: dict[str, str] | None = Field(
        None,
        description='A message per field, keyed by its path ("amount", "items[0].quantity").',
        examples=[{"amount": "Enter the amount as a number, such as 123.45."}],
    )


SCOPE_WORDS = {
    "purchases": "record purchases and returns, and preview them",
    "members:read": "look members up by card",
    "vouchers": "look vouchers up and fulfil them",
}

# What each field must look like, said once: shown when its shape is wrong (a missing field
# gets the first message, any other fault the second).
FIELD_MESSAGES: dict[str, tuple[Any, Any]] = {
    "member": (
        _l("Give the member's email or card number."),
        _l("Give the member's email or card number."),
    ),
    "receipt_no": (
        _l("Give the receipt number."),
        _l("A receipt number has only letters, digits, dots, dashes and underscores."),
    ),
    "amount": (
        _l("Enter an amount, such as 123.45."),
        _l("Enter the amount as a number in the digits 0-9 with a dot, such as 123.45."),
    ),
    "currency": (
        _l("Give the currency code."),
        _l("A currency code has three letters, such as CNY."),
    ),
    "purchased_at": (
        _l("Give the date and time of the purchase."),
        _l("Give the date and time in ISO 8601, such as 2026-05-01T14:30:00+08:00."),
    ),
    "store": (_l("The store is text."), _l("The store is text.")),
    "items": (
        _l("Items must be a list."),
        _l("Items must be a list of objects with a name, a quantity and a unit price."),
    ),
    "items[]": (
        _l("Each item needs a name, a quantity and a unit price."),
        _l("Each item needs a name, a quantity and a unit price."),
    ),
    "items[].name": (_l("Give the item's name."), _l("Give the item's name.")),
    "items[].sku": (_l("A SKU is text."), _l("A SKU is text.")),
    "items[].quantity": (
        _l("The quantity is a whole number of at least 1."),
        _l("The quantity is a whole number of at least 1 and at most %(max)d.", max=MAX_QUANTITY),
    ),
    "items[].unit_price": (
        _l("Give the unit price, such as 123.45."),
        _l("Enter the amount as a number in the digits 0-9 with a dot, such as 123.45."),
    ),
    "return_id": (
        _l("A return id is text of at most 64 characters."),
        _l("A return id is text of at most 64 characters."),
    ),
    "reason": (_l("The reason is text."), _l("The reason is text.")),
}
