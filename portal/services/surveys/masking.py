"""Personal data typed into answers, masked for staff until one of them reveals it (a logged
action): phone numbers (also +86 mobiles, found with `phonenumbers`), emails, card numbers,
18-digit ID numbers and WeChat IDs."""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers

MASK = "▇▇▇"
# Mainland resident ID: 17 digits and a check digit (or X), not inside a longer number.
ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?![\dXx])")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Bank and membership cards: 12 to 19 digits, maybe in groups of 4 with spaces or dashes.
CARD_NUMBER = re.compile(r"(?<!\d)(?:\d[ -]?){11,18}\d(?!\d)")
WECHAT_ID = re.compile(
    r"(?i)((?:wechat|weixin|wx|vx|v信|微信号?|薇信)\s*(?:id|号)?\s*[:：]?\s*)([a-z][-_a-z0-9]{5,19})"
)


@dataclass(frozen=True)
class MaskedText:
    text: str
    found: tuple[str, ...]  # the kinds found: phone, email, card, id_number, wechat

    @property
    def has_personal_data(self) -> bool:
        return bool(self.found)


def _phone_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for match in phonenumbers.PhoneNumberMatcher(text, "CN", leniency=phonenumbers.Leniency.VALID):
        spans.append((match.start, match.end))
    return spans


def _luhn_valid(digits: str) -> bool:
    total = 0
    for n, char in enumerate(reversed(digits)):
        value = int(char)
        if n % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _card_spans(text: str) -> list[tuple[int, int]]:
    """Bank cards and the programme's 12-digit cards carry a Luhn check digit: a receipt or an
    order number that fails it is left alone."""
    spans = []
    for match in CARD_NUMBER.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if 12 <= len(digits) <= 19 and _luhn_valid(digits):
            spans.append(match.span())
    return spans


def mask_personal_data(text: str) -> MaskedText:
    found: list[str] = []
    spans: list[tuple[int, int]] = []

    def take(kind: str, found_spans: list[tuple[int, int]]) -> None:
        for start, end in found_spans:
            if any(start < e and s < end for s, e in spans):
                continue
            spans.append((start, end))
            if kind not in found:
                found.append(kind)

    take("id_number", [m.span() for m in ID_NUMBER.finditer(text)])
    take("email", [m.span() for m in EMAIL.finditer(text)])
    take("phone", _phone_spans(text))
    take("card", _card_spans(text))
    take("wechat", [m.span(2) for m in WECHAT_ID.finditer(text)])
    masked = text
    for start, end in sorted(spans, reverse=True):
        masked = masked[:start] + MASK + masked[end:]
    return MaskedText(masked, tuple(found))
