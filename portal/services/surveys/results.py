"""A survey's results: NPS, CSAT share and average, and the response rate (answers ÷
invitations), overall, per month (programme zone), per store and per event; and the same as
rows for a CSV export."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Survey, SurveyAnswer, SurveyInvitation
from portal.services.programme.local_time import local_date
from portal.services.surveys.scores import CsatResult, NpsResult, compute_csat, compute_nps


@dataclass(frozen=True)
class ResultLine:
    """The figures of one group of answers (a month, a store, an event or all of them)."""

    label: str
    answers: int
    invitations: int | None  # None where invitations do not apply (the always-open survey)
    nps: NpsResult
    csat: CsatResult

    @property
    def response_rate(self) -> Fraction | None:
        if not self.invitations:
            return None
        return Fraction(self.answers, self.invitations)


@dataclass(frozen=True)
class SurveyResults:
    survey: Survey
    overall: ResultLine
    by_month: list[ResultLine]
    by_store: list[ResultLine]
    by_event: list[ResultLine]


def _line(label: str, answers: list[SurveyAnswer], invitations: int | None) -> ResultLine:
    return ResultLine(
        label,
        len(answers),
        invitations,
        compute_nps(a.nps_score for a in answers if a.nps_score is not None),
        compute_csat(a.csat_score for a in answers if a.csat_score is not None),
    )


def survey_results(survey: Survey) -> SurveyResults:
    answers = list(
        db.session.scalars(
            select(SurveyAnswer)
            .where(SurveyAnswer.survey_id == survey.id)
            .order_by(SurveyAnswer.submitted_at)
        )
    )
    invitations = list(
        db.session.execute(
            select(SurveyInvitation.invited_at, SurveyInvitation.event_title).where(
                SurveyInvitation.survey_id == survey.id
            )
        )
    )
    counts_invited = survey.trigger != "always"
    months: dict[str, list[SurveyAnswer]] = defaultdict(list)
    stores: dict[str, list[SurveyAnswer]] = defaultdict(list)
    events: dict[str, list[SurveyAnswer]] = defaultdict(list)
    for answer in answers:
        months[local_date(answer.submitted_at).strftime("%Y-%m")].append(answer)
        if answer.store:
            stores[answer.store].append(answer)
        if answer.invitation is not None and answer.invitation.event_title:
            events[answer.invitation.event_title].append(answer)
    invited_by_month: dict[str, int] = defaultdict(int)
    invited_by_event: dict[str, int] = defaultdict(int)
    for invited_at, event_title in invitations:
        invited_by_month[local_date(invited_at).strftime("%Y-%m")] += 1
        if event_title:
            invited_by_event[event_title] += 1
    for month in invited_by_month:
        months.setdefault(month, [])
    return SurveyResults(
        survey=survey,
        overall=_line("all", answers, len(invitations) if counts_invited else None),
        by_month=[
            _line(m, months[m], invited_by_month[m] if counts_invited else None)
            for m in sorted(months)
        ],
        by_store=[_line(s, stores[s], None) for s in sorted(stores)],
        by_event=[_line(e, events[e], invited_by_event[e]) for e in sorted(events)],
    )


def answer_counts() -> dict[int, int]:
    return dict(
        db.session.execute(
            select(SurveyAnswer.survey_id, func.count(SurveyAnswer.id)).group_by(
                SurveyAnswer.survey_id
            )
        ).all()
    )


def all_surveys() -> list[Survey]:
    return list(db.session.scalars(select(Survey).order_by(Survey.id.desc())))
