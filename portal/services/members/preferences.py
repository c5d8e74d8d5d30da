"""The member's communication choices and special dates (/account).

- Channels (email, in-app), language, personalised suggestions: the member's to change.
- Marketing is off until the member opts in; opting in keeps the moment and the exact sentence
  they agreed to; opting out clears the consent on the member, and the audit log keeps the
  history (when they opted in, with which words, and when they left).
- Special dates: a month and day (29 February allowed: it falls on 28 February in other
  years), an optional label, at most MAX_SPECIAL_DATES of them.
"""

from __future__ import annotations

import calendar
import logging
from datetime import datetime

from portal.clock import utcnow
from portal.extensions import db
from portal.models import Member, SpecialDate
from portal.services.messaging.audit import record_audit
from portal.services.programme.refusals import Invalid

logger = logging.getLogger(__name__)

MAX_SPECIAL_DATES = 3
LANGUAGES = ("en", "zh_Hans")


def update_communication(
    member: Member,
    *,
    channel_email: bool,
    channel_in_app: bool,
    marketing_opt_in: bool,
    personalised_suggestions: bool,
    locale: str | None = None,
    consent_wording: str,
    now: datetime | None = None,
) -> None:
    """Store the member's choices. An opt-in keeps `now` and `consent_wording` (the sentence
    beside the box, as shown); an opt-out clears them, written to the audit log first."""
    now = now or utcnow()
    member.channel_email = channel_email
    member.channel_in_app = channel_in_app
    member.personalised_suggestions = personalised_suggestions
    if locale in LANGUAGES:
        member.locale = locale
    if marketing_opt_in and not member.marketing_opt_in:
        record_marketing_consent(member, consent_wording, now=now)
    elif not marketing_opt_in and member.marketing_opt_in:
        withdraw_marketing_consent(member, now=now)
    db.session.flush()
    logger.info("communication choices of %r updated", member)


def record_marketing_consent(member: Member, wording: str, *, now: datetime) -> None:
    member.marketing_opt_in = True
    member.marketing_consent_at = now
    member.marketing_consent_wording = wording
    record_audit(
        "member.marketing_opt_in",
        actor=member,
        target=member,
        summary=wording,
        details={"consent_at": now.isoformat(), "wording": wording},
    )


def withdraw_marketing_consent(member: Member, *, now: datetime) -> None:
    given_at = member.marketing_consent_at
    record_audit(
        "member.marketing_opt_out",
        actor=member,
        target=member,
        summary=member.marketing_consent_wording or "",
        details={
            "consent_at": given_at.isoformat() if given_at else None,
            "wording": member.marketing_consent_wording,
            "withdrawn_at": now.isoformat(),
        },
    )
    member.marketing_opt_in = False
    member.marketing_consent_at = None
    member.marketing_consent_wording = None


def is_valid_month_day(month: int, day: int) -> bool:
    """A day that exists in that month in some year: 29 February yes, 30 February no."""
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(2024, month)[1]


def add_special_date(member: Member, *, month: int, day: int, label: str | None) -> SpecialDate:
    """Keep a date the member wants remembered each year (an anniversary)."""
    if not is_valid_month_day(month, day):
        raise Invalid(code="no_such_day", errors={"day": "no_such_day"})
    if len(member.special_dates) >= MAX_SPECIAL_DATES:
        raise Invalid(code="too_many_dates", limit=MAX_SPECIAL_DATES)
    if any(d.month == month and d.day == day for d in member.special_dates):
        raise Invalid(code="date_kept_already", errors={"day": "date_kept_already"})
    special_date = SpecialDate(
        member_id=member.id,
        month=month,
        day=day,
        label=(label or "").strip()[:60] or None,
        created_at=utcnow(),
    )
    member.special_dates.append(special_date)
    db.session.flush()
    logger.info("special date added for %r", member)
    return special_date


def remove_special_date(member: Member, special_date: SpecialDate) -> None:
    member.special_dates.remove(special_date)
    db.session.flush()
    logger.info("special date removed for %r", member)
