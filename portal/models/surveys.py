"""Satisfaction surveys: the questions, who was invited on which occasion, their answers,
the moderation of free text, and the follow-up cases a detractor answer opens.

An occasion names what a survey is about: `purchase:<id>`, `event:<id>`, `always` (the
always-open survey) or `resurvey:<case id>`. One answer per member, survey and occasion is a
UNIQUE constraint, so two tabs posting at once store one answer and earn its points once.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import utcnow
from portal.models.base import BigId, Model, UTCDateTime

TRIGGERS = ("purchase", "event", "always")
QUESTION_KINDS = ("csat", "nps", "single", "multiple", "text")
# none: the answer has no free text; the others are the moderation queue's states.
MODERATION_STATES = ("none", "pending", "approved", "hidden", "flagged")
HIDE_REASONS = ("personal_data", "offensive", "off_topic", "spam", "other")
CASE_STATUSES = ("open", "contacted", "resolved")
CONTACT_KINDS = ("note", "call", "message", "email")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class Survey(Model):
    __tablename__ = "surveys"
    __table_args__ = (
        CheckConstraint(_in("trigger", TRIGGERS), name="trigger_known"),
        CheckConstraint("points >= 0", name="points_not_negative"),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    title_zh: Mapped[str] = mapped_column(String(200), default="")
    intro: Mapped[str] = mapped_column(Text, default="")
    intro_zh: Mapped[str] = mapped_column(Text, default="")
    trigger: Mapped[str] = mapped_column(String(10))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    opens_on: Mapped[date | None] = mapped_column(Date)  # programme days, inclusive
    closes_on: Mapped[date | None] = mapped_column(Date)
    points: Mapped[int] = mapped_column(Integer, default=0)
    quotable: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("surveys.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    questions: Mapped[list[SurveyQuestion]] = relationship(
        "SurveyQuestion", order_by="SurveyQuestion.position", back_populates="survey"
    )

    def __repr__(self) -> str:
        return f"<Survey {self.id} v{self.version}>"


class SurveyQuestion(Model):
    __tablename__ = "survey_questions"
    __table_args__ = (
        CheckConstraint(_in("kind", QUESTION_KINDS), name="kind_known"),
        CheckConstraint("max_length IS NULL OR max_length > 0", name="max_length_positive"),
        UniqueConstraint("survey_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10))
    prompt: Mapped[str] = mapped_column(Text)
    prompt_zh: Mapped[str] = mapped_column(Text, default="")
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    max_length: Mapped[int | None] = mapped_column(Integer)
    # Single and multiple choice: [{"en": "…", "zh": "…"}, …]; the answer stores indexes.
    choices: Mapped[list | None] = mapped_column(JSON)

    survey: Mapped[Survey] = relationship("Survey", back_populates="questions")


class SurveyInvitation(Model):
    """A member asked to answer a survey about an occasion, until `open_until` (None: open)."""

    __tablename__ = "survey_invitations"
    __table_args__ = (
        UniqueConstraint("survey_id", "member_id", "occasion"),
        Index("ix_survey_invitations_member", "member_id", "invited_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    occasion: Mapped[str] = mapped_column(String(40))
    purchase_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("purchases.id", ondelete="SET NULL")
    )
    # The events table lives with the events feature; the id is kept without a foreign key.
    event_id: Mapped[int | None] = mapped_column(Integer)
    event_title: Mapped[str | None] = mapped_column(String(200))
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("followup_cases.id", ondelete="SET NULL", use_alter=True)
    )
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    open_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    survey: Mapped[Survey] = relationship("Survey")
    purchase = relationship("Purchase")


class SurveyAnswer(Model):
    __tablename__ = "survey_answers"
    __table_args__ = (
        UniqueConstraint("survey_id", "member_id", "occasion", name="uq_survey_answers_occasion"),
        CheckConstraint(_in("moderation", MODERATION_STATES), name="moderation_known"),
        CheckConstraint(
            "hide_reason IS NULL OR " + _in("hide_reason", HIDE_REASONS), name="hide_reason_known"
        ),
        CheckConstraint("moderation <> 'hidden' OR hide_reason IS NOT NULL", name="hidden_why"),
        CheckConstraint("nps_score IS NULL OR nps_score BETWEEN 0 AND 10", name="nps_range"),
        CheckConstraint("csat_score IS NULL OR csat_score BETWEEN 1 AND 5", name="csat_range"),
        CheckConstraint("points_awarded >= 0", name="points_not_negative"),
        Index("ix_survey_answers_queue", "moderation", "submitted_at"),
        Index("ix_survey_answers_member", "member_id", "submitted_at"),
        Index("ix_survey_answers_submitted", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="RESTRICT"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("survey_invitations.id", ondelete="SET NULL")
    )
    occasion: Mapped[str] = mapped_column(String(40))
    purchase_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("purchases.id", ondelete="SET NULL")
    )
    event_id: Mapped[int | None] = mapped_column(Integer)
    store: Mapped[str] = mapped_column(String(100), default="")
    # The first NPS and CSAT answer, for results, cases and the queue's score filter.
    nps_score: Mapped[int | None] = mapped_column(Integer)
    csat_score: Mapped[int | None] = mapped_column(Integer)
    free_text: Mapped[str] = mapped_column(Text, default="")
    points_awarded: Mapped[int] = mapped_column(Integer, default=0)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Quoting: allowed by the author, under the display name they chose; withdrawable.
    consent_quote: Mapped[bool] = mapped_column(Boolean, default=False)
    display_name: Mapped[str | None] = mapped_column(String(60))
    # Moderation of the free text.
    moderation: Mapped[str] = mapped_column(String(10), default="none")
    hide_reason: Mapped[str | None] = mapped_column(String(20))
    moderated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL")
    )
    moderated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reply: Mapped[str | None] = mapped_column(Text)
    replied_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    survey: Mapped[Survey] = relationship("Survey")
    member = relationship("Member", foreign_keys=[member_id])
    purchase = relationship("Purchase")
    invitation = relationship("SurveyInvitation")
    items: Mapped[list[SurveyAnswerItem]] = relationship(
        "SurveyAnswerItem", order_by="SurveyAnswerItem.question_id", back_populates="answer"
    )

    def __repr__(self) -> str:
        return f"<SurveyAnswer {self.id} {self.moderation}>"


class SurveyAnswerItem(Model):
    """The answer to one question: a number (CSAT, NPS), chosen indexes, or text."""

    __tablename__ = "survey_answer_items"
    __table_args__ = (UniqueConstraint("answer_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("survey_answers.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("survey_questions.id", ondelete="RESTRICT"))
    number: Mapped[int | None] = mapped_column(Integer)
    choices: Mapped[list | None] = mapped_column(JSON)
    text: Mapped[str | None] = mapped_column(Text)

    answer: Mapped[SurveyAnswer] = relationship("SurveyAnswer", back_populates="items")
    question: Mapped[SurveyQuestion] = relationship("SurveyQuestion")


class FollowUpCase(Model):
    """A detractor answer's call back: due `case_due_hours` after the answer."""

    __tablename__ = "followup_cases"
    __table_args__ = (
        CheckConstraint(_in("status", CASE_STATUSES), name="status_known"),
        CheckConstraint("goodwill_points >= 0", name="goodwill_not_negative"),
        Index("ix_followup_cases_open_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # A case comes from a detractor's answer, or from a return-visit call (then no answer).
    answer_id: Mapped[int | None] = mapped_column(
        ForeignKey("survey_answers.id", ondelete="CASCADE"), unique=True
    )
    call_id: Mapped[int | None] = mapped_column(
        ForeignKey("return_calls.id", ondelete="SET NULL"), unique=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    purchase_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("purchases.id", ondelete="SET NULL")
    )
    event_id: Mapped[int | None] = mapped_column(Integer)
    store: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[str] = mapped_column(String(10), default="open")
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    assigned_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL")
    )
    goodwill_points: Mapped[int] = mapped_column(Integer, default=0)
    resolution: Mapped[str | None] = mapped_column(Text)
    contacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    answer: Mapped[SurveyAnswer | None] = relationship("SurveyAnswer")
    call = relationship("ReturnCall")
    member = relationship("Member", foreign_keys=[member_id])
    assigned_to = relationship("Member", foreign_keys=[assigned_to_id])
    purchase = relationship("Purchase")
    notes: Mapped[list[CaseNote]] = relationship(
        "CaseNote", order_by="CaseNote.created_at", back_populates="case"
    )

    def __repr__(self) -> str:
        return f"<FollowUpCase {self.id} {self.status}>"


class CaseNote(Model):
    """A note or a contact with the member, in the case's log."""

    __tablename__ = "case_notes"
    __table_args__ = (CheckConstraint(_in("kind", CONTACT_KINDS), name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("followup_cases.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(10), default="note")
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[FollowUpCase] = relationship("FollowUpCase", back_populates="notes")
    author = relationship("Member")
