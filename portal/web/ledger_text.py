"""How a ledger entry reads to a member, in their language.

Entries keep an English `reason` for staff and logs; pages describe the system's own entries
(purchases, returns, redemptions, expiry) from their `details`, so a reader in Chinese sees
Chinese. Entries written by staff keep the reason the staff member typed.
"""

from __future__ import annotations

from typing import Any

from flask import g
from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import select

from portal.extensions import db
from portal.models import LedgerEntry, Tier
from portal.services.points.earning import earning_formula
from portal.web.localized import localized
from portal.web.navigation import current_locale_code


def _tier_names() -> dict[str, Tier]:
    cached: dict[str, Tier] | None = g.get("tiers_by_code")
    if cached is None:
        cached = g.tiers_by_code = {t.code: t for t in db.session.scalars(select(Tier))}
    return cached


def _localized_detail(details: dict[str, Any], key: str) -> str:
    if current_locale_code() == "zh_Hans" and details.get(f"{key}_zh"):
        translated: str = details[f"{key}_zh"]
        return translated
    return details.get(key) or ""


def describe_entry(entry: LedgerEntry) -> str:
    details = entry.details or {}
    receipt = details.get("receipt_no")
    if entry.kind == "earn" and receipt and "whole_units" in details:
        tier = _tier_names().get(details.get("tier") or "")
        formula = earning_formula(
            details,
            locale="zh_Hans_CN" if current_locale_code() == "zh_Hans" else "en",
            tier_name=localized(tier, "name") if tier else None,
            birthday_label=_("birthday"),
        )
        if details.get("store"):
            return _(
                "Purchase %(receipt)s at %(store)s: %(formula)s",
                receipt=receipt,
                store=details["store"],
                formula=formula,
            )
        return _("Purchase %(receipt)s: %(formula)s", receipt=receipt, formula=formula)
    if entry.kind == "reverse" and receipt:
        if details.get("expired_not_reversed"):
            return _(
                "Return on receipt %(receipt)s: points of the returned part (%(expired)s of them "
                "had already expired and are not taken again)",
                receipt=receipt,
                expired=format_decimal(details["expired_not_reversed"]),
            )
        return _("Return on receipt %(receipt)s: points of the returned part", receipt=receipt)
    if entry.kind == "redeem" and details.get("reward_name"):
        return _("Redeemed: %(reward)s", reward=_localized_detail(details, "reward_name"))
    if entry.kind == "refund" and details.get("reward_name"):
        return _(
            "Refund: %(reward)s voucher cancelled", reward=_localized_detail(details, "reward_name")
        )
    if entry.kind == "bonus" and details.get("referral_role") == "referrer":
        return _("Referral: %(name)s's first purchase", name=details.get("friend_name", ""))
    if entry.kind == "bonus" and details.get("referral_role") == "friend":
        return _(
            "Welcome bonus: your first purchase, invited by %(name)s",
            name=details.get("referrer_name", ""),
        )
    if entry.event_id is not None and details.get("event_title"):
        event = _localized_detail(details, "event_title")
        if entry.points > 0:
            return _("Attended: %(event)s", event=event)
        return _("Check-in undone: %(event)s", event=event)
    if entry.kind == "expire":
        return _("Points expired")
    return entry.reason or {
        "bonus": _("Bonus points"),
        "adjust_credit": _("Points added by our staff"),
        "adjust_debit": _("Points removed by our staff"),
    }.get(entry.kind, entry.kind)
