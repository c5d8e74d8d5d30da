"""Marketing: campaigns, and every decision of the marketing gate (sent or skipped, with
why), with the opens of a message's tracked link."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import utcnow
from portal.models.base import Model, UTCDateTime
from portal.models.members import Member

DELIVERY_KINDS = ("campaign", "birthday", "special_date", "recommendation")
SKIP_REASONS = ("not_opted_in", "weekly_cap", "no_channel", "account_closed")


class Campaign(Model):
    """A marketing message to a segment, in English and Chinese, with an optional reward or
    event it links to. Draft until sent; sending goes through the marketing gate per member."""

    __tablename__ = "campaigns"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'sending', 'sent')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    subject_zh: Mapped[str | None] = mapped_column(String(120))
    body_zh: Mapped[str | None] = mapped_column(Text)
    segment: Mapped[str] = mapped_column(String(20))
    reward_id: Mapped[int | None] = mapped_column(ForeignKey("rewards.id", ondelete="SET NULL"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(10), default="draft", server_default="draft")
    # How many members the segment held when sending began (the progress is out of this).
    recipients_total: Mapped[int | None] = mapped_column()
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    send_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by: Mapped[Member | None] = relationship(foreign_keys=[created_by_id])

    def __repr__(self) -> str:
        return f"<Campaign {self.id}>"


class MarketingDelivery(Model):
    """One decision of the marketing gate for one member: sent (through the member's
    channels) or skipped with its reason; never queued for later. One per member and occasion
    (a campaign, a year's birthday month, a year's special date), so a repeat does nothing."""

    __tablename__ = "marketing_deliveries"
    __table_args__ = (
        CheckConstraint("status IN ('sent', 'skipped')", name="status_known"),
        CheckConstraint(
            "kind IN ('campaign', 'birthday', 'special_date', 'recommendation')",
            name="kind_known",
        ),
        UniqueConstraint("member_id", "occasion"),
        Index("ix_marketing_deliveries_member_sent", "member_id", "status", "created_at"),
        Index("ix_marketing_deliveries_campaign_id", "campaign_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    occasion: Mapped[str] = mapped_column(String(80))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(200), default="")
    channels: Mapped[str] = mapped_column(String(20), default="")  # "email,in_app"
    # The random part of the message's tracked link (/go/<token>); sent messages only.
    token: Mapped[str | None] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped[Member] = relationship()
    campaign: Mapped[Campaign | None] = relationship()

    def __repr__(self) -> str:
        return f"<MarketingDelivery {self.id} {self.status}>"


class MarketingClick(Model):
    """The member opened the portal from a marketing message's tracked link."""

    __tablename__ = "marketing_clicks"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("marketing_deliveries.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
