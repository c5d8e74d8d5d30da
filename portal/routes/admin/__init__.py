"""The staff side. Every view here needs the staff role; a member gets 403."""

from __future__ import annotations

from portal.routes.admin import (  # noqa: F401 (views)
    approvals,
    audit,
    calls,
    campaigns,
    cases,
    events,
    home,
    imports,
    member_actions,
    members,
    moderation,
    purchases,
    referrals,
    rewards,
    segments,
    settings,
    staff,
    surveys,
)
from portal.routes.admin.blueprint import bp

__all__ = ["bp"]
