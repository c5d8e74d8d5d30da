"""Programme settings: the numbers of DESIGN.md, stored in the settings table by admins.

A key missing from the table takes its default here, so a new programme runs as designed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields, replace
from typing import Any
from zoneinfo import available_timezones

from flask import g, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.extensions import db
from portal.models import Member, Setting
from portal.services.messaging.audit import record_audit
from portal.services.programme.refusals import Invalid


@dataclass(frozen=True)
class ProgrammeSettings:
    programme_name: str = "Maison Lumière Members' Club"
    currency: str = "CNY"
    timezone: str = "Asia/Shanghai"
    # Earning: points per whole currency unit (before the tier multiplier).
    points_per_unit: int = 1
    birthday_multiplier: int = 2
    points_expiry_months: int = 24
    expiry_notice_days: int = 30
    # Tiers: the rolling window of qualifying spend, and how long a reached tier is kept.
    tier_window_months: int = 12
    tier_keep_months: int = 12
    # Returns: how long after a purchase it may still be returned (referral bonuses wait for it).
    return_window_days: int = 30
    # Referrals.
    referral_referrer_points: int = 500
    referral_friend_points: int = 200
    referral_min_purchase_units: int = 500
    referral_window_days: int = 90
    referral_monthly_cap: int = 10
    # Communication: at most this many marketing messages per member per 7 days.
    marketing_weekly_cap: int = 1
    # Signed-in sessions end after this long unused, and at the latest this long after signing
    # in: members' in days, staff and admins' in minutes and hours.
    member_session_idle_days: int = 30
    member_session_max_days: int = 180
    staff_session_idle_minutes: int = 30
    staff_session_max_hours: int = 12
    # The largest purchase (in whole currency units) a till or the shop may record through the
    # API; a larger receipt is recorded by staff at the desk, with a reason.
    max_purchase_amount: int = 2_000_000
    # Surveys: a member is asked at most once in this many days (a re-survey excepted); a
    # purchase's or event's survey stays open this many days; a detractor's case is due this
    # many hours after the answer; goodwill points a staff member (or an admin) may give.
    survey_quiet_days: int = 30
    survey_open_days: int = 14
    case_due_hours: int = 48
    goodwill_staff_limit: int = 500
    goodwill_admin_limit: int = 2000
    # Reporting: what one point costs the programme when it is redeemed (minor units, fen), and
    # the share of outstanding points expected to be redeemed, for the points liability.
    point_value_minor_units: int = 5
    expected_redemption_percent: int = 80


DEFAULTS = ProgrammeSettings()
SETTING_NAMES = tuple(f.name for f in fields(ProgrammeSettings))


def load_programme_settings() -> ProgrammeSettings:
    rows = db.session.execute(select(Setting.key, Setting.value)).all()
    overrides: dict[str, Any] = {}
    for key, raw in rows:
        if key in SETTING_NAMES:
            overrides[key] = json.loads(raw)
    return replace(DEFAULTS, **overrides)


def programme_settings() -> ProgrammeSettings:
    """The settings in force, read once per request (or app context)."""
    if not has_app_context():
        return DEFAULTS
    cached: ProgrammeSettings | None = g.get("programme_settings")
    if cached is None:
        cached = load_programme_settings()
        g.programme_settings = cached
    return cached


def update_setting(key: str, value: Any, *, actor: Member | None = None) -> None:
    """Store one setting (admins). Takes effect from the next request."""
    if key not in SETTING_NAMES:
        raise KeyError(key)
    row = db.session.get(Setting, key)
    encoded = json.dumps(value)
    if row is None:
        row = Setting(key=key, value=encoded)
        db.session.add(row)
    else:
        row.value = encoded
    row.updated_by_id = actor.id if actor is not None else None
    db.session.flush()
    g.pop("programme_settings", None)


# -- changing the settings (admins) ------------------------------------------------------------

# The range each whole-number setting may take; a setting not listed takes 0 to 1,000,000.
RANGES: dict[str, tuple[int, int]] = {
    "points_per_unit": (1, 100),
    "birthday_multiplier": (1, 10),
    "points_expiry_months": (1, 120),
    "expiry_notice_days": (1, 365),
    "tier_window_months": (1, 36),
    "tier_keep_months": (1, 36),
    "return_window_days": (0, 365),
    "referral_referrer_points": (0, 100_000),
    "referral_friend_points": (0, 100_000),
    "referral_min_purchase_units": (0, 10_000_000),
    "referral_window_days": (1, 365),
    "referral_monthly_cap": (0, 1_000),
    "marketing_weekly_cap": (0, 14),
    "member_session_idle_days": (1, 365),
    "member_session_max_days": (1, 730),
    "staff_session_idle_minutes": (5, 24 * 60),
    "staff_session_max_hours": (1, 72),
    "max_purchase_amount": (1, 100_000_000),
    "survey_quiet_days": (0, 365),
    "survey_open_days": (1, 90),
    "case_due_hours": (1, 24 * 14),
    "goodwill_staff_limit": (0, 100_000),
    "goodwill_admin_limit": (0, 1_000_000),
    "point_value_minor_units": (0, 100_000),
    "expected_redemption_percent": (0, 100),
}
DEFAULT_RANGE = (0, 1_000_000)
# Settings the admin page shows but does not change: another currency would turn every stored
# amount into another sum (the programme never converts).
FIXED = ("currency",)


class SettingsRefused(Invalid):
    """Some values are impossible; `errors` maps each setting to why."""

    code = "invalid_settings"


def setting_range(key: str) -> tuple[int, int]:
    return RANGES.get(key, DEFAULT_RANGE)


def editable_settings() -> tuple[str, ...]:
    return tuple(name for name in SETTING_NAMES if name not in FIXED)


def _problems(values: ProgrammeSettings) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    for item in fields(ProgrammeSettings):
        value = getattr(values, item.name)
        if isinstance(getattr(DEFAULTS, item.name), int):
            low, high = setting_range(item.name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                errors[item.name] = _l(
                    "Enter a whole number from %(low)s to %(high)s.",
                    low=f"{low:,}",
                    high=f"{high:,}",
                )
    if values.timezone not in available_timezones():
        errors["timezone"] = _l("This is not a time zone we know, like Asia/Shanghai.")
    if not values.programme_name.strip() or len(values.programme_name) > 100:
        errors["programme_name"] = _l("Give the programme a name of at most 100 characters.")
    if "member_session_idle_days" not in errors and "member_session_max_days" not in errors:
        if values.member_session_idle_days > values.member_session_max_days:
            errors["member_session_idle_days"] = _l(
                "A session cannot stay unused longer than it may last at all."
            )
    if "staff_session_idle_minutes" not in errors and "staff_session_max_hours" not in errors:
        if values.staff_session_idle_minutes > values.staff_session_max_hours * 60:
            errors["staff_session_idle_minutes"] = _l(
                "A session cannot stay unused longer than it may last at all."
            )
    return errors


def change_settings(changes: dict[str, Any], *, actor: Member) -> list[str]:
    """Store the settings an admin changed, all or none: each value is checked (its range, the
    time zone, idle times within the session lifetimes) and each change is written to the audit
    log with its value before and after. Returns the keys that changed."""
    current = programme_settings()
    wanted = {
        key: value
        for key, value in changes.items()
        if key in editable_settings() and value != getattr(current, key)
    }
    proposed = replace(current, **wanted)
    errors = {key: message for key, message in _problems(proposed).items() if key in wanted}
    if errors:
        raise SettingsRefused(errors=errors)
    for key in sorted(wanted):
        before = getattr(current, key)
        update_setting(key, wanted[key], actor=actor)
        record_audit(
            "settings.change",
            actor=actor,
            summary=f"{key}: {before!r} → {wanted[key]!r}",
            details={"setting": key, "before": before, "after": wanted[key]},
        )
    return sorted(wanted)
