"""Money in the programme: integer minor units (fen, cents) with a currency code, never floats."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import get_currency_precision


def minor_to_decimal(amount_minor: int, currency: str) -> Decimal:
    """12345 fen -> Decimal("123.45"), exactly."""
    return Decimal(amount_minor).scaleb(-get_currency_precision(currency))


def amount_text(amount_minor: int, currency: str) -> str:
    """12345 -> "123.45": how amounts leave the portal in JSON and CSV (never a float)."""
    return str(minor_to_decimal(amount_minor, currency))
