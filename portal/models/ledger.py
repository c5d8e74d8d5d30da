"""The points ledger: an append-only list of point movements per member."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import utcnow
from portal.extensions import db
from portal.models.base import BigId, Model, UTCDateTime

if TYPE_CHECKING:
    from portal.models.members import Member
    from portal.models.purchases import Purchase

# Credits add points, debits take them; `remaining` is kept on credits only.
CREDIT_KINDS = ("earn", "bonus", "refund", "adjust_credit")
DEBIT_KINDS = ("redeem", "reverse", "expire", "adjust_debit")
ENTRY_KINDS = CREDIT_KINDS + DEBIT_KINDS


class LedgerEntry(Model):
    """One movement of points. Never updated or deleted, except `remaining`: how many of a
    credit's points are still unspent, which expiry and spending consume oldest first."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint("points <> 0", name="points_not_zero"),
        CheckConstraint(
            "kind IN (" + ", ".join(f"'{k}'" for k in ENTRY_KINDS) + ")", name="kind_known"
        ),
        CheckConstraint(
            "(points > 0 AND kind IN ("
            + ", ".join(f"'{k}'" for k in CREDIT_KINDS)
            + ")) OR (points < 0 AND kind IN ("
            + ", ".join(f"'{k}'" for k in DEBIT_KINDS)
            + "))",
            name="sign_matches_kind",
        ),
        CheckConstraint(
            "(points > 0 AND remaining >= 0 AND remaining <= points)"
            " OR (points < 0 AND remaining IS NULL)",
            name="remaining_within_points",
        ),
        Index("ix_ledger_entries_member_recent", "member_id", "id"),
        Index(
            "ix_ledger_entries_unspent",
            "member_id",
            "expires_at",
            sqlite_where=db.text("remaining > 0"),
            postgresql_where=db.text("remaining > 0"),
        ),
        # A purchase earns once, whatever a till or a race does.
        Index(
            "uq_ledger_entries_earn_per_purchase",
            "purchase_id",
            unique=True,
            sqlite_where=db.text("kind = 'earn'"),
            postgresql_where=db.text("kind = 'earn'"),
        ),
        # A referral pays each of its two members once, whatever a job, a review or a race does.
        Index(
            "uq_ledger_entries_bonus_per_referral",
            "referral_id",
            "member_id",
            unique=True,
            sqlite_where=db.text("referral_id IS NOT NULL AND kind = 'bonus'"),
            postgresql_where=db.text("referral_id IS NOT NULL AND kind = 'bonus'"),
        ),
        # An answer earns its survey's points once; a case gives goodwill once.
        Index(
            "uq_ledger_entries_bonus_per_answer",
            "survey_answer_id",
            unique=True,
            sqlite_where=db.text("survey_answer_id IS NOT NULL"),
            postgresql_where=db.text("survey_answer_id IS NOT NULL"),
        ),
        Index(
            "uq_ledger_entries_goodwill_per_case",
            "followup_case_id",
            unique=True,
            sqlite_where=db.text("followup_case_id IS NOT NULL"),
            postgresql_where=db.text("followup_case_id IS NOT NULL"),
        ),
        # The KPI dashboard sums points by kind over a range of days: a covering index.
        Index("ix_ledger_entries_created_kind", "created_at", "kind", "points"),
        Index(
            "ix_ledger_entries_expiring",
            "expires_at",
            sqlite_where=db.text("remaining > 0"),
            postgresql_where=db.text("remaining > 0"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(16))
    points: Mapped[int] = mapped_column(Integer)
    balance_after: Mapped[int] = mapped_column(BigInteger)
    remaining: Mapped[int | None] = mapped_column(Integer)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A sentence a member or staff reads; `details` holds the numbers it was computed from.
    reason: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict | None] = mapped_column(JSON)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # What the entry belongs to (one of them, or none for a staff adjustment).
    purchase_id: Mapped[int | None] = mapped_column(
        ForeignKey("purchases.id", ondelete="RESTRICT"), index=True
    )
    purchase_return_id: Mapped[int | None] = mapped_column(
        ForeignKey("purchase_returns.id", ondelete="RESTRICT")
    )
    redemption_id: Mapped[int | None] = mapped_column(
        ForeignKey("redemptions.id", ondelete="RESTRICT"), index=True
    )
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referrals.id", ondelete="RESTRICT"))
    # Attendance points of an event and their reversal when a check-in is undone.
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("events.id", ondelete="RESTRICT"), index=True
    )
    survey_answer_id: Mapped[int | None] = mapped_column(
        ForeignKey("survey_answers.id", ondelete="RESTRICT")
    )
    followup_case_id: Mapped[int | None] = mapped_column(
        ForeignKey("followup_cases.id", ondelete="RESTRICT")
    )

    member: Mapped[Member] = relationship("Member", foreign_keys=[member_id])
    purchase: Mapped[Purchase | None] = relationship("Purchase", foreign_keys=[purchase_id])
    actor: Mapped[Member | None] = relationship("Member", foreign_keys=[actor_id])

    @property
    def is_credit(self) -> bool:
        return self.points > 0

    def __repr__(self) -> str:
        return f"<LedgerEntry {self.id} {self.kind} {self.points:+d}>"
