"""Return-visit calls (回访): the calls staff make to members, one row per call to make."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import utcnow
from portal.models.base import BigId, Model, UTCDateTime
from portal.models.members import Member
from portal.models.purchases import Purchase

CALL_REASONS = ("thank_you", "care", "courtesy")
CALL_STATUSES = ("open", "done", "withdrawn")
CALL_OUTCOMES = ("reached", "no_answer", "call_back", "do_not_call")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class ReturnCall(Model):
    """A call to make on `due_on` (a day in the programme's zone) and what came of it.

    `occasion` tells one call of a reason from another for the same member: the source
    purchase's id for a thank-you or care call, the month ("2026-06") for a courtesy call; the
    UNIQUE constraint makes `run-jobs` safe to repeat."""

    __tablename__ = "return_calls"
    __table_args__ = (
        CheckConstraint(_in("reason", CALL_REASONS), name="reason_known"),
        CheckConstraint(_in("status", CALL_STATUSES), name="status_known"),
        CheckConstraint(
            "outcome IS NULL OR " + _in("outcome", CALL_OUTCOMES), name="outcome_known"
        ),
        UniqueConstraint("member_id", "reason", "occasion"),
        Index("ix_return_calls_status_due_on", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(12))
    occasion: Mapped[str] = mapped_column(String(20))
    purchase_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("purchases.id", ondelete="SET NULL")
    )
    store: Mapped[str] = mapped_column(String(100), default="")
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="open")
    outcome: Mapped[str | None] = mapped_column(String(12))
    note: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    called_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    called_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped[Member] = relationship(foreign_keys=[member_id])
    called_by: Mapped[Member | None] = relationship(foreign_keys=[called_by_id])
    purchase: Mapped[Purchase | None] = relationship()

    def __repr__(self) -> str:
        return f"<ReturnCall {self.id} {self.reason} {self.status}>"
