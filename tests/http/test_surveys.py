"""Surveys over HTTP, as a member: what is waiting, the form with its radio buttons, answering
with points and a thank-you page, bad answers beside their questions, a second answer, another
member's answer, the dashboard prompt and withdrawing the consent to quote."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import FollowUpCase, SurveyAnswer
from tests.conftest import balance_of, form_post


@pytest.fixture
def visit_survey(create_survey):
    return create_survey(points=50)


def _post(client, survey, data, *, invitation=""):
    url = f"/surveys/{survey.id}"
    return form_post(client, url, {"invitation": invitation, **data}, token_from=url)


def _q(survey, position):
    return f"q{survey.questions[position - 1].id}"


def test_anonymous_visitors_are_sent_to_sign_in(client, visit_survey):
    response = client.get(f"/surveys/{visit_survey.id}")
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]


def test_the_form_has_eleven_real_radio_inputs_for_nps(client, login, visit_survey):
    login()
    page = client.get(f"/surveys/{visit_survey.id}").get_data(as_text=True)
    name = _q(visit_survey, 1)
    radios = re.findall(
        rf'<input id="{name}-\d+" name="{name}" required type="radio" value="(\d+)">', page
    )
    assert radios == [str(n) for n in range(11)]
    assert page.count(f'<label for="{name}-') == 11
    assert "You may quote my words" in page
    assert "<legend>How likely are you to recommend us to a friend?" in page


def test_answering_earns_the_points_and_thanks(client, login, visit_survey):
    member = login()
    response = _post(
        client, visit_survey, {_q(visit_survey, 1): "9", _q(visit_survey, 2): "Lovely"}
    )
    assert response.status_code == 303
    thanks = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Thank you for your answer" in thanks
    assert "+50" in thanks
    assert balance_of(member) == 50
    listing = client.get("/surveys").get_data(as_text=True)
    assert "No survey is waiting for you" in listing


def test_a_detractor_is_told_someone_will_call(client, login, visit_survey):
    login()
    response = _post(client, visit_survey, {_q(visit_survey, 1): "3"})
    thanks = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "A member of our team will contact you by" in thanks
    assert db.session.scalar(select(func.count(FollowUpCase.id))) == 1


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("11", "Not a valid choice"),
        ("-1", "Not a valid choice"),
        ("", "Please answer this question."),
    ],
)
def test_a_bad_score_is_refused_beside_the_question(client, login, visit_survey, value, message):
    member = login()
    response = _post(client, visit_survey, {_q(visit_survey, 1): value})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="{_q(visit_survey, 1)}-error"' in page
    assert message in page
    assert db.session.scalar(select(func.count(SurveyAnswer.id))) == 0
    assert balance_of(member) == 0


def test_text_over_the_limit_is_refused(client, login, visit_survey):
    login()
    response = _post(
        client, visit_survey, {_q(visit_survey, 1): "9", _q(visit_survey, 2): "x" * 501}
    )
    assert response.status_code == 422
    assert "Please keep it under 500 characters." in response.get_data(as_text=True)


def test_a_quote_needs_a_display_name(client, login, visit_survey):
    login()
    response = _post(client, visit_survey, {_q(visit_survey, 1): "9", "consent_quote": "y"})
    assert response.status_code == 422
    assert "Say which name we may show with your words." in response.get_data(as_text=True)


def test_a_second_answer_stores_nothing_and_pays_nothing(client, login, visit_survey):
    member = login()
    first = _post(client, visit_survey, {_q(visit_survey, 1): "9"})
    assert first.status_code == 303
    second = _post(client, visit_survey, {_q(visit_survey, 1): "10"})
    assert second.status_code == 409
    assert "not waiting for an answer from you" in second.get_data(as_text=True)
    assert db.session.scalar(select(func.count(SurveyAnswer.id))) == 1
    assert balance_of(member) == 50


def test_an_inactive_survey_cannot_be_answered(client, login, create_survey):
    survey = create_survey(active=False)
    login()
    assert client.get(f"/surveys/{survey.id}").status_code == 404
    assert _post(client, survey, {_q(survey, 1): "9"}).status_code == 409


def test_a_forged_survey_id_is_404(client, login):
    login()
    assert client.get("/surveys/999999").status_code == 404


def test_someone_elses_purchase_invitation_cannot_be_used(
    client, login, create_member, create_purchase, create_survey
):
    survey = create_survey(trigger="purchase", title="How was your purchase?")
    other = create_member()
    create_purchase(other)
    from portal.models import SurveyInvitation

    invitation = db.session.scalar(select(SurveyInvitation))
    login()
    response = _post(client, survey, {_q(survey, 1): "9"}, invitation=str(invitation.id))
    assert response.status_code == 409
    assert db.session.scalar(select(func.count(SurveyAnswer.id))) == 0


def test_the_purchase_is_named_on_the_form(client, login, create_purchase, create_survey):
    survey = create_survey(trigger="purchase", title="How was your purchase?")
    member = login()
    purchase = create_purchase(member, store="Beijing SKP")
    page = client.get("/surveys").get_data(as_text=True)
    assert "About your purchase at Beijing SKP" in page
    assert purchase.receipt_no in page
    form = client.get(f"/surveys/{survey.id}").get_data(as_text=True)
    assert purchase.receipt_no in form


def test_html_in_an_answer_is_shown_as_text(client, login, visit_survey):
    login()
    response = _post(
        client,
        visit_survey,
        {_q(visit_survey, 1): "9", _q(visit_survey, 2): "<script>alert(1)</script> 很好 👍"},
    )
    answer_id = response.headers["Location"].rsplit("/", 2)[-2]
    page = client.get(f"/surveys/answers/{answer_id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; 很好 👍" in page


def test_another_members_answer_is_404(client, login, create_member, visit_survey, answer_survey):
    theirs = answer_survey(create_member(), visit_survey, {1: 9})
    login()
    assert client.get(f"/surveys/answers/{theirs.id}").status_code == 404
    assert client.get(f"/surveys/answers/{theirs.id}/thanks").status_code == 404
    response = form_post(
        client, f"/surveys/answers/{theirs.id}/withdraw-consent", token_from="/surveys"
    )
    assert response.status_code == 404


def test_the_dashboard_prompts_while_a_survey_waits(client, login, visit_survey):
    login()
    assert "survey-prompt" in client.get("/dashboard").get_data(as_text=True)
    _post(client, visit_survey, {_q(visit_survey, 1): "9"})
    assert "survey-prompt" not in client.get("/dashboard").get_data(as_text=True)


def test_withdrawing_consent(client, login, visit_survey):
    login()
    response = _post(
        client,
        visit_survey,
        {
            _q(visit_survey, 1): "9",
            _q(visit_survey, 2): "Great",
            "consent_quote": "y",
            "display_name": "Mei, Shanghai",
        },
    )
    answer_id = int(response.headers["Location"].rsplit("/", 2)[-2])
    page = client.get(f"/surveys/answers/{answer_id}").get_data(as_text=True)
    assert "“Mei, Shanghai”" in page
    withdrawn = form_post(
        client, f"/surveys/answers/{answer_id}/withdraw-consent", token_from="/surveys"
    )
    assert withdrawn.status_code == 303
    db.session.expire_all()
    assert db.session.get(SurveyAnswer, answer_id).consent_quote is False
    assert "Withdraw my consent" not in client.get(f"/surveys/answers/{answer_id}").get_data(
        as_text=True
    )
