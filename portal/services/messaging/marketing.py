"""The marketing gate: every marketing message (campaigns, win-back, birthday and special-date
offers, recommendations by mail) goes through `send_marketing`, whoever sends it. Service
messages (receipts, vouchers, account, events, expiry, cases) never come here and are never
capped.

Rules (DESIGN.md, "Communication"):
- never to a member who has not opted in (or whose account is closed, or who chose no channel);
- never more than `marketing_weekly_cap` messages per member in any rolling 7 days, counted
  across all channels: a message sent by mail and in the app is one message;
- a refused message is recorded as skipped with its reason, never queued for later;
- one decision per member and occasion (a campaign, a year's birthday month, a year's special
  date): asking again answers the first decision and sends nothing.

Concurrency: the decision starts by locking the member's row with an UPDATE (a row lock on
PostgreSQL, the database's write lock on SQLite, whose writers begin IMMEDIATE), so the count of
the last 7 days and the insert of the new decision happen with no other decision for that
member in between: two campaigns sent at the same moment deliver at most the cap. The same
UPDATE reads the member's choices as committed, so an opt-out that lands while a campaign is
sending stops everything decided after it.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from flask_babel import force_locale
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from portal.clock import utcnow
from portal.extensions import db
from portal.models import MarketingDelivery, Member, Notification
from portal.services.messaging.mail import queue_mail
from portal.services.programme.settings import programme_settings

if TYPE_CHECKING:
    from flask_babel.speaklater import LazyString

    from portal.models import Campaign

logger = logging.getLogger(__name__)

CAP_WINDOW = timedelta(days=7)
# The page a marketing message's tracked link opens (routes/member.py records the open).
TRACKED_LINK_ENDPOINT = "member.open_message"


@dataclass(frozen=True)
class GateDecision:
    """`status` is "sent", "skipped" (with `reason`: not_opted_in, weekly_cap, no_channel,
    account_closed) or "repeat" (this occasion was decided before; `delivery` is that
    decision and nothing new was sent)."""

    status: str
    reason: str | None
    delivery: MarketingDelivery | None

    @property
    def sent(self) -> bool:
        return self.status == "sent"


def sent_in_window(member_id: int, *, now: datetime) -> int:
    """Marketing messages sent to the member in the 7 days before `now` (the window's start
    excluded: a message sent exactly 7 days ago no longer counts)."""
    return (
        db.session.scalar(
            select(func.count(MarketingDelivery.id)).where(
                MarketingDelivery.member_id == member_id,
                MarketingDelivery.status == "sent",
                MarketingDelivery.created_at > now - CAP_WINDOW,
            )
        )
        or 0
    )


def send_marketing(
    member: Member,
    *,
    kind: str,
    occasion: str,
    subject: str | LazyString,
    body: str | LazyString,
    campaign: Campaign | None = None,
    now: datetime | None = None,
) -> GateDecision:
    """Decide one marketing message for one member and, when the gate lets it through,
    deliver it through the member's chosen channels (an in-app notification and/or a mail in
    the outbox, both marked marketing). `subject` and `body` may be lazy strings: they are
    rendered in the member's language."""
    now = now or utcnow()
    choices = db.session.execute(
        update(Member)
        .where(Member.id == member.id)
        .values(marketing_opt_in=Member.marketing_opt_in)  # takes the lock, changes nothing
        .returning(
            Member.marketing_opt_in,
            Member.channel_email,
            Member.channel_in_app,
            Member.deactivated_at,
        )
        .execution_options(synchronize_session=False)
    ).one()
    earlier = db.session.scalar(
        select(MarketingDelivery).where(
            MarketingDelivery.member_id == member.id, MarketingDelivery.occasion == occasion
        )
    )
    if earlier is not None:
        return GateDecision("repeat", earlier.reason, earlier)

    channels = [
        name
        for name, chosen in (("email", choices.channel_email), ("in_app", choices.channel_in_app))
        if chosen
    ]
    reason: str | None = None
    if choices.deactivated_at is not None:
        reason = "account_closed"
    elif not choices.marketing_opt_in:
        reason = "not_opted_in"
    elif not channels:
        reason = "no_channel"
    elif sent_in_window(member.id, now=now) >= programme_settings().marketing_weekly_cap:
        reason = "weekly_cap"

    with force_locale(member.locale or "en"):
        subject_text, body_text = str(subject), str(body)
    delivery = MarketingDelivery(
        member_id=member.id,
        kind=kind,
        occasion=occasion,
        campaign_id=campaign.id if campaign is not None else None,
        status="skipped" if reason else "sent",
        reason=reason,
        subject=subject_text[:200],
        channels=",".join(channels) if reason is None else "",
        token=secrets.token_urlsafe(16) if reason is None else None,
        created_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(delivery)
    except IntegrityError:  # decided by a concurrent call for the same occasion
        return GateDecision("repeat", None, None)
    if reason is not None:
        logger.info("marketing %s to %r skipped: %s", occasion, member, reason)
        return GateDecision("skipped", reason, delivery)

    link_args = {"token": delivery.token}
    if choices.channel_in_app:
        db.session.add(
            Notification(
                member_id=member.id,
                kind=f"marketing_{kind}",
                category="marketing",
                title=subject_text[:200],
                body=body_text,
                link_endpoint=TRACKED_LINK_ENDPOINT,
                link_args=link_args,
                created_at=now,
            )
        )
    if choices.channel_email:
        message = queue_mail(
            member.email,
            "marketing",
            member=member,
            title=subject_text,
            body=body_text,
            link_endpoint=TRACKED_LINK_ENDPOINT,
            link_args=link_args,
        )
        if message is not None:
            message.category = "marketing"
    db.session.flush()
    logger.info("marketing %s sent to %r by %s", occasion, member, delivery.channels)
    return GateDecision("sent", None, delivery)
