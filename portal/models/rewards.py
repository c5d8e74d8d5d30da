"""The rewards catalogue and the vouchers members redeem from it."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import utcnow
from portal.extensions import db
from portal.models.base import BigId, Model, UTCDateTime

if TYPE_CHECKING:
    from portal.models.ledger import LedgerEntry
    from portal.models.members import Member
    from portal.models.programme import Tier

REWARD_CATEGORIES = (
    "jewellery_care",
    "watch_service",
    "gifts",
    "experiences",
    "vouchers",
    "events",
)
# in_store: an item or service collected in a boutique; discount_voucher: money off a purchase;
# event_entry: a place at a members' event.
REWARD_TYPES = ("in_store", "discount_voucher", "event_entry")
REDEMPTION_STATUSES = ("issued", "fulfilled", "cancelled", "expired")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class Reward(Model):
    """An item of the catalogue. `stock` NULL means unlimited; `min_tier` NULL means every
    member; the reward can be redeemed while `active` and within [active_from, active_to)."""

    __tablename__ = "rewards"
    __table_args__ = (
        CheckConstraint("points_cost > 0", name="cost_positive"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        CheckConstraint("per_member_limit > 0", name="limit_positive"),
        CheckConstraint("voucher_valid_days > 0", name="validity_positive"),
        CheckConstraint("redemption_count >= 0", name="count_not_negative"),
        CheckConstraint(
            "active_from IS NULL OR active_to IS NULL OR active_to > active_from",
            name="window_ordered",
        ),
        CheckConstraint(_one_of("category", REWARD_CATEGORIES), name="category_known"),
        CheckConstraint(_one_of("reward_type", REWARD_TYPES), name="type_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    name_zh: Mapped[str | None] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    description_zh: Mapped[str | None] = mapped_column(Text)
    terms: Mapped[str] = mapped_column(Text, default="")
    terms_zh: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(20), default="gifts")
    reward_type: Mapped[str] = mapped_column(String(20), default="in_store")
    points_cost: Mapped[int] = mapped_column(Integer)
    stock: Mapped[int | None] = mapped_column(Integer)
    per_member_limit: Mapped[int | None] = mapped_column(Integer)
    min_tier: Mapped[str | None] = mapped_column(ForeignKey("tiers.code", ondelete="RESTRICT"))
    active: Mapped[bool] = mapped_column(default=True, server_default="1")
    active_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    active_to: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voucher_valid_days: Mapped[int] = mapped_column(Integer, default=60, server_default="60")
    # A file name: an uploaded image under instance/uploads/rewards/, or (ending in .svg) one of
    # the illustrations shipped in portal/static/img/rewards/.
    image: Mapped[str | None] = mapped_column(String(100))
    # Vouchers issued and not cancelled: orders the catalogue by "popular" without a count.
    redemption_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    tier: Mapped[Tier | None] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<Reward {self.id} {self.name!r}>"


class Redemption(Model):
    """A voucher: a member spent `points_spent` on a reward. Staff fulfil it in store or
    cancel it (the points come back); unused past `valid_until` it expires."""

    __tablename__ = "redemptions"
    __table_args__ = (
        CheckConstraint("points_spent > 0", name="points_positive"),
        CheckConstraint(_one_of("status", REDEMPTION_STATUSES), name="status_known"),
        UniqueConstraint("member_id", "idempotency_key"),
        Index("ix_redemptions_member_recent", "member_id", "id"),
        Index("ix_redemptions_member_reward", "member_id", "reward_id"),
        Index("ix_redemptions_created_reward", "created_at", "reward_id"),
        Index(
            "ix_redemptions_issued_until",
            "valid_until",
            sqlite_where=db.text("status = 'issued'"),
            postgresql_where=db.text("status = 'issued'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"))
    reward_id: Mapped[int] = mapped_column(ForeignKey("rewards.id", ondelete="RESTRICT"))
    points_spent: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="issued")
    # Twelve characters of an alphabet without look-alikes, stored without separators.
    voucher_code: Mapped[str] = mapped_column(String(16), unique=True)
    # Sent by the redeem form: a repeated submit finds this row instead of making another.
    idempotency_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime)
    fulfilled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fulfilled_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL")
    )
    # Fulfilled at a till through the API: the token that did it (a retry by it gets the same).
    fulfilled_by_token_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_tokens.id", ondelete="SET NULL")
    )
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL")
    )
    cancel_reason: Mapped[str | None] = mapped_column(String(300))
    expired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    member: Mapped[Member] = relationship(foreign_keys=[member_id])
    reward: Mapped[Reward] = relationship(lazy="joined", innerjoin=True)
    fulfilled_by: Mapped[Member | None] = relationship(foreign_keys=[fulfilled_by_id])
    cancelled_by: Mapped[Member | None] = relationship(foreign_keys=[cancelled_by_id])
    # The redeem debit and, after a cancellation, the refund (LedgerEntry.redemption_id).
    ledger_entries: Mapped[list[LedgerEntry]] = relationship(
        "LedgerEntry", order_by="LedgerEntry.id", viewonly=True
    )

    @property
    def voucher_code_display(self) -> str:
        """ABCD-EFGH-JKLM: groups of four are easier to read out at a till."""
        code = self.voucher_code
        return "-".join(code[i : i + 4] for i in range(0, len(code), 4))

    def __repr__(self) -> str:
        return f"<Redemption {self.id} {self.status}>"


class RewardPair(Model):
    """How many members chose both rewards (item-to-item co-occurrence over redemptions),
    refreshed whole by `run-jobs`; read for "Rewards for you"."""

    __tablename__ = "reward_pairs"

    reward_id: Mapped[int] = mapped_column(
        ForeignKey("rewards.id", ondelete="CASCADE"), primary_key=True
    )
    other_reward_id: Mapped[int] = mapped_column(
        ForeignKey("rewards.id", ondelete="CASCADE"), primary_key=True
    )
    members_count: Mapped[int] = mapped_column(Integer)

    def __repr__(self) -> str:
        return f"<RewardPair {self.reward_id}-{self.other_reward_id} {self.members_count}>"
