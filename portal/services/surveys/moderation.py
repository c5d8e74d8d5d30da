"""The moderation queue of free-text answers: staff approve, hide (with a reason code) or
flag them, one by one or in bulk, and may reply to the member (shown on their answer's page
and sent as a notification). Personal data in the text is masked until a staff member reveals
it, which is written to the audit log."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select

from portal.clock import utcnow
from portal.extensions import db
from portal.models import Member, Survey, SurveyAnswer
from portal.models.surveys import HIDE_REASONS
from portal.services.messaging.audit import record_audit
from portal.services.messaging.notifications import notify_member
from portal.services.programme.refusals import Forbidden, Invalid
from portal.services.surveys.scores import NPS_DETRACTOR_MAX, NPS_PROMOTER_MIN

logger = logging.getLogger(__name__)

ACTIONS = ("approve", "hide", "flag")
QUEUE_STATES = ("pending", "approved", "hidden", "flagged")
SCORE_BANDS = ("detractor", "passive", "promoter")
REPLY_MAX = 2000
PAGE_SIZE = 30


@dataclass(frozen=True)
class QueueFilter:
    status: str | None = "pending"
    survey_id: int | None = None
    score: str | None = None
    store: str | None = None
    search: str = ""
    page: int = 1


@dataclass(frozen=True)
class Queue:
    answers: list[SurveyAnswer]
    page: int
    has_more: bool
    counts: dict[str, int]
    stores: list[str]
    surveys: list[Survey]


def _filtered(query: Select[Any], wanted: QueueFilter) -> Select[Any]:
    if wanted.status in QUEUE_STATES:
        query = query.where(SurveyAnswer.moderation == wanted.status)
    if wanted.survey_id:
        query = query.where(SurveyAnswer.survey_id == wanted.survey_id)
    if wanted.store:
        query = query.where(SurveyAnswer.store == wanted.store)
    if wanted.score == "detractor":
        query = query.where(SurveyAnswer.nps_score <= NPS_DETRACTOR_MAX)
    elif wanted.score == "passive":
        query = query.where(
            SurveyAnswer.nps_score.between(NPS_DETRACTOR_MAX + 1, NPS_PROMOTER_MIN - 1)
        )
    elif wanted.score == "promoter":
        query = query.where(SurveyAnswer.nps_score >= NPS_PROMOTER_MIN)
    if wanted.search:
        pattern = (
            "%" + wanted.search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        )
        query = query.where(
            or_(
                SurveyAnswer.free_text.ilike(pattern, escape="\\"),
                SurveyAnswer.reply.ilike(pattern, escape="\\"),
            )
        )
    return query


def moderation_queue(wanted: QueueFilter) -> Queue:
    """Free-text answers, newest first, by state, survey, NPS band, store and words."""
    query = _filtered(
        select(SurveyAnswer).where(SurveyAnswer.moderation != "none"), wanted
    ).order_by(SurveyAnswer.submitted_at.desc(), SurveyAnswer.id.desc())
    page = max(1, wanted.page)
    rows = list(db.session.scalars(query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)))
    counts = dict(
        db.session.execute(
            select(SurveyAnswer.moderation, func.count(SurveyAnswer.id))
            .where(SurveyAnswer.moderation != "none")
            .group_by(SurveyAnswer.moderation)
        ).all()
    )
    stores = list(
        db.session.scalars(
            select(SurveyAnswer.store)
            .where(SurveyAnswer.store != "", SurveyAnswer.moderation != "none")
            .distinct()
            .order_by(SurveyAnswer.store)
        )
    )
    surveys = list(db.session.scalars(select(Survey).order_by(Survey.id.desc())))
    return Queue(rows[:PAGE_SIZE], page, len(rows) > PAGE_SIZE, counts, stores, surveys)


def moderate_answer(
    answer: SurveyAnswer,
    action: str,
    *,
    staff: Member,
    reason: str | None = None,
    now: datetime | None = None,
) -> SurveyAnswer:
    """Approve, hide (a reason code from HIDE_REASONS is required) or flag an answer's text."""
    if action not in ACTIONS:
        raise Invalid(errors={"action": "unknown"})
    if action == "hide" and reason not in HIDE_REASONS:
        raise Invalid(errors={"reason": "required"})
    if answer.moderation == "none":
        raise Invalid(errors={"action": "no_text"})
    before = answer.moderation
    answer.moderation = {"approve": "approved", "hide": "hidden", "flag": "flagged"}[action]
    answer.hide_reason = reason if action == "hide" else None
    answer.moderated_by_id = staff.id
    answer.moderated_at = now or utcnow()
    db.session.flush()
    record_audit(
        f"survey_answer.{action}",
        actor=staff,
        target=answer,
        summary=f"{before} → {answer.moderation}",
        details={"reason": reason} if reason else None,
    )
    return answer


def moderate_answers(
    answer_ids: Iterable[int], action: str, *, staff: Member, reason: str | None = None
) -> int:
    """The same decision on several answers at once; returns how many were changed."""
    answers = list(
        db.session.scalars(
            select(SurveyAnswer).where(
                SurveyAnswer.id.in_(list(answer_ids)), SurveyAnswer.moderation != "none"
            )
        )
    )
    now = utcnow()
    for answer in answers:
        moderate_answer(answer, action, staff=staff, reason=reason, now=now)
    return len(answers)


def reply_to_answer(answer: SurveyAnswer, text: str, *, staff: Member) -> SurveyAnswer:
    """Staff answer the member: shown on the member's answer page and sent as a notification."""
    if not staff.is_staff:
        raise Forbidden
    text = text.strip()
    if not text:
        raise Invalid(errors={"reply": "required"})
    if len(text) > REPLY_MAX:
        raise Invalid(errors={"reply": "too_long"})
    answer.reply = text
    answer.replied_by_id = staff.id
    answer.replied_at = utcnow()
    db.session.flush()
    member = db.session.get_one(Member, answer.member_id)
    notify_member(
        member,
        "survey_reply",
        title=_l("Our team replied to your survey answer"),
        body=text,
        link=("surveys.own_answer", {"answer_id": answer.id}),
        dedupe_key=f"survey-reply:{answer.id}:{answer.replied_at.isoformat()}",
    )
    record_audit("survey_answer.reply", actor=staff, target=answer, summary="reply sent")
    return answer


def reveal_answer(answer: SurveyAnswer, *, staff: Member) -> str:
    """The unmasked text, for a staff member who needs it; written to the audit log."""
    if not staff.is_staff:
        raise Forbidden
    record_audit(
        "survey_answer.reveal", actor=staff, target=answer, summary="personal data revealed"
    )
    logger.info("%r revealed answer %s", staff, answer.id)
    return answer.free_text
