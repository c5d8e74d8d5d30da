"""How many points a purchase earns (DESIGN.md, "Earning"), and the sentence that explains it.

1 point (`points_per_unit`) per whole currency unit, times the member's tier multiplier
(`Tier.multiplier_percent` / 100), times `birthday_multiplier` (2) when the purchase falls in
the member's birthday month in the programme's time zone; rounded down. Integers only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from babel.numbers import format_decimal as babel_format_decimal
from babel.numbers import get_currency_precision

from portal.models import Member, Tier
from portal.services.programme.local_time import programme_zone
from portal.services.programme.settings import programme_settings


@dataclass(frozen=True)
class Earning:
    points: int
    whole_units: int
    points_per_unit: int
    tier_code: str
    tier_name: str
    multiplier_percent: int
    birthday: bool
    birthday_multiplier: int

    def as_details(self) -> dict:
        """The numbers, stored on the ledger entry so a page can explain them."""
        return {
            "whole_units": self.whole_units,
            "points_per_unit": self.points_per_unit,
            "tier": self.tier_code,
            "tier_name": self.tier_name,
            "multiplier_percent": self.multiplier_percent,
            "birthday": self.birthday,
            "birthday_multiplier": self.birthday_multiplier if self.birthday else 1,
            "points": self.points,
        }


def whole_units(amount_minor: int, currency: str) -> int:
    """¥1,234.56 -> 1234: only whole currency units earn."""
    units: int = 10 ** get_currency_precision(currency)  # a non-negative power: an int
    return amount_minor // units


def is_birthday_month(member: Member, moment: datetime) -> bool:
    """True when `moment`, read in the programme's time zone, is in the member's birth month."""
    if member.birthday is None:
        return False
    return moment.astimezone(programme_zone()).month == member.birthday.month


def compute_earning(
    member: Member, tier: Tier, *, amount: int, currency: str, purchased_at: datetime
) -> Earning:
    """The points a purchase of `amount` (minor units) earns for `member` at `tier`."""
    settings = programme_settings()
    units = whole_units(amount, currency)
    birthday = is_birthday_month(member, purchased_at)
    birthday_multiplier = settings.birthday_multiplier if birthday else 1
    points = units * settings.points_per_unit * tier.multiplier_percent * birthday_multiplier // 100
    return Earning(
        points=points,
        whole_units=units,
        points_per_unit=settings.points_per_unit,
        tier_code=tier.code,
        tier_name=tier.name,
        multiplier_percent=tier.multiplier_percent,
        birthday=birthday,
        birthday_multiplier=settings.birthday_multiplier,
    )


def multiplier_text(percent: int, locale: str = "en") -> str:
    """125 -> "1.25", 150 -> "1.5", 200 -> "2"."""
    whole, hundredths = divmod(percent, 100)
    if not hundredths:
        return babel_format_decimal(whole, locale=locale)
    return babel_format_decimal(f"{whole}.{hundredths:02d}".rstrip("0"), locale=locale)


def earning_formula(
    details: dict,
    *,
    locale: str = "en",
    tier_name: str | None = None,
    birthday_label: str = "birthday",
) -> str:
    """ "1,234 × 1.25 Silver, birthday ×2" from an earn entry's details, in `locale`'s digits.
    A page passes `tier_name` and `birthday_label` in the reader's language."""
    units = babel_format_decimal(details["whole_units"], locale=locale)
    per_unit = details.get("points_per_unit", 1)
    text = units if per_unit == 1 else f"{units} × {per_unit}"
    text += (
        f" × {multiplier_text(details['multiplier_percent'], locale)}"
        f" {tier_name or details.get('tier_name', '')}".rstrip()
    )
    if details.get("birthday"):
        text += f", {birthday_label} ×{details.get('birthday_multiplier', 2)}"
    return text
