"""Jinja filters: money, points and dates in the reader's locale and the programme's zone."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask
from flask_babel import (
    format_currency,
    format_date,
    format_datetime,
    format_decimal,
    format_percent,
    format_time,
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


def money(amount_minor: int | None, currency: str | None = None) -> str:
    """¥1,234.50 from 123450 fen, in the reader's locale."""
    if amount_minor is None:
        return ""
    currency = currency or programme_settings().currency
    return _plain_sign(
        format_currency(minor_to_decimal(amount_minor, currency), currency), currency
    )


def money_whole(amount_minor: int | None, currency: str | None = None) -> str:
    """¥3,200 rather than ¥3,200.00, for targets and thresholds."""
    if amount_minor is None:
        return ""
    currency = currency or programme_settings().currency
    value = minor_to_decimal(amount_minor, currency)
    if value == value.to_integral_value():
        text = format_currency(value, currency, format="¤#,##0", currency_digits=False)
    else:
        text = format_currency(value, currency)
    return _plain_sign(text, currency)


def points(value: int | None) -> str:
    return format_decimal(value or 0)


def number(value: int | None) -> str:
    """A count (members, rows, items) in the reader's locale: 1,234."""
    return format_decimal(value or 0)


def percent(value: float | None) -> str:
    """0.125 as "12.5%" (or "12,5 %"), in the reader's locale."""
    return format_percent(value or 0, "#,##0.#%")


def signed_points(value: int) -> str:
    return ("+" if value > 0 else "−") + format_decimal(abs(value))


def local_date(value: datetime | date | None, format: str = "medium") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(programme_zone()).date()
    formatted: str = format_date(value, format)
    return formatted


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


def month_day(value: object) -> str:
    """A special date's month and day ("29 February", "2月29日") in the reader's locale; takes
    anything with `month` and `day` (a SpecialDate, a date)."""
    from babel.dates import format_skeleton
    from flask_babel import get_locale

    day = date(2024, value.month, value.day)  # type: ignore[attr-defined]  # a leap year
    formatted: str = format_skeleton("MMMMd", day, locale=get_locale() or "en")
    return formatted


def masked(text: str | None) -> str:
    """Answer text as staff see it: personal data masked (services/surveys/masking.py)."""
    return mask_personal_data(text or "").text


def has_personal_data(text: str | None) -> bool:
    return mask_personal_data(text or "").has_personal_data


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
        month_day=month_day,
        has_personal_data=has_personal_data,
        tier_name=tier_name,
        tier_benefits=tier_benefits,
        entry_text=describe_entry,
        device_label=device_label,
    )
