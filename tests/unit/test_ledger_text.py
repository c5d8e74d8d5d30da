"""Ledger lines read in the member's language, computed from the entry's numbers."""

from __future__ import annotations

from flask_babel import force_locale

from portal.models import LedgerEntry
from portal.web.ledger_text import describe_entry

EARN = {
    "whole_units": 1234,
    "points_per_unit": 1,
    "tier": "silver",
    "tier_name": "Silver",
    "multiplier_percent": 125,
    "birthday": True,
    "birthday_multiplier": 2,
    "points": 3085,
    "receipt_no": "SH01-000123",
    "store": "Shanghai IFC",
}


def entry(kind: str, points: int, details: dict | None = None, reason: str = "") -> LedgerEntry:
    return LedgerEntry(kind=kind, points=points, details=details, reason=reason)


def test_an_earn_line_shows_how_the_points_were_computed(app):
    with app.test_request_context(), force_locale("en"):
        text = describe_entry(entry("earn", 3085, EARN))
    assert text == "Purchase SH01-000123 at Shanghai IFC: 1,234 × 1.25 Silver, birthday ×2"


def test_a_redemption_names_the_reward_in_the_readers_language(app):
    details = {"reward_name": "Personal engraving", "reward_name_zh": "个性化刻字"}
    with app.test_request_context(), force_locale("zh_Hans"):
        assert "个性化刻字" in describe_entry(entry("redeem", -600, details))
    with app.test_request_context(), force_locale("en"):
        assert describe_entry(entry("redeem", -600, details)) == "Redeemed: Personal engraving"


def test_a_staff_adjustment_keeps_the_reason_staff_typed(app):
    with app.test_request_context():
        text = describe_entry(entry("adjust_credit", 50, reason="Apology for the late delivery"))
    assert text == "Apology for the late delivery"
