"""Phone numbers in one form, E.164 (+8613800138000), however they were typed: with spaces,
dashes, a +86 or none. Numbers without a country code are read as Chinese (region CN)."""

from __future__ import annotations

import phonenumbers

DEFAULT_REGION = "CN"


def e164(raw: str | None, *, region: str = DEFAULT_REGION) -> str | None:
    """`raw` as E.164, or None when it is not a possible phone number."""
    if not raw or not raw.strip():
        return None
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
