"""The survey builder, results and export over HTTP: a new survey with its questions,
questions fixed once answered (a new version instead), results matching hand-computed figures,
and a CSV export that a spreadsheet cannot run."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from portal.extensions import db
from portal.models import Survey
from tests.conftest import form_post

NEW = {
    "title": "How was your purchase?",
    "title_zh": "您对这次购买满意吗？",
    "trigger": "purchase",
    "points": "30",
    "active": "y",
    "quotable": "y",
    "questions-0-kind": "csat",
    "questions-0-prompt": "How satisfied are you with your purchase?",
    "questions-0-required": "y",
    "questions-1-kind": "single",
    "questions-1-prompt": "Who served you?",
    "questions-1-choices": "A sales advisor | 销售顾问\nNobody | 无人",
    "questions-2-kind": "text",
    "questions-2-prompt": "Anything else?",
    "questions-2-max_length": "300",
}


def test_staff_make_a_survey(client, login):
    login("staff")
    response = form_post(client, "/admin/surveys/new", NEW, token_from="/admin/surveys/new")
    assert response.status_code == 303
    survey = db.session.scalar(select(Survey))
    assert (survey.title, survey.trigger, survey.points) == (
        "How was your purchase?",
        "purchase",
        30,
    )
    assert [q.kind for q in survey.questions] == ["csat", "single", "text"]
    assert survey.questions[1].choices == [
        {"en": "A sales advisor", "zh": "销售顾问"},
        {"en": "Nobody", "zh": "无人"},
    ]
    assert survey.questions[2].max_length == 300 and not survey.questions[2].required


def test_a_choice_question_needs_two_options(client, login):
    login("staff")
    data = NEW | {"questions-1-choices": "Only one"}
    response = form_post(client, "/admin/surveys/new", data, token_from="/admin/surveys/new")
    assert response.status_code == 422
    assert "Give at least two options, one a line." in response.get_data(as_text=True)
    assert db.session.scalar(select(Survey)) is None


def test_questions_are_fixed_once_answered(client, login, create_survey, answer_survey, member):
    survey = create_survey()
    answer_survey(member, survey, {1: 9})
    login("staff")
    page = client.get(f"/admin/surveys/{survey.id}").get_data(as_text=True)
    assert "its questions cannot change" in page
    changed = {
        "title": survey.title,
        "trigger": "always",
        "points": "50",
        "active": "y",
        "questions-0-kind": "nps",
        "questions-0-prompt": "A changed question",
        "questions-0-required": "y",
    }
    refused = form_post(client, f"/admin/surveys/{survey.id}", changed, token_from="/admin/surveys")
    assert refused.status_code == 409
    db.session.expire_all()
    assert db.session.get(Survey, survey.id).questions[0].prompt != "A changed question"
    copied = form_post(client, f"/admin/surveys/{survey.id}/duplicate", token_from="/admin/surveys")
    assert copied.status_code == 303
    db.session.expire_all()
    new = db.session.scalar(select(Survey).where(Survey.previous_id == survey.id))
    assert new.version == 2 and new.active
    assert db.session.get(Survey, survey.id).active is False


def test_results_match_hand_computed_figures(
    client, login, create_member, create_survey, answer_survey
):
    survey = create_survey()
    for score in (10, 9, 8, 6, 3):
        answer_survey(create_member(), survey, {1: score})
    login("staff")
    page = client.get(f"/admin/surveys/{survey.id}/results").get_data(as_text=True)
    # 2 promoters, 1 passive, 2 detractors of 5: 40 % - 40 % = 0
    assert "<td>5</td>" in page and "<td>0.0</td>" in page
    assert "<svg" in page and "NPS by month" in page


def test_results_with_no_answers(client, login, create_survey):
    survey = create_survey()
    login("staff")
    page = client.get(f"/admin/surveys/{survey.id}/results").get_data(as_text=True)
    assert "Nobody has answered this survey yet." in page


def test_the_export_is_spreadsheet_safe_and_masked(
    client, login, create_member, create_survey, answer_survey
):
    survey = create_survey()
    answer_survey(create_member(), survey, {1: 9, 2: '=HYPERLINK("http://evil")'})
    answer_survey(create_member(), survey, {1: 4, 2: "Call 13800138000"})
    login("staff")
    response = client.get(f"/admin/surveys/{survey.id}/results.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == [
        "answer_id",
        "submitted_at",
        "occasion",
        "store",
        "nps",
        "csat",
        "moderation",
        "comment",
    ]
    assert rows[1][7] == '\'=HYPERLINK("http://evil")'
    assert rows[2][7] == "Call ▇▇▇"


def test_members_may_not_build(client, login, create_survey):
    survey = create_survey()
    login()
    assert client.get("/admin/surveys").status_code == 403
    assert client.get(f"/admin/surveys/{survey.id}/results.csv").status_code == 403
