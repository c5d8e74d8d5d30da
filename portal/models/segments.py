"""The segment each member is in, refreshed by `run-jobs` (services/engagement/segments.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Model, UTCDateTime
from portal.models.members import Member

SEGMENT_GROUPS = ("champions", "loyal", "promising", "at_risk", "lapsed", "others")


class MemberSegment(Model):
    """A member's recency, frequency and monetary scores (1-5) over purchases net of returns
    in the last 24 months, and the named group they fall in; `previous_group` is where they
    were before the last refresh (the movement between groups)."""

    __tablename__ = "member_segments"
    __table_args__ = (
        CheckConstraint(
            "group_code IN ('champions', 'loyal', 'promising', 'at_risk', 'lapsed', 'others')",
            name="group_known",
        ),
        CheckConstraint("r_score BETWEEN 1 AND 5", name="r_score_range"),
        CheckConstraint("f_score BETWEEN 1 AND 5", name="f_score_range"),
        CheckConstraint("m_score BETWEEN 1 AND 5", name="m_score_range"),
        Index("ix_member_segments_group_code", "group_code"),
    )

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    group_code: Mapped[str] = mapped_column(String(20))
    previous_group: Mapped[str | None] = mapped_column(String(20))
    r_score: Mapped[int] = mapped_column()
    f_score: Mapped[int] = mapped_column()
    m_score: Mapped[int] = mapped_column()
    last_purchase_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    purchases_24m: Mapped[int] = mapped_column(default=0)
    net_spend_24m: Mapped[int] = mapped_column(BigInteger, default=0)
    # The store of the last purchase (the member's store, for the counts per store).
    store: Mapped[str | None] = mapped_column(String(100))
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime)

    member: Mapped[Member] = relationship()

    def __repr__(self) -> str:
        return f"<MemberSegment {self.member_id} {self.group_code}>"
