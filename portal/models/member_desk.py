"""What staff keep about a member at the desk: notes (append-only) and points adjustments
that wait for an admin's approval."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import utcnow
from portal.models.base import Model, UTCDateTime

if TYPE_CHECKING:
    from portal.models.members import Member

ADJUSTMENT_STATUSES = ("pending", "approved", "refused")


class MemberNote(Model):
    """A staff note about a member ("prefers calls after 6 pm"). Never edited or deleted: a
    correction is a new note."""

    __tablename__ = "member_notes"
    __table_args__ = (Index("ix_member_notes_member", "member_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[Member | None] = relationship(foreign_keys=[author_id])

    def __repr__(self) -> str:
        return f"<MemberNote {self.id} of member {self.member_id}>"


class PointsAdjustmentRequest(Model):
    """A points adjustment above the requester's limit: it waits until an admin approves it
    (the ledger entry is written then) or refuses it. Decided once: the decision is a
    conditional UPDATE of a pending row."""

    __tablename__ = "points_adjustment_requests"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'approved', 'refused')", name="status_known"),
        CheckConstraint("points <> 0", name="points_not_zero"),
        Index("ix_points_adjustment_requests_status", "status", "id"),
        Index("ix_points_adjustment_requests_requester", "requested_by_id", "id"),
        Index("ix_points_adjustment_requests_member", "member_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    points: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default="pending", server_default="pending")
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(String(200))
    ledger_entry_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("ledger_entries.id", ondelete="SET NULL")
    )

    member: Mapped[Member] = relationship(foreign_keys=[member_id])
    requested_by: Mapped[Member | None] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[Member | None] = relationship(foreign_keys=[decided_by_id])

    def __repr__(self) -> str:
        return f"<PointsAdjustmentRequest {self.id} {self.status}>"
