"""The survey builder: a survey's texts, questions, trigger, window and points.

Questions are fixed once a survey has answers (the answers point to them): staff duplicate the
survey into a new version, and the old one closes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from portal.clock import utcnow
from portal.extensions import db
from portal.models import Member, Survey, SurveyAnswer, SurveyQuestion
from portal.models.surveys import QUESTION_KINDS, TRIGGERS
from portal.services.messaging.audit import record_audit
from portal.services.programme.refusals import Conflict, Invalid

logger = logging.getLogger(__name__)


class QuestionsFixed(Conflict):
    code = "questions_fixed"


@dataclass
class QuestionDraft:
    kind: str
    prompt: str
    prompt_zh: str = ""
    required: bool = True
    max_length: int | None = None
    choices: list[dict[str, str]] = field(default_factory=list)


@dataclass
class SurveyDraft:
    title: str
    trigger: str
    questions: list[QuestionDraft]
    title_zh: str = ""
    intro: str = ""
    intro_zh: str = ""
    active: bool = True
    opens_on: date | None = None
    closes_on: date | None = None
    points: int = 0
    quotable: bool = False


def _check(draft: SurveyDraft) -> None:
    errors: dict[str, str] = {}
    if not draft.title.strip():
        errors["title"] = "required"
    if draft.trigger not in TRIGGERS:
        errors["trigger"] = "unknown"
    if draft.points < 0:
        errors["points"] = "negative"
    if draft.opens_on and draft.closes_on and draft.closes_on < draft.opens_on:
        errors["closes_on"] = "before_opening"
    if not draft.questions:
        errors["questions"] = "required"
    for n, question in enumerate(draft.questions):
        if question.kind not in QUESTION_KINDS or not question.prompt.strip():
            errors[f"questions-{n}"] = "invalid"
        elif question.kind in ("single", "multiple") and len(question.choices) < 2:
            errors[f"questions-{n}"] = "choices"
    if errors:
        raise Invalid(errors=errors)


def _questions(draft: SurveyDraft) -> list[SurveyQuestion]:
    return [
        SurveyQuestion(
            position=n + 1,
            kind=q.kind,
            prompt=q.prompt.strip(),
            prompt_zh=q.prompt_zh.strip(),
            required=q.required,
            max_length=q.max_length if q.kind == "text" else None,
            choices=q.choices if q.kind in ("single", "multiple") else None,
        )
        for n, q in enumerate(draft.questions)
    ]


def create_survey(draft: SurveyDraft, *, staff: Member, previous: Survey | None = None) -> Survey:
    """A new survey (or a new version of `previous`, which then closes)."""
    _check(draft)
    survey = Survey(
        title=draft.title.strip(),
        title_zh=draft.title_zh.strip(),
        intro=draft.intro.strip(),
        intro_zh=draft.intro_zh.strip(),
        trigger=draft.trigger,
        active=draft.active,
        opens_on=draft.opens_on,
        closes_on=draft.closes_on,
        points=draft.points,
        quotable=draft.quotable,
        version=previous.version + 1 if previous is not None else 1,
        previous_id=previous.id if previous is not None else None,
        created_by_id=staff.id,
        created_at=utcnow(),
        questions=_questions(draft),
    )
    db.session.add(survey)
    if previous is not None:
        previous.active = False
    db.session.flush()
    record_audit("survey.create", actor=staff, target=survey, summary=survey.title)
    logger.info("%r created by %r", survey, staff)
    return survey


def has_answers(survey: Survey) -> bool:
    return (
        db.session.scalar(select(SurveyAnswer.id).where(SurveyAnswer.survey_id == survey.id))
        is not None
    )


def draft_of(survey: Survey) -> SurveyDraft:
    """The survey as a draft, to edit or to duplicate into a new version."""
    return SurveyDraft(
        title=survey.title,
        title_zh=survey.title_zh,
        intro=survey.intro,
        intro_zh=survey.intro_zh,
        trigger=survey.trigger,
        active=True,
        opens_on=survey.opens_on,
        closes_on=survey.closes_on,
        points=survey.points,
        quotable=survey.quotable,
        questions=[
            QuestionDraft(
                kind=q.kind,
                prompt=q.prompt,
                prompt_zh=q.prompt_zh,
                required=q.required,
                max_length=q.max_length,
                choices=list(q.choices or []),
            )
            for q in survey.questions
        ],
    )


def duplicate_survey(survey: Survey, *, staff: Member) -> Survey:
    """A new version with the same questions, open for editing; the old one closes."""
    return create_survey(draft_of(survey), staff=staff, previous=survey)


def update_survey(survey: Survey, draft: SurveyDraft, *, staff: Member) -> Survey:
    """Change a survey; its questions only while nobody has answered it."""
    _check(draft)
    if has_answers(survey) and [
        (q.kind, q.prompt, q.prompt_zh, q.required, q.max_length, q.choices)
        for q in _questions(draft)
    ] != [
        (q.kind, q.prompt, q.prompt_zh, q.required, q.max_length, q.choices)
        for q in survey.questions
    ]:
        raise QuestionsFixed
    for name in (
        "title",
        "title_zh",
        "intro",
        "intro_zh",
        "trigger",
        "active",
        "opens_on",
        "closes_on",
        "points",
        "quotable",
    ):
        setattr(survey, name, getattr(draft, name))
    if not has_answers(survey):
        for question in list(survey.questions):
            db.session.delete(question)
        db.session.flush()
        survey.questions = _questions(draft)
    db.session.flush()
    record_audit("survey.update", actor=staff, target=survey, summary=survey.title)
    return survey
