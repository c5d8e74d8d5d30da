"""Staff: the members' segments (refreshed by run-jobs): counts per group, tier, store and
birthday month, special dates coming up, the movement since the last refresh, and a group's
members with why they are in it."""

from __future__ import annotations

from flask import request

from portal.models.segments import SEGMENT_GROUPS
from portal.routes.admin.blueprint import bp
from portal.services.engagement.segments import members_in_group, segment_overview
from portal.services.points.tiers import all_tiers
from portal.web.rendering import render


@bp.get("/segments")
def segments():
    asked = request.args.get("group", "")
    group = asked if asked in SEGMENT_GROUPS else None
    page = request.args.get("page", 1, type=int) or 1
    return render(
        "admin/segments/index.html",
        overview=segment_overview(),
        group=group,
        found=members_in_group(group, page=max(page, 1)) if group else None,
        tiers=all_tiers(),
        groups=SEGMENT_GROUPS,
    )
