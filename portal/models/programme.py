"""The programme's own numbers: tiers and the settings admins can change."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import utcnow
from portal.models.base import Model, UTCDateTime


class Tier(Model):
    """A membership level. `qualifying_spend` is the rolling 12-month net spend, in minor units,
    that reaches it; `multiplier_percent` is the earning multiplier x100 (Silver 125 = 1.25)."""

    __tablename__ = "tiers"
    __table_args__ = (
        CheckConstraint("qualifying_spend >= 0", name="spend_not_negative"),
        CheckConstraint("multiplier_percent > 0", name="multiplier_positive"),
    )

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    rank: Mapped[int] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(String(50))
    name_zh: Mapped[str | None] = mapped_column(String(50))
    qualifying_spend: Mapped[int] = mapped_column(BigInteger, default=0)
    multiplier_percent: Mapped[int] = mapped_column(default=100)
    # One benefit per line.
    benefits: Mapped[str] = mapped_column(Text, default="")
    benefits_zh: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"<Tier {self.code}>"


class Setting(Model):
    """A programme setting changed by admins; the value is JSON. Missing keys use the defaults
    of services/settings.py."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
