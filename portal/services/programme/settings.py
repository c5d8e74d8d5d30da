"""Programme settings: the numbers of DESIGN.md, stored in the settings table by admins.

A key missing from the table takes its default here, so a new programme runs as designed.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, fields, replace
from typing import Any
from zoneinfo import available_timezones

from flask import g, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, select
from sqlalchemy.orm import Session

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
    # The special-date offer goes this many days before the date.
    special_date_notice_days: int = 7
    # Campaign results: "bought within" this many days; a win-back (lapsed, at risk) this many.
    campaign_result_days: int = 30
    win_back_days: int = 60
    # Segments (RFM over purchases net of returns in the last 24 months), fitted to a store
    # selling a few high-value pieces a year. Recency: last purchase within so many months
    # scores 5, 4, 3, 2 (else 1); frequency: at least so many purchases; monetary: at least so
    # many whole currency units of net spend.
    rfm_recency_5_months: int = 1
    rfm_recency_4_months: int = 3
    rfm_recency_3_months: int = 6
    rfm_recency_2_months: int = 12
    rfm_frequency_5: int = 6
    rfm_frequency_4: int = 4
    rfm_frequency_3: int = 3
    rfm_frequency_2: int = 2
    rfm_monetary_5_units: int = 150_000
    rfm_monetary_4_units: int = 50_000
    rfm_monetary_3_units: int = 20_000
    rfm_monetary_2_units: int = 5_000
    # The named groups: joined within so many days (promising); no purchase for so many months
    # (at risk, lapsed).
    segment_promising_days: int = 90
    segment_at_risk_months: int = 6
    segment_lapsed_months: int = 12
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
    # Return visits: a thank-you call this many days after a purchase of at least this much
    # (whole currency units, net of returns), a care call this many months after it, and
    # courtesy calls so that a member who bought in the last 12 months is called this many
    # times a year, at least this many days apart.
    call_thank_you_min_amount: int = 10_000
    call_thank_you_days: int = 7
    call_care_months: int = 3
    call_courtesy_per_year: int = 3
    call_courtesy_gap_days: int = 120
    # Points staff may adjust by hand at once (either way); above it an admin approves. The
    # admins' limit is the most any single adjustment may be.
    points_adjust_staff_limit: int = 500
    points_adjust_admin_limit: int = 5000
    # Reporting: what one point costs the programme when it is redeemed (minor units, fen), and
    # the share of outstanding points expected to be redeemed, for the points liability.
    point_value_minor_units: int = 5
    expected_redemption_percent: int = 80


DEFAULTS = ProgrammeSettings()
SETTING_NAMES = tuple(f.name for f in fields(ProgrammeSettings))


# A row of the settings table that is not a setting: a random value that changes whenever a
# setting does (in the same transaction, see _bump_version). Each process keeps the settings it
# last read with the version they came with, and reads them again only when the version that
# the request's first statement brought along (the signed-in session's) differs.
VERSION_KEY = "_programme_version"
_UNKNOWN = object()
_process_cache: tuple[str, ProgrammeSettings] | None = None


def version_column() -> Any:
    """A scalar subquery of the settings' version, to ride along an indexed statement the
    request runs anyway."""
    return select(Setting.value).where(Setting.key == VERSION_KEY).scalar_subquery()


def note_version(version: str | None) -> None:
    """The settings' version as the request's first statement read it."""
    if has_app_context():
        g.programme_settings_version = version


def load_programme_settings() -> ProgrammeSettings:
    global _process_cache
    rows = db.session.execute(select(Setting.key, Setting.value)).all()
    overrides: dict[str, Any] = {}
    version = None
    for key, raw in rows:
        if key in SETTING_NAMES:
            overrides[key] = json.loads(raw)
        elif key == VERSION_KEY:
            version = raw
    settings = replace(DEFAULTS, **overrides)
    if version is not None:
        _process_cache = (version, settings)
    return settings


def programme_settings() -> ProgrammeSettings:
    """The settings in force, read once per request (or app context); not even once when the
    version read with the signed-in session is the one this process last loaded."""
    if not has_app_context():
        return DEFAULTS
    cached: ProgrammeSettings | None = g.get("programme_settings")
    if cached is None:
        version = g.get("programme_settings_version", _UNKNOWN)
        kept = _process_cache
        if version is not _UNKNOWN and version is not None and kept and kept[0] == version:
            cached = kept[1]
        else:
            cached = load_programme_settings()
        g.programme_settings = cached
    return cached


def _bump_version(session: Any, _context: Any, _instances: Any) -> None:
    """Before a flush that writes a setting, write a new version with it (one transaction)."""
    changed = (*session.new, *session.dirty, *session.deleted)
    if not any(isinstance(row, Setting) and row.key != VERSION_KEY for row in changed):
        return
    with session.no_autoflush:
        row = session.get(Setting, VERSION_KEY)
        if row is None:
            session.add(Setting(key=VERSION_KEY, value=json.dumps(uuid.uuid4().hex)))
        else:
            row.value = json.dumps(uuid.uuid4().hex)
    if has_app_context():
        g.pop("programme_settings_version", None)
        g.pop("programme_settings", None)


def install_version_tracking() -> None:
    if not event.contains(Session, "before_flush", _bump_version):
        event.listen(Session, "before_flush", _bump_version)


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
    g.pop("programme_settings_version", None)


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
    "special_date_notice_days": (1, 60),
    "campaign_result_days": (1, 365),
    "win_back_days": (1, 365),
    "rfm_recency_5_months": (1, 24),
    "rfm_recency_4_months": (1, 24),
    "rfm_recency_3_months": (1, 24),
    "rfm_recency_2_months": (1, 24),
    "rfm_frequency_5": (1, 1_000),
    "rfm_frequency_4": (1, 1_000),
    "rfm_frequency_3": (1, 1_000),
    "rfm_frequency_2": (1, 1_000),
    "rfm_monetary_5_units": (1, 100_000_000),
    "rfm_monetary_4_units": (1, 100_000_000),
    "rfm_monetary_3_units": (1, 100_000_000),
    "rfm_monetary_2_units": (1, 100_000_000),
    "segment_promising_days": (1, 365),
    "segment_at_risk_months": (1, 24),
    "segment_lapsed_months": (1, 24),
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
    "call_thank_you_min_amount": (1, 100_000_000),
    "call_thank_you_days": (1, 60),
    "call_care_months": (1, 24),
    "call_courtesy_per_year": (0, 12),
    "call_courtesy_gap_days": (30, 365),
    "points_adjust_staff_limit": (0, 100_000),
    "points_adjust_admin_limit": (1, 1_000_000),
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
    if "points_adjust_staff_limit" not in errors and "points_adjust_admin_limit" not in errors:
        if values.points_adjust_staff_limit > values.points_adjust_admin_limit:
            errors["points_adjust_staff_limit"] = _l(
                "Staff cannot adjust more points at once than admins may."
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
