"""Purchases reported by tills, the online shop or staff, their items and returns."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import utcnow
from portal.models.base import BigId, Model, UTCDateTime

if TYPE_CHECKING:
    from portal.models.members import Member

CHANNELS = ("api", "staff", "import")


class Purchase(Model):
    """A receipt. Amounts are integer minor units (fen) of `currency`. `returned_amount` and
    `points_reversed` grow with each return and never pass `amount` and `points_awarded`."""

    __tablename__ = "purchases"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(
            "returned_amount >= 0 AND returned_amount <= amount", name="returns_within_amount"
        ),
        CheckConstraint("points_awarded >= 0", name="points_not_negative"),
        CheckConstraint(
            "points_reversed >= 0 AND points_reversed <= points_awarded",
            name="reversal_within_points",
        ),
        CheckConstraint("channel IN ('api', 'staff', 'import')", name="channel_known"),
        # Covering: the tier progress sums a member's net spend of the window from the index.
        Index(
            "ix_purchases_member_spend", "member_id", "purchased_at", "amount", "returned_amount"
        ),
        # Purchases per hour of each token (the admin's view of unusual bursts).
        Index("ix_purchases_token_created", "api_token_id", "created_at"),
        # Staff filter members by the store they bought in, and by a recent purchase.
        Index("ix_purchases_store_member", "store", "member_id"),
        Index("ix_purchases_time_member", "purchased_at", "member_id"),
        # The KPI summaries read the purchases recorded since they were made.
        Index("ix_purchases_recorded", "created_at", "purchased_at", "member_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"))
    receipt_no: Mapped[str] = mapped_column(String(64), unique=True)
    store: Mapped[str] = mapped_column(String(100), default="")
    channel: Mapped[str] = mapped_column(String(10), default="api")
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    purchased_at: Mapped[datetime] = mapped_column(UTCDateTime)
    returned_amount: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    points_awarded: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    points_reversed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL")
    )
    api_token_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_tokens.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped[Member] = relationship("Member", foreign_keys=[member_id])
    items: Mapped[list[PurchaseItem]] = relationship(
        back_populates="purchase", cascade="all, delete-orphan", order_by="PurchaseItem.id"
    )
    returns: Mapped[list[PurchaseReturn]] = relationship(
        back_populates="purchase", order_by="PurchaseReturn.id"
    )

    @property
    def net_amount(self) -> int:
        return self.amount - self.returned_amount

    @property
    def returnable_amount(self) -> int:
        return self.amount - self.returned_amount

    def __repr__(self) -> str:
        return f"<Purchase {self.receipt_no}>"


class PurchaseItem(Model):
    __tablename__ = "purchase_items"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price >= 0", name="price_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    purchase_id: Mapped[int] = mapped_column(
        ForeignKey("purchases.id", ondelete="CASCADE"), index=True
    )
    sku: Mapped[str] = mapped_column(String(64), default="")
    name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    unit_price: Mapped[int] = mapped_column(BigInteger)

    purchase: Mapped[Purchase] = relationship(back_populates="items")

    @property
    def line_total(self) -> int:
        return self.quantity * self.unit_price


class PurchaseReturn(Model):
    """A full or partial return. `return_ref` (given by the till) makes a retried return
    request harmless: the same reference on the same purchase is recorded once."""

    __tablename__ = "purchase_returns"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("points_reversed >= 0", name="points_not_negative"),
        UniqueConstraint("purchase_id", "return_ref"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    purchase_id: Mapped[int] = mapped_column(
        ForeignKey("purchases.id", ondelete="RESTRICT"), index=True
    )
    return_ref: Mapped[str | None] = mapped_column(String(64))
    amount: Mapped[int] = mapped_column(BigInteger)
    points_reversed: Mapped[int] = mapped_column(Integer, default=0)
    # Points of the returned part that had already expired, so were not taken again.
    points_expired_kept: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    reason: Mapped[str] = mapped_column(String(200), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL")
    )
    api_token_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_tokens.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    purchase: Mapped[Purchase] = relationship(back_populates="returns")


API_SCOPES = ("purchases", "members:read", "vouchers")
# What every token could do before tokens had scopes: record purchases and returns, look
# members up. Tokens made before then keep exactly these.
EARLIER_SCOPES = "purchases members:read"


class ApiToken(Model):
    """A Bearer token for a till or the online shop. Only its SHA-256 is stored; `prefix` (the
    first characters) lets staff tell tokens apart. `scopes` (space-separated, of API_SCOPES)
    say which calls it may make; a token with a `store` records purchases of that store only."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    scopes: Mapped[str] = mapped_column(String(200), server_default=EARLIER_SCOPES)
    store: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))

    @property
    def scope_list(self) -> list[str]:
        return [scope for scope in (self.scopes or "").split() if scope in API_SCOPES]

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.name}>"


class TierChange(Model):
    """Each move of a member between tiers, with why."""

    __tablename__ = "tier_changes"
    __table_args__ = (
        CheckConstraint("reason IN ('upgrade', 'evaluation', 'staff')", name="reason_known"),
        Index("ix_tier_changes_member", "member_id", "id"),
        Index("ix_tier_changes_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    from_tier: Mapped[str | None] = mapped_column(ForeignKey("tiers.code", ondelete="RESTRICT"))
    to_tier: Mapped[str] = mapped_column(ForeignKey("tiers.code", ondelete="RESTRICT"))
    reason: Mapped[str] = mapped_column(String(20))
    qualifying_spend: Mapped[int] = mapped_column(BigInteger, default=0)
    kept_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    purchase_id: Mapped[int | None] = mapped_column(ForeignKey("purchases.id", ondelete="SET NULL"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
