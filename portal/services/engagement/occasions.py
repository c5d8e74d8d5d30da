"""The yearly occasions `run-jobs` remembers for members, both marketing through the gate:

- the birthday-month announcement, once per member and year, at the start of their birthday
  month in the programme's zone (its first BIRTHDAY_DAYS days, so a missed run catches up),
  with the reminder that purchases that month earn `birthday_multiplier` times the points;
- the special-date offer, once per date and year, `special_date_notice_days` before the date
  (until the day before it, for the same reason); 29 February counts as 28 February in a year
  without it.

Each decision is one per occasion (services/messaging/marketing.py), so running the jobs twice
on the same day sends one message.
"""

from __future__ import annotations

import calendar
import logging
from datetime import date, datetime, timedelta

from babel.dates import format_skeleton
from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, and_, exists, func, or_, select

from portal.clock import utcnow
from portal.extensions import db
from portal.models import MarketingDelivery, Member, SpecialDate
from portal.services.engagement.segments import eligible_members
from portal.services.messaging.marketing import send_marketing
from portal.services.programme.local_time import local_date
from portal.services.programme.settings import programme_settings

logger = logging.getLogger(__name__)

BIRTHDAY_DAYS = 7


def occurrence_in(year: int, month: int, day: int) -> date:
    """A month and day in `year`: 29 February is 28 February in a year without it."""
    if month == 2 and day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return date(year, month, day)


def announce_birthday_months(*, now: datetime | None = None) -> int:
    """Tell each member at the start of their birthday month that purchases this month earn
    more; returns how many decisions the gate made (sent or skipped)."""
    now = now or utcnow()
    today = local_date(now)
    if today.day > BIRTHDAY_DAYS:
        return 0
    multiplier = programme_settings().birthday_multiplier
    occasion = f"birthday:{today.year}"
    decided = exists().where(
        MarketingDelivery.member_id == Member.id, MarketingDelivery.occasion == occasion
    )
    members = db.session.scalars(
        select(Member)
        .where(
            eligible_members(),
            Member.birthday.is_not(None),
            func.extract("month", Member.birthday).cast(Integer) == today.month,
            ~decided,
        )
        .order_by(Member.id)
    ).all()
    for member in members:
        send_marketing(
            member,
            kind="birthday",
            occasion=occasion,
            subject=_l("Happy birthday month, %(name)s!", name=member.first_name),
            body=_l(
                "All this month your purchases earn %(multiplier)d times the points. Come and "
                "celebrate with us: your birthday gift is waiting in store.",
                multiplier=multiplier,
            ),
            now=now,
        )
    if members:
        logger.info("birthday month announced to %d members", len(members))
    return len(members)


def offer_special_dates(*, now: datetime | None = None) -> int:
    """Offer members something before their special date, once a year per date; returns how
    many decisions the gate made."""
    now = now or utcnow()
    today = local_date(now)
    notice = programme_settings().special_date_notice_days
    # From tomorrow to `notice` days ahead: the first run in that span makes the offer.
    upcoming: dict[tuple[int, int], date] = {}
    for offset in range(1, notice + 1):
        day = today + timedelta(days=offset)
        upcoming[(day.month, day.day)] = day
        if day.month == 2 and day.day == 28 and not calendar.isleap(day.year):
            upcoming[(2, 29)] = day
    dates = db.session.scalars(
        select(SpecialDate)
        .join(Member, Member.id == SpecialDate.member_id)
        .where(
            eligible_members(),
            or_(*(and_(SpecialDate.month == m, SpecialDate.day == d) for m, d in upcoming)),
        )
        .order_by(SpecialDate.id)
    ).all()
    decided = 0
    for special_date in dates:
        falls_on = upcoming[(special_date.month, special_date.day)]
        member = special_date.member
        label = special_date.label or _l("your special day")
        decision = send_marketing(
            member,
            kind="special_date",
            occasion=f"special-date:{special_date.id}:{falls_on.year}",
            subject=_l("A little something for %(label)s", label=label),
            body=_l(
                "Your day is on %(date)s. Bring your card to any of our boutiques this week: "
                "complimentary gift wrapping and a glass of champagne are on us.",
                date=format_skeleton("MMMMd", falls_on, locale=member.locale or "en"),
            ),
            now=now,
        )
        if decision.status != "repeat":
            decided += 1
    return decided
