"""Referrals: a member's friend attributed to them, and the bonuses their first purchase earns.

One row per friend (UNIQUE friend_id): the first attribution is the only one. The bonuses are
pending on the row until the qualifying purchase's return window has passed; then they become
ledger credits that point back here (`ledger_entries.referral_id`, one per member and referral).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import utcnow
from portal.extensions import db
from portal.models.base import BigId, Model, UTCDateTime

# joined: waiting for a qualifying purchase; pending: bonuses recorded, waiting for the return
# window; capped: the friend's bonus paid, the referrer's waiting for next month's allowance;
# rewarded: both paid; held: waiting for staff review; ineligible: no bonus (see `reason`).
STATUSES = ("joined", "pending", "capped", "rewarded", "held", "ineligible")
CHANNELS = ("link", "code", "desk")
INELIGIBLE_REASONS = (
    "self_referral",
    "existing_account",
    "window_passed",
    "purchase_returned",
    "rejected",
)
HOLD_REASONS = (
    "same_ip",
    "same_device",
    "same_phone",
    "same_delivery_address",
    "same_email",
)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class Referral(Model):
    __tablename__ = "referrals"
    __table_args__ = (
        CheckConstraint(_in("status", STATUSES), name="status_known"),
        CheckConstraint(_in("channel", CHANNELS), name="channel_known"),
        CheckConstraint("referrer_id <> friend_id", name="not_oneself"),
        CheckConstraint("referrer_points >= 0 AND friend_points >= 0", name="points_not_negative"),
        CheckConstraint(
            "status NOT IN ('pending', 'capped', 'rewarded') OR qualifying_purchase_id IS NOT NULL",
            name="bonus_has_purchase",
        ),
        CheckConstraint(
            "status <> 'rewarded' OR (referrer_credited_at IS NOT NULL"
            " AND friend_credited_at IS NOT NULL)",
            name="rewarded_is_paid",
        ),
        CheckConstraint("status <> 'ineligible' OR reason IS NOT NULL", name="ineligible_says_why"),
        Index("ix_referrals_referrer", "referrer_id", "id"),
        Index("ix_referrals_status_release", "status", "release_at"),
        Index("ix_referrals_referrer_credited", "referrer_id", "referrer_credited_at"),
        Index("ix_referrals_created", "created_at"),
        Index("ix_referrals_referrer_paid", "referrer_credited_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    referrer_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"))
    friend_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="RESTRICT"), unique=True
    )
    code: Mapped[str] = mapped_column(String(12))
    channel: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(12), default="joined")
    # Why it is ineligible, or, on a referral waiting again, why its last bonus was cancelled.
    reason: Mapped[str | None] = mapped_column(String(32))
    hold_reasons: Mapped[list | None] = mapped_column(JSON)
    # Where the friend joined from, for the "several friends from one place" check.
    friend_ip: Mapped[str | None] = mapped_column(String(45))
    friend_device: Mapped[str | None] = mapped_column(String(64))
    # The friend's qualifying purchase and the bonuses it earns, fixed when it qualified.
    qualifying_purchase_id: Mapped[int | None] = mapped_column(
        ForeignKey("purchases.id", ondelete="RESTRICT")
    )
    qualified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    release_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    referrer_points: Mapped[int] = mapped_column(default=0, server_default="0")
    friend_points: Mapped[int] = mapped_column(default=0, server_default="0")
    friend_credited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    referrer_credited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Staff review of a held referral.
    reviewed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL")
    )
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    referrer = relationship("Member", foreign_keys=[referrer_id])
    friend = relationship("Member", foreign_keys=[friend_id])
    qualifying_purchase = relationship("Purchase", foreign_keys=[qualifying_purchase_id])
    reviewed_by = relationship("Member", foreign_keys=[reviewed_by_id])

    def __repr__(self) -> str:
        return f"<Referral {self.id} {self.status}>"


class ReferralLinkOpen(Model):
    """A browser opening a member's referral link, once per device and day (for the report)."""

    __tablename__ = "referral_link_opens"
    __table_args__ = (
        db.UniqueConstraint("referrer_id", "device", "opened_on"),
        Index("ix_referral_link_opens_day", "opened_on"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    referrer_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    device: Mapped[str] = mapped_column(String(64))
    opened_on: Mapped[date] = mapped_column(Date)  # the programme's date
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
