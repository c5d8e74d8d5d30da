"""Points expiry (DESIGN.md, "Expiry"): points expire `points_expiry_months` (24) after they
were earned, oldest first, and members hear of it `expiry_notice_days` (30) before.

Both jobs work from the ledger as it is, so running them again, or at any moment, changes
nothing more: an expired credit has nothing left, and each notice has a dedupe key.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, datetime, timedelta

from flask_babel import force_locale, format_date, format_decimal
from flask_babel import gettext as _
from sqlalchemy import select

from portal.clock import utcnow
from portal.extensions import db
from portal.models import LedgerEntry, Member
from portal.services.messaging.notifications import notify_member
from portal.services.points.ledger import expire_credit
from portal.services.programme.local_time import local_date
from portal.services.programme.settings import programme_settings

logger = logging.getLogger(__name__)


def expire_due_points(*, now: datetime | None = None) -> int:
    """Expire what is left of every credit whose date has passed, oldest first; the number of
    expiry entries written."""
    now = now or utcnow()
    due = db.session.scalars(
        select(LedgerEntry.id)
        .where(LedgerEntry.remaining > 0, LedgerEntry.expires_at <= now)
        .order_by(LedgerEntry.expires_at, LedgerEntry.id)
    ).all()
    expired = 0
    for credit_id in due:
        credit = db.session.get_one(LedgerEntry, credit_id)
        if expire_credit(credit, now=now) is not None:
            expired += 1
    if expired:
        logger.info("expired %d credits", expired)
    return expired


def points_expiring_by_member(*, now: datetime, days: int) -> dict[tuple[int, date], int]:
    """{(member_id, expiry date in the programme zone): points} for points expiring within
    `days`."""
    rows = db.session.execute(
        select(LedgerEntry.member_id, LedgerEntry.expires_at, LedgerEntry.remaining).where(
            LedgerEntry.remaining > 0,
            LedgerEntry.expires_at > now,
            LedgerEntry.expires_at <= now + timedelta(days=days),
        )
    )
    totals: dict[tuple[int, date], int] = defaultdict(int)
    for member_id, expires_at, remaining in rows:
        if expires_at is None or remaining is None:
            continue  # excluded by the WHERE clause
        totals[(member_id, local_date(expires_at))] += remaining
    return dict(totals)


def send_expiry_notices(*, now: datetime | None = None) -> int:
    """Tell each member, once per expiry date, how many points expire on it within the next
    `expiry_notice_days`; the number of notices written."""
    now = now or utcnow()
    days = programme_settings().expiry_notice_days
    sent = 0
    for (member_id, expiry_date), points in sorted(
        points_expiring_by_member(now=now, days=days).items()
    ):
        member = db.session.get_one(Member, member_id)
        with force_locale(member.locale or "en"):
            when = format_date(expiry_date, "long")
            amount = format_decimal(points)
            title = _("%(points)s points expire on %(date)s", points=amount, date=when)
            body = _(
                "%(points)s of your points will expire on %(date)s. Use them for a reward "
                "before then: points are spent oldest first.",
                points=amount,
                date=when,
            )
        notice = notify_member(
            member,
            "points_expiring",
            title=title,
            body=body,
            link=("member.dashboard", {}),
            dedupe_key=f"points-expiry:{member_id}:{expiry_date.isoformat()}",
        )
        if notice is not None:
            sent += 1
    if sent:
        logger.info("sent %d points expiry notices", sent)
    return sent


def points_expiry_job() -> int:
    return expire_due_points()


def expiry_notices_job() -> int:
    return send_expiry_notices()
