"""The demo programme: a jewellery and watch retailer's members' club (DESIGN.md).

`seed_demo()` is idempotent: it creates what is missing and leaves the rest alone.
"""

from __future__ import annotations

from portal.demo.accounts import seed_accounts
from portal.demo.calls import seed_calls
from portal.demo.campaigns import seed_campaigns
from portal.demo.events import seed_events
from portal.demo.programme import seed_programme
from portal.demo.purchases import seed_purchases
from portal.demo.referrals import seed_referrals
from portal.demo.rewards import seed_rewards
from portal.demo.surveys import seed_surveys
from portal.services.programme.default_tiers import ensure_default_tiers

GENERATED_MEMBERS = 300


def seed_demo(generated_members: int = GENERATED_MEMBERS) -> list[str]:
    """The named accounts and their stories, then a crowd of `generated_members` with three
    years of history around them (programme.py)."""
    ensure_default_tiers()
    summary: list[str] = []
    summary += seed_accounts()
    summary += seed_purchases()
    summary += seed_rewards()
    summary += seed_referrals()
    summary += seed_events()
    summary += seed_surveys()
    summary += seed_calls()
    summary += seed_programme(generated_members)
    summary += seed_campaigns()
    return summary
