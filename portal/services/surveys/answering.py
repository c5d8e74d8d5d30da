"""A member's answer: checked against the survey's questions, stored once per occasion, its
points credited once whatever the score, and a follow-up case opened for a detractor."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.clock import utcnow
from portal.extensions import db
from portal.models import Member, Survey, SurveyAnswer, SurveyAnswerItem, SurveyQuestion
from portal.services.points.ledger import credit_points, lock_member
from portal.services.programme.refusals import Conflict, Invalid
from portal.services.surveys.cases import open_case_if_detractor
from portal.services.surveys.invitations import WaitingSurvey

logger = logging.getLogger(__name__)

DISPLAY_NAME_MAX = 60
DEFAULT_TEXT_MAX = 2000


class AlreadyAnswered(Conflict):
    code = "already_answered"


class SurveyClosed(Conflict):
    code = "survey_closed"


@dataclass(frozen=True)
class QuestionAnswer:
    """What the member gave for one question: a number, chosen indexes, or text (or nothing)."""

    number: int | None = None
    choices: tuple[int, ...] = ()
    text: str = ""

    @property
    def is_empty(self) -> bool:
        return self.number is None and not self.choices and not self.text.strip()


def text_limit(question: SurveyQuestion) -> int:
    return question.max_length or DEFAULT_TEXT_MAX


def _check(question: SurveyQuestion, given: QuestionAnswer) -> str | None:
    """The reason code of what is wrong with one answer, or None."""
    if given.is_empty:
        return "required" if question.required else None
    if question.kind in ("nps", "csat"):
        low, high = (0, 10) if question.kind == "nps" else (1, 5)
        if given.number is None or not low <= given.number <= high:
            return "out_of_range"
    elif question.kind in ("single", "multiple"):
        count = len(question.choices or [])
        if any(not 0 <= c < count for c in given.choices) or len(set(given.choices)) != len(
            given.choices
        ):
            return "unknown_choice"
        if question.kind == "single" and len(given.choices) > 1:
            return "one_choice"
    elif question.kind == "text" and len(given.text) > text_limit(question):
        return "too_long"
    return None


def submit_answer(
    member: Member,
    waiting: WaitingSurvey,
    answers: dict[int, QuestionAnswer],
    *,
    consent_quote: bool = False,
    display_name: str = "",
    now: datetime | None = None,
) -> SurveyAnswer:
    """Store the member's answer on this occasion, once (a UNIQUE constraint decides between
    two tabs), and credit the survey's points once, whatever the scores. A detractor answer
    (NPS 0-6 or CSAT 1-2) opens a follow-up case due in `case_due_hours`."""
    now = now or utcnow()
    survey: Survey = waiting.survey
    if waiting.open_until is not None and waiting.open_until <= now:
        raise SurveyClosed
    errors: dict[str, Any] = {}
    for question in survey.questions:
        problem = _check(question, answers.get(question.id, QuestionAnswer()))
        if problem:
            errors[f"q{question.id}"] = problem
    display_name = display_name.strip()
    if consent_quote and survey.quotable and not display_name:
        errors["display_name"] = "required"
    if len(display_name) > DISPLAY_NAME_MAX:
        errors["display_name"] = "too_long"
    if errors:
        raise Invalid(errors=errors)

    lock_member(member)  # two tabs at once: the second waits here, then meets the constraint
    invitation = waiting.invitation
    purchase = invitation.purchase if invitation is not None else None
    answer = SurveyAnswer(
        survey_id=survey.id,
        member_id=member.id,
        invitation_id=invitation.id if invitation is not None else None,
        occasion=waiting.occasion,
        purchase_id=purchase.id if purchase is not None else None,
        event_id=invitation.event_id if invitation is not None else None,
        store=purchase.store if purchase is not None else "",
        submitted_at=now,
        consent_quote=bool(consent_quote and survey.quotable),
        display_name=display_name if consent_quote and survey.quotable else None,
    )
    texts = []
    for question in survey.questions:
        given = answers.get(question.id, QuestionAnswer())
        if given.is_empty:
            continue
        item = SurveyAnswerItem(question_id=question.id)
        if question.kind in ("nps", "csat"):
            item.number = given.number
            if question.kind == "nps" and answer.nps_score is None:
                answer.nps_score = given.number
            if question.kind == "csat" and answer.csat_score is None:
                answer.csat_score = given.number
        elif question.kind in ("single", "multiple"):
            item.choices = sorted(given.choices)
        else:
            item.text = given.text.strip()
            texts.append(item.text)
        answer.items.append(item)
    answer.free_text = "\n\n".join(texts)
    answer.moderation = "pending" if answer.free_text else "none"
    try:
        with db.session.begin_nested():
            db.session.add(answer)
    except IntegrityError:
        raise AlreadyAnswered from None
    if survey.points > 0:
        credit_points(
            member,
            "bonus",
            survey.points,
            reason=f"Thank you for answering: {survey.title}",
            details={"survey_id": survey.id, "occasion": waiting.occasion},
            survey_answer_id=answer.id,
        )
        answer.points_awarded = survey.points
    open_case_if_detractor(answer, now=now)
    db.session.flush()
    logger.info("%r by %r on %s", answer, member, waiting.occasion)
    return answer


def answers_of(member: Member) -> list[SurveyAnswer]:
    return list(
        db.session.scalars(
            select(SurveyAnswer)
            .where(SurveyAnswer.member_id == member.id)
            .order_by(SurveyAnswer.submitted_at.desc(), SurveyAnswer.id.desc())
        )
    )


def withdraw_consent(answer: SurveyAnswer) -> None:
    """The author withdraws their consent: the quote leaves every page at once (testimonials
    are read from the answer each time)."""
    answer.consent_quote = False
    db.session.flush()
    logger.info("consent to quote withdrawn on %r", answer)
