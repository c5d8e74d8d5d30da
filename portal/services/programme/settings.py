"""Programme settings: the numbers of DESIGN.md, stored in the settings table by admins.

A key missing from the table takes its default here, so a new programme runs as designed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields, replace
from typing import Any

from flask import g, has_app_context
from sqlalchemy import select

from portal.extensions import db
from portal.models import Member, Setting


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
