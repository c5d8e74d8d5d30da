"""Jinja filters: money, points and dates in the reader's locale and the programme's zone."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

import phonenumbers
from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from flask import Flask
from flask_babel import (
    format_date,
    format_datetime,
    format_percent,
    format_time,
    get_locale,
)

from portal.services.programme.local_time import programme_zone
from portal.services.programme.money import minor_to_decimal
from portal.services.programme.settings import programme_settings
from portal.services.surveys.masking import mask_personal_data
from portal.web.ledger_text import describe_entry
from portal.web.localized import localized, localized_choice, tier_benefits, tier_name

# The programme has one currency, so the plain local sign reads better than an international
# one ("¥1,234", not "CN¥1,234" for a reader in English).
PLAIN_SIGNS = {"CNY": ("CN¥", "¥")}


def _plain_sign(text: str, currency: str) -> str:
    international, plain = PLAIN_SIGNS.get(currency, ("", ""))
    return text.replace(international, plain) if international else text


# Babel's formatting reads the locale's patterns on every call, and a page formats the same
# few amounts and dates many times: the results are kept per locale (they never change), and
# whole numbers take Python's own grouping where it writes exactly what Babel writes.
FORMATS_KEPT = 4096


def _locale() -> Locale:
    return get_locale() or Locale.parse("en")


@lru_cache(maxsize=FORMATS_KEPT)
def _money(locale: Locale, amount_minor: int, currency: str, whole: bool) -> str:
    value = minor_to_decimal(amount_minor, currency)
    if whole and value == value.to_integral_value():
        text = babel_numbers.format_currency(
            value, currency, format="¤#,##0", currency_digits=False, locale=locale
        )
    else:
        text = babel_numbers.format_currency(value, currency, locale=locale)
    return _plain_sign(text, currency)


def money(amount_minor: int | None, currency: str | None = None) -> str:
    """¥1,234.50 from 123450 fen, in the reader's locale."""
    if amount_minor is None:
        return ""
    return _money(_locale(), amount_minor, currency or programme_settings().currency, False)


def money_whole(amount_minor: int | None, currency: str | None = None) -> str:
    """¥3,200 rather than ¥3,200.00, for targets and thresholds."""
    if amount_minor is None:
        return ""
    return _money(_locale(), amount_minor, currency or programme_settings().currency, True)


@lru_cache(maxsize=64)
def _groups_like_python(locale: Locale) -> bool:
    """Whether the locale writes whole numbers as Python's "{:,}" does (English and Chinese
    do: 1,234,567 and -1,234)."""
    samples = (0, 7, 1234, 1234567, -1234, -987654321)
    return all(babel_numbers.format_decimal(n, locale=locale) == f"{n:,}" for n in samples)


def _whole_number(value: int) -> str:
    locale = _locale()
    if _groups_like_python(locale):
        return f"{value:,}"
    text: str = babel_numbers.format_decimal(value, locale=locale)
    return text


def points(value: int | None) -> str:
    return _whole_number(value or 0)


def number(value: int | None) -> str:
    """A count (members, rows, items) in the reader's locale: 1,234."""
    return _whole_number(value or 0)


def percent(value: float | None) -> str:
    """0.125 as "12.5%" (or "12,5 %"), in the reader's locale."""
    return format_percent(value or 0, "#,##0.#%")


def signed_points(value: int) -> str:
    return ("+" if value > 0 else "−") + _whole_number(abs(value))


@lru_cache(maxsize=FORMATS_KEPT)
def _local_date(locale: Locale, value: date, format: str) -> str:
    formatted: str = babel_dates.format_date(value, format, locale=locale)
    return formatted


def local_date(value: datetime | date | None, format: str = "medium") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(programme_zone()).date()
    return _local_date(_locale(), value, format)


def local_datetime(value: datetime | None, format: str = "medium") -> str:
    if value is None:
        return ""
    formatted: str = format_datetime(value, format)
    return formatted


def iso_date(value: datetime | date) -> str:
    """The day as a machine reads it (a <time> element's datetime), in the programme's zone."""
    if isinstance(value, datetime):
        value = value.astimezone(programme_zone()).date()
    return value.isoformat()


def iso_datetime(value: datetime) -> str:
    """The moment as a machine reads it, with the programme zone's offset."""
    return value.astimezone(programme_zone()).isoformat(timespec="minutes")


def local_time(value: datetime | None) -> str:
    """The time of day, "19:00" or "7:00 PM", in the programme's zone."""
    if value is None:
        return ""
    formatted: str = format_time(value, "short")
    return formatted


def time_span(start: datetime, end: datetime | None = None) -> str:
    """ "Monday, 22 June 2026 · 19:00–21:00" in the reader's locale and the programme's zone."""
    day = format_date(start.astimezone(programme_zone()).date(), "full")
    text = f"{day} · {format_time(start, 'short')}"
    if end is not None:
        if end.astimezone(programme_zone()).date() == start.astimezone(programme_zone()).date():
            return f"{text}–{format_time(end, 'short')}"
        return f"{text} – {format_datetime(end, 'short')}"
    return text


def masked(text: str | None) -> str:
    """Answer text as staff see it: personal data masked (services/surveys/masking.py)."""
    return mask_personal_data(text or "").text


def has_personal_data(text: str | None) -> bool:
    return mask_personal_data(text or "").has_personal_data


def month_name(month: int) -> str:
    """The month's short name in the reader's locale: "Mar", "3月"."""
    name: str = babel_dates.get_month_names("abbreviated", locale=_locale())[month]
    return name


def month_day(month: int, day: int) -> str:
    """A yearly date (a birthday, an anniversary) without its year: "29 February", "2月29日"."""
    from babel.dates import format_skeleton
    from flask_babel import get_locale

    # 2000 is a leap year, so 29 February can be shown.
    formatted: str = format_skeleton("MMMMd", date(2000, month, day), locale=get_locale())
    return formatted


# Numbers typed without a country code are read as the programme's country's.
PHONE_REGION = "CN"


def _parsed_phone(value: str | None) -> phonenumbers.PhoneNumber | None:
    if not value or not value.strip():
        return None
    try:
        number = phonenumbers.parse(value, PHONE_REGION)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_possible_number(number) else None


def phone(value: str | None) -> str:
    """A phone number as people read it (+86 138 0013 8000), or as typed when unreadable."""
    number = _parsed_phone(value)
    if number is None:
        return value or ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def tel_href(value: str | None) -> str:
    """A `tel:` link (E.164) that a phone dials on a tap; "" when the number is unreadable."""
    number = _parsed_phone(value)
    if number is None:
        return ""
    return "tel:" + phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def install_filters(app: Flask) -> None:
    from portal.web.devices import device_label

    app.jinja_env.filters.update(
        money=money,
        money_whole=money_whole,
        points=points,
        number=number,
        percent=percent,
        signed_points=signed_points,
        local_date=local_date,
        local_datetime=local_datetime,
        iso_date=iso_date,
        iso_datetime=iso_datetime,
        time_span=time_span,
        local_time=local_time,
        localized=localized,
        localized_choice=localized_choice,
        masked=masked,
        has_personal_data=has_personal_data,
        tier_name=tier_name,
        tier_benefits=tier_benefits,
        entry_text=describe_entry,
        device_label=device_label,
        phone=phone,
        tel_href=tel_href,
    )
    app.jinja_env.globals.update(month_day=month_day, month_name=month_name)
