"""Segments, campaigns and the marketing gate's reasons in words, in the reader's language;
the numbers come from the services (services/engagement/)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from portal.clock import utcnow
from portal.models import MemberSegment
from portal.web.formatting import money_whole

SEGMENT_LABELS = {
    "all": _l("All members"),
    "champions": _l("Champions"),
    "loyal": _l("Loyal"),
    "promising": _l("Promising"),
    "at_risk": _l("At risk"),
    "lapsed": _l("Lapsed"),
    "others": _l("Others"),
}
SEGMENT_DESCRIPTIONS = {
    "champions": _l("Bought recently, often and for a lot."),
    "loyal": _l("Buy again and again."),
    "promising": _l("Joined in the last few months."),
    "at_risk": _l("No purchase for six months: worth a call or a win-back offer."),
    "lapsed": _l("No purchase for a year: win them back."),
    "others": _l("Everyone else, including members who have not bought yet."),
}
SKIP_REASON_LABELS = {
    "not_opted_in": _l("has not accepted members' news"),
    "weekly_cap": _l("already had the most messages allowed this week"),
    "no_channel": _l("turned off both email and the portal"),
    "account_closed": _l("account closed"),
}
CAMPAIGN_STATUS_LABELS = {
    "draft": _l("Draft"),
    "sending": _l("Sending"),
    "sent": _l("Sent"),
}


def months_between(earlier: datetime, later: datetime) -> int:
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    if later.day < earlier.day:
        months -= 1
    return max(months, 0)


def segment_reason(row: MemberSegment, now: datetime | None = None) -> str:
    """ "last purchase 7 months ago; 3 purchases in 24 months; ¥48,000" """
    now = now or utcnow()
    parts = []
    if row.last_purchase_at is None:
        parts.append(str(_l("no purchase yet")))
    else:
        months = months_between(row.last_purchase_at, now)
        if months == 0:
            days = (now - row.last_purchase_at).days
            parts.append(
                ngettext("last purchase %(num)d day ago", "last purchase %(num)d days ago", days)
            )
        else:
            parts.append(
                ngettext(
                    "last purchase %(num)d month ago", "last purchase %(num)d months ago", months
                )
            )
    parts.append(
        ngettext(
            "%(num)d purchase in 24 months", "%(num)d purchases in 24 months", row.purchases_24m
        )
    )
    parts.append(money_whole(row.net_spend_24m))
    return "; ".join(parts)
