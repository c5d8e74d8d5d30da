"""A member's story for staff (the member 360° page): each kind of row the member has, newest
first, a page at a time. Each list is one indexed query on the member's id, with what its
rows show loaded in the same query, however long the member's history."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.models import (
    EventRsvp,
    FollowUpCase,
    LedgerEntry,
    Member,
    MemberNote,
    PointsAdjustmentRequest,
    Purchase,
    Redemption,
    Referral,
    SurveyAnswer,
    TierChange,
)

PAGE_SIZE = 20
MAX_PAGE = 1000

Row = TypeVar("Row")


@dataclass
class HistoryPage(Generic[Row]):
    rows: list[Row]
    page: int
    has_more: bool


def _paged(query: Select[Any], page: int, size: int = PAGE_SIZE) -> HistoryPage[Any]:
    page = max(1, min(page, MAX_PAGE))
    rows = list(db.session.scalars(query.offset((page - 1) * size).limit(size + 1)).unique())
    return HistoryPage(rows[:size], page, len(rows) > size)


def tier_changes_of(member: Member, *, page: int = 1) -> HistoryPage[TierChange]:
    return _paged(
        select(TierChange).where(TierChange.member_id == member.id).order_by(TierChange.id.desc()),
        page,
    )


def ledger_of(member: Member, *, page: int = 1) -> HistoryPage[LedgerEntry]:
    return _paged(
        select(LedgerEntry)
        .where(LedgerEntry.member_id == member.id)
        .order_by(LedgerEntry.id.desc()),
        page,
    )


def purchases_of(member: Member, *, page: int = 1) -> HistoryPage[Purchase]:
    return _paged(
        select(Purchase)
        .where(Purchase.member_id == member.id)
        .order_by(Purchase.purchased_at.desc(), Purchase.id.desc()),
        page,
    )


def vouchers_of(member: Member, *, page: int = 1) -> HistoryPage[Redemption]:
    return _paged(
        select(Redemption).where(Redemption.member_id == member.id).order_by(Redemption.id.desc()),
        page,
    )


@dataclass
class ReferralStory:
    referred_by: Referral | None
    referrals: HistoryPage[Referral]


def referrals_of(member: Member, *, page: int = 1) -> ReferralStory:
    referred_by = db.session.scalar(
        select(Referral)
        .where(Referral.friend_id == member.id)
        .options(joinedload(Referral.referrer))
    )
    made = _paged(
        select(Referral)
        .where(Referral.referrer_id == member.id)
        .options(joinedload(Referral.friend))
        .order_by(Referral.id.desc()),
        page,
    )
    return ReferralStory(referred_by, made)


def rsvps_of(member: Member, *, page: int = 1) -> HistoryPage[EventRsvp]:
    return _paged(
        select(EventRsvp).where(EventRsvp.member_id == member.id).order_by(EventRsvp.id.desc()),
        page,
    )


@dataclass
class SurveyStory:
    answers: HistoryPage[SurveyAnswer]
    cases: list[FollowUpCase]


CASES_SHOWN = 20


def surveys_of(member: Member, *, page: int = 1) -> SurveyStory:
    """The member's answers (a page) and the follow-up cases opened by them (the newest
    twenty; the cases page lists them all)."""
    answers = _paged(
        select(SurveyAnswer)
        .where(SurveyAnswer.member_id == member.id)
        .options(joinedload(SurveyAnswer.survey))
        .order_by(SurveyAnswer.submitted_at.desc(), SurveyAnswer.id.desc()),
        page,
    )
    own_answers = select(SurveyAnswer.id).where(SurveyAnswer.member_id == member.id)
    cases = list(
        db.session.scalars(
            select(FollowUpCase)
            .where(FollowUpCase.answer_id.in_(own_answers))
            .order_by(FollowUpCase.id.desc())
            .limit(CASES_SHOWN)
        )
    )
    return SurveyStory(answers, cases)


def notes_of(member: Member, *, page: int = 1) -> HistoryPage[MemberNote]:
    return _paged(
        select(MemberNote)
        .where(MemberNote.member_id == member.id)
        .options(joinedload(MemberNote.author))
        .order_by(MemberNote.id.desc()),
        page,
    )


def adjustment_requests_of(member: Member) -> list[PointsAdjustmentRequest]:
    """The member's adjustments waiting for an admin (a handful at most)."""
    return list(
        db.session.scalars(
            select(PointsAdjustmentRequest)
            .where(
                PointsAdjustmentRequest.member_id == member.id,
                PointsAdjustmentRequest.status == "pending",
            )
            .options(joinedload(PointsAdjustmentRequest.requested_by))
            .order_by(PointsAdjustmentRequest.id.desc())
            .limit(10)
        )
    )
