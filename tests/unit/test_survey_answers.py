"""Answering a survey: once per occasion, points once whatever the score, cases for detractors,
invitations after a purchase within the quiet days."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import FollowUpCase, LedgerEntry, SurveyAnswer, SurveyInvitation
from portal.services.programme.refusals import Invalid
from portal.services.surveys.answering import AlreadyAnswered
from portal.services.surveys.invitations import waiting_surveys
from tests.conftest import balance_of


def test_points_are_the_same_for_a_kind_and_an_unkind_answer(
    create_member, create_survey, answer_survey, staff
):
    survey = create_survey(points=50)
    kind, unkind = create_member(), create_member()
    answer_survey(kind, survey, {1: 10})
    answer_survey(unkind, survey, {1: 0})
    assert balance_of(kind) == balance_of(unkind) == 50


def test_a_second_answer_for_the_same_occasion_is_refused_and_pays_nothing(
    member, create_survey, answer_survey, staff
):
    survey = create_survey(points=50)
    answer_survey(member, survey, {1: 9})
    assert waiting_surveys(member) == []
    from portal.services.surveys.answering import QuestionAnswer, submit_answer
    from portal.services.surveys.invitations import WaitingSurvey

    with pytest.raises(AlreadyAnswered):
        submit_answer(
            member,
            WaitingSurvey(survey, "always", None),
            {survey.questions[0].id: QuestionAnswer(number=9)},
        )
    db.session.rollback()
    assert balance_of(member) == 50
    assert db.session.scalar(select(db.func.count(SurveyAnswer.id))) == 1


def test_the_database_holds_one_answer_per_survey_member_and_occasion(
    member, create_survey, answer_survey, staff
):
    survey = create_survey()
    answer_survey(member, survey, {1: 8})
    db.session.add(SurveyAnswer(survey_id=survey.id, member_id=member.id, occasion="always"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_the_ledger_holds_one_credit_per_answer(member, create_survey, answer_survey, staff):
    answer = answer_survey(member, create_survey(points=20), {1: 8})
    entry = db.session.scalar(select(LedgerEntry).where(LedgerEntry.survey_answer_id == answer.id))
    assert entry.points == 20 and entry.kind == "bonus"


@pytest.mark.parametrize(
    ("values", "field", "code"),
    [
        ({1: 11}, 1, "out_of_range"),
        ({1: -1}, 1, "out_of_range"),
        ({}, 1, "required"),
        ({1: 9, 2: "x" * 501}, 2, "too_long"),
    ],
)
def test_bad_answers_are_refused_beside_their_question(
    member, create_survey, answer_survey, staff, values, field, code
):
    survey = create_survey()
    with pytest.raises(Invalid) as refused:
        answer_survey(member, survey, values)
    question = survey.questions[field - 1]
    assert refused.value.errors == {f"q{question.id}": code}
    db.session.rollback()
    assert balance_of(member) == 0


def test_text_at_the_limit_with_chinese_and_emoji_is_kept(
    member, create_survey, answer_survey, staff
):
    text = ("店员很热情 😊" * 100)[:500]
    answer = answer_survey(member, create_survey(), {1: 9, 2: text})
    assert answer.free_text == text.strip()
    assert answer.moderation == "pending"


def test_a_detractor_answer_opens_a_case_due_in_case_due_hours(
    member, create_survey, answer_survey, staff, clock
):
    answer = answer_survey(member, create_survey(), {1: 6})
    case = db.session.scalar(select(FollowUpCase).where(FollowUpCase.answer_id == answer.id))
    assert case.status == "open"
    assert case.due_at == clock.now() + timedelta(hours=48)
    assert case.assigned_to_id == staff.id


def test_a_passive_answer_opens_no_case(member, create_survey, answer_survey, staff):
    answer_survey(member, create_survey(), {1: 7})
    assert db.session.scalar(select(db.func.count(FollowUpCase.id))) == 0


def test_a_low_csat_opens_a_case_and_a_middling_one_does_not(
    create_member, create_survey, answer_survey, staff
):
    survey = create_survey(questions=[("csat", "How satisfied were you?")])
    answer_survey(create_member(), survey, {1: 2})
    answer_survey(create_member(), survey, {1: 3})
    assert db.session.scalar(select(db.func.count(FollowUpCase.id))) == 1


def test_a_purchase_invites_to_the_purchase_survey_for_14_days(
    member, create_survey, create_purchase, staff, clock
):
    survey = create_survey(trigger="purchase", title="How was your purchase?")
    purchase = create_purchase(member)
    waiting = [w for w in waiting_surveys(member) if w.survey.id == survey.id]
    assert [w.occasion for w in waiting] == [f"purchase:{purchase.id}"]
    assert waiting[0].open_until == clock.now() + timedelta(days=14)
    clock.advance(days=14)
    assert [w for w in waiting_surveys(member) if w.survey.id == survey.id] == []


def test_a_member_is_not_invited_twice_in_the_quiet_days(
    member, create_survey, create_purchase, staff, clock
):
    create_survey(trigger="purchase")
    create_purchase(member)
    clock.advance(days=29)
    create_purchase(member)
    assert db.session.scalar(select(db.func.count(SurveyInvitation.id))) == 1
    clock.advance(days=1, seconds=1)
    create_purchase(member)
    assert db.session.scalar(select(db.func.count(SurveyInvitation.id))) == 2


def test_each_purchase_is_its_own_occasion(
    member, create_survey, create_purchase, answer_survey, staff, clock
):
    survey = create_survey(trigger="purchase", points=30)
    first = create_purchase(member)
    answer_survey(member, survey, {1: 9}, occasion=f"purchase:{first.id}")
    clock.advance(days=31)
    second = create_purchase(member)
    answer_survey(member, survey, {1: 9}, occasion=f"purchase:{second.id}")
    answers = db.session.scalars(select(SurveyAnswer).order_by(SurveyAnswer.id)).all()
    assert [a.purchase_id for a in answers] == [first.id, second.id]
    assert answers[0].store == "Shanghai IFC"


def test_an_inactive_survey_is_not_offered(member, create_survey, staff):
    create_survey(active=False)
    assert waiting_surveys(member) == []
