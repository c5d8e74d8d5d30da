"""What the portal tells people: in-app notifications and outgoing mail.

Both are written in the same transaction as the change that causes them; mail is delivered
after the commit (services/messaging/delivery.py) and retried by `run-jobs` until the server
accepts it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import utcnow
from portal.models.base import Model, UTCDateTime

# Every message is service (receipts, vouchers, account, events, expiry, cases: never capped)
# or marketing (campaigns, birthday and special-date offers: only through the marketing gate).
MESSAGE_CATEGORIES = ("service", "marketing")


class Notification(Model):
    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_member_recent", "member_id", "id"),
        # The unread badge of every page.
        Index(
            "ix_notifications_unread",
            "member_id",
            sqlite_where=text("read_at IS NULL"),
            postgresql_where=text("read_at IS NULL"),
        ),
        CheckConstraint("category IN ('service', 'marketing')", name="category_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(10), default="service", server_default="service")
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    # Where "See details" leads: an endpoint and its arguments, made into a URL by the page or
    # the mail that shows it (the rules know no URLs).
    link_endpoint: Mapped[str | None] = mapped_column(String(80))
    link_args: Mapped[dict | None] = mapped_column(JSON)
    # Makes a repeated job harmless: the same notice for the same occasion is written once.
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OutboxMessage(Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sending', 'sent')", name="status_known"),
        CheckConstraint("category IN ('service', 'marketing')", name="category_known"),
        Index("ix_outbox_messages_status", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    to_address: Mapped[str] = mapped_column(String(254))
    category: Mapped[str] = mapped_column(String(10), default="service", server_default="service")
    subject: Mapped[str] = mapped_column(String(200))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
