"""Campaigns: a message in English and Chinese to a segment, previewed, then sent through the
marketing gate member by member (services/messaging/marketing.py), and its results later.

- Segments: `all`, a named group of services/engagement/segments.py, or a tier's code.
- Preview: who gets it and how many the gate would skip, by reason (set-based counts).
- Sending: once (a draft becomes `sending` by a conditional UPDATE; a second send does
  nothing). The request decides the first SEND_BATCH members; `run-jobs` continues a larger
  campaign in batches, each its own transaction, until every member of the segment has one
  decision. Mail goes through the outbox, so SMTP down loses nothing and sends nothing twice.
- Results: sent, skipped by reason, opened the portal from it (the tracked link), bought
  within `campaign_result_days` (a win-back to lapsed or at-risk members: `win_back_days`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, case, exists, func, select, update

from portal.clock import utcnow
from portal.database import changed_rows
from portal.extensions import db
from portal.models import (
    Campaign,
    Event,
    MarketingClick,
    MarketingDelivery,
    Member,
    MemberSegment,
    Purchase,
    Reward,
    Tier,
)
from portal.models.segments import SEGMENT_GROUPS
from portal.services.engagement.segments import WIN_BACK_GROUPS, eligible_members
from portal.services.messaging.audit import record_audit
from portal.services.messaging.marketing import CAP_WINDOW, send_marketing
from portal.services.programme.refusals import Conflict, Invalid
from portal.services.programme.settings import programme_settings

logger = logging.getLogger(__name__)

SUBJECT_MAX = 120
BODY_MAX = 2000
SEND_BATCH = 200
PREVIEW_NAMES = 10


def segment_codes() -> list[str]:
    """Every segment a campaign may go to: all, the named groups, the tiers."""
    tiers = db.session.scalars(select(Tier.code).order_by(Tier.rank)).all()
    return ["all", *SEGMENT_GROUPS, *tiers]


def is_win_back(campaign: Campaign) -> bool:
    return campaign.segment in WIN_BACK_GROUPS


def _audience(segment: str) -> Select[int]:
    """A SELECT of the ids of the members a campaign to `segment` goes to."""
    query = select(Member.id).where(eligible_members())
    if segment == "all":
        return query
    if segment in SEGMENT_GROUPS:
        return query.join(MemberSegment, MemberSegment.member_id == Member.id).where(
            MemberSegment.group_code == segment
        )
    return query.where(Member.tier_code == segment)


def create_campaign(
    *,
    subject: str,
    body: str,
    subject_zh: str | None,
    body_zh: str | None,
    segment: str,
    reward_id: int | None,
    event_id: int | None,
    staff: Member,
) -> Campaign:
    """A draft campaign (staff). Subject and body are required in English, at most
    SUBJECT_MAX and BODY_MAX characters in either language."""
    errors: dict[str, str] = {}
    if not subject.strip():
        errors["subject"] = "required"
    if not body.strip():
        errors["body"] = "required"
    for name, text, limit in (
        ("subject", subject, SUBJECT_MAX),
        ("subject_zh", subject_zh or "", SUBJECT_MAX),
        ("body", body, BODY_MAX),
        ("body_zh", body_zh or "", BODY_MAX),
    ):
        if len(text.strip()) > limit:
            errors[name] = "too_long"
    if segment not in segment_codes():
        errors["segment"] = "unknown_segment"
    if errors:
        raise Invalid(code="campaign_invalid", errors=errors, subject_max=SUBJECT_MAX)
    campaign = Campaign(
        subject=subject.strip(),
        body=body.strip(),
        subject_zh=(subject_zh or "").strip() or None,
        body_zh=(body_zh or "").strip() or None,
        segment=segment,
        reward_id=reward_id,
        event_id=event_id,
        status="draft",
        created_by_id=staff.id,
        created_at=utcnow(),
    )
    db.session.add(campaign)
    db.session.flush()
    record_audit(
        "campaign.create",
        actor=staff,
        target=campaign,
        summary=campaign.subject,
        details={"segment": segment},
    )
    return campaign


@dataclass(frozen=True)
class CampaignPreview:
    audience: int  # members in the segment
    will_send: int
    skipped: dict[str, int]  # reason -> members the gate would skip
    sample: list[Member]  # the first few who would get it


def preview_campaign(campaign: Campaign, *, now: datetime | None = None) -> CampaignPreview:
    """Who would get it now and how many the gate would skip, and why (the gate's rules as
    counts over the segment; the gate itself decides again, member by member, when sending)."""
    now = now or utcnow()
    cap = programme_settings().marketing_weekly_cap
    audience = _audience(campaign.segment).subquery()
    recent = (
        select(func.count(MarketingDelivery.id))
        .where(
            MarketingDelivery.member_id == Member.id,
            MarketingDelivery.status == "sent",
            MarketingDelivery.created_at > now - CAP_WINDOW,
        )
        .correlate(Member)
        .scalar_subquery()
    )
    reason = case(
        (~Member.marketing_opt_in, "not_opted_in"),
        (and_(~Member.channel_email, ~Member.channel_in_app), "no_channel"),
        (recent >= cap, "weekly_cap"),
        else_="",
    )
    counts: dict[str, int] = dict(
        db.session.execute(
            select(reason, func.count())
            .select_from(Member)
            .where(Member.id.in_(select(audience.c.id)))
            .group_by(reason)
        ).all()
    )
    will_send = counts.pop("", 0)
    sample = list(
        db.session.scalars(
            select(Member)
            .where(Member.id.in_(select(audience.c.id)), reason == "")
            .order_by(Member.name, Member.id)
            .limit(PREVIEW_NAMES)
        )
    )
    return CampaignPreview(
        audience=will_send + sum(counts.values()),
        will_send=will_send,
        skipped=counts,
        sample=sample,
    )


class NothingToSend(Conflict):
    code = "empty_segment"


class SentAlready(Conflict):
    code = "sent_already"


def start_sending(campaign: Campaign, *, staff: Member, now: datetime | None = None) -> int:
    """Begin sending a draft (once: a campaign already sending or sent raises SentAlready;
    an empty segment raises NothingToSend and sends nothing), then decide the first batch.
    Returns how many members were decided in this call."""
    now = now or utcnow()
    audience = db.session.scalar(
        select(func.count()).select_from(_audience(campaign.segment).subquery())
    )
    if campaign.status != "draft":
        raise SentAlready
    if not audience:
        raise NothingToSend
    started = changed_rows(
        db.session.execute(
            update(Campaign)
            .where(Campaign.id == campaign.id, Campaign.status == "draft")
            .values(
                status="sending",
                send_started_at=now,
                sent_by_id=staff.id,
                recipients_total=audience,
            )
            .execution_options(synchronize_session=False)
        )
    )
    if started != 1:
        raise SentAlready
    db.session.refresh(campaign)
    record_audit(
        "campaign.send",
        actor=staff,
        target=campaign,
        summary=campaign.subject,
        details={"segment": campaign.segment, "members": audience},
    )
    return send_campaign_batch(campaign, now=now)


def _subject_and_body(campaign: Campaign, member: Member) -> tuple[str, str]:
    if member.locale == "zh_Hans" and campaign.subject_zh:
        return campaign.subject_zh, campaign.body_zh or campaign.body
    return campaign.subject, campaign.body


def send_campaign_batch(
    campaign: Campaign, *, now: datetime | None = None, limit: int = SEND_BATCH
) -> int:
    """Decide the next `limit` members of a sending campaign who have no decision yet (the
    selection is set-based; each member's decision is the gate's). When none is left the
    campaign is sent. Returns how many were decided."""
    now = now or utcnow()
    if campaign.status != "sending":
        return 0
    decided = exists().where(
        MarketingDelivery.campaign_id == campaign.id, MarketingDelivery.member_id == Member.id
    )
    members = list(
        db.session.scalars(
            select(Member)
            .where(Member.id.in_(_audience(campaign.segment)), ~decided)
            .order_by(Member.id)
            .limit(limit)
        )
    )
    for member in members:
        subject, body = _subject_and_body(campaign, member)
        send_marketing(
            member,
            kind="campaign",
            occasion=f"campaign:{campaign.id}",
            subject=subject,
            body=body,
            campaign=campaign,
            now=now,
        )
    if len(members) < limit:
        campaign.status = "sent"
        campaign.sent_at = now
        db.session.flush()
        logger.info("campaign %r sent", campaign)
    return len(members)


def campaigns_sending() -> list[Campaign]:
    return list(
        db.session.scalars(
            select(Campaign).where(Campaign.status == "sending").order_by(Campaign.id)
        )
    )


def campaign_list(limit: int = 100) -> list[Campaign]:
    return list(db.session.scalars(select(Campaign).order_by(Campaign.id.desc()).limit(limit)))


def record_open(token: str, *, now: datetime | None = None) -> MarketingDelivery | None:
    """The member opened the portal from a marketing message's tracked link: one click row
    each time. None for an unknown token."""
    delivery = db.session.scalar(select(MarketingDelivery).where(MarketingDelivery.token == token))
    if delivery is None:
        return None
    db.session.add(MarketingClick(delivery_id=delivery.id, created_at=now or utcnow()))
    db.session.flush()
    return delivery


@dataclass(frozen=True)
class CampaignResults:
    decided: int
    sent: int
    skipped: dict[str, int]
    opened: int
    bought: int
    bought_within_days: int
    win_back: bool


def campaign_results(campaign: Campaign) -> CampaignResults:
    """Sent, skipped by reason, opened (members who followed the tracked link), and bought
    within the window after their message (a purchase not wholly returned)."""
    s = programme_settings()
    days = s.win_back_days if is_win_back(campaign) else s.campaign_result_days
    by_status: dict[str, int] = {}
    skipped: dict[str, int] = {}
    for status, reason, n in db.session.execute(
        select(MarketingDelivery.status, MarketingDelivery.reason, func.count())
        .where(MarketingDelivery.campaign_id == campaign.id)
        .group_by(MarketingDelivery.status, MarketingDelivery.reason)
    ):
        by_status[status] = by_status.get(status, 0) + n
        if status == "skipped" and reason is not None:
            skipped[reason] = n
    sent_here = and_(
        MarketingDelivery.campaign_id == campaign.id, MarketingDelivery.status == "sent"
    )
    opened = db.session.scalar(
        select(func.count(func.distinct(MarketingDelivery.id)))
        .join(MarketingClick, MarketingClick.delivery_id == MarketingDelivery.id)
        .where(sent_here)
    )
    bought = 0
    if campaign.send_started_at is not None:
        # Every message of a campaign goes out within its sending (minutes); the window is
        # counted from when sending began.
        start = campaign.send_started_at
        bought = (
            db.session.scalar(
                select(func.count(func.distinct(MarketingDelivery.member_id))).where(
                    sent_here,
                    exists().where(
                        Purchase.member_id == MarketingDelivery.member_id,
                        Purchase.purchased_at >= start,
                        Purchase.purchased_at < start + timedelta(days=days),
                        Purchase.returned_amount < Purchase.amount,
                    ),
                )
            )
            or 0
        )
    return CampaignResults(
        decided=sum(by_status.values()),
        sent=by_status.get("sent", 0),
        skipped=skipped,
        opened=opened or 0,
        bought=bought,
        bought_within_days=days,
        win_back=is_win_back(campaign),
    )


def linkable_rewards() -> list[Reward]:
    return list(
        db.session.scalars(select(Reward).where(Reward.active.is_(True)).order_by(Reward.name))
    )


def linkable_events(*, now: datetime | None = None) -> list[Event]:
    return list(
        db.session.scalars(
            select(Event)
            .where(Event.starts_at > (now or utcnow()), Event.status != "cancelled")
            .order_by(Event.starts_at)
        )
    )
