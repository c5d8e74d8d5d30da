"""Membership card numbers and referral codes."""

import secrets

CARD_PREFIX = "66"
CARD_LENGTH = 12
# No 0/O, 1/I/L: a code read aloud or typed from a phone should not be misread.
REFERRAL_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def luhn_check_digit(digits: str) -> str:
    total = 0
    for position, char in enumerate(reversed(digits)):
        d = int(char)
        if position % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def is_valid_card_number(value: str) -> bool:
    digits = "".join(value.split())
    return (
        len(digits) == CARD_LENGTH
        and digits.isascii()
        and digits.isdigit()
        and luhn_check_digit(digits[:-1]) == digits[-1]
    )


def new_card_number() -> str:
    """12 digits: the programme prefix, 9 random digits and a Luhn check digit, so a mistyped
    number at the till is caught before any lookup."""
    body = CARD_PREFIX + "".join(secrets.choice("0123456789") for _ in range(CARD_LENGTH - 3))
    return body + luhn_check_digit(body)


def normalise_card_number(value: str) -> str:
    return "".join(value.split()).replace("-", "")


def new_referral_code() -> str:
    return "".join(secrets.choice(REFERRAL_ALPHABET) for _ in range(8))
