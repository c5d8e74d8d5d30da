"""Testimonials: an approved comment whose author allowed quoting appears on the landing page
and the member home with the chosen name; not before approval, not without consent, and no
more once the author withdraws it."""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.models import SurveyAnswer
from tests.conftest import form_post


@pytest.fixture
def quote(create_member, create_survey, answer_survey, staff):
    from portal.services.surveys.moderation import moderate_answer

    author = create_member(name="Mei Lin")
    answer = answer_survey(
        author,
        create_survey(),
        {1: 10, 2: "The engraving was perfect <3"},
        consent_quote=True,
        display_name="Mei, Shanghai",
    )
    return (
        author,
        answer,
        lambda: (
            moderate_answer(db.session.get(SurveyAnswer, answer.id), "approve", staff=staff),
            db.session.commit(),
        ),
    )


def test_a_quote_waits_for_approval(client, quote):
    _author, _answer, approve = quote
    assert "The engraving was perfect" not in client.get("/").get_data(as_text=True)
    approve()
    page = client.get("/").get_data(as_text=True)
    assert "The engraving was perfect &lt;3" in page and "— Mei, Shanghai" in page


def test_the_quote_shows_on_the_member_home(client, login, quote):
    _author, _answer, approve = quote
    approve()
    login()
    assert "— Mei, Shanghai" in client.get("/dashboard").get_data(as_text=True)


def test_no_quote_without_consent(client, create_member, create_survey, answer_survey, staff):
    from portal.services.surveys.moderation import moderate_answer

    answer = answer_survey(create_member(), create_survey(), {1: 10, 2: "Lovely shop"})
    moderate_answer(answer, "approve", staff=staff)
    db.session.commit()
    assert "Lovely shop" not in client.get("/").get_data(as_text=True)


def test_withdrawing_consent_removes_the_quote_everywhere(app, client, login, quote):
    author, answer, approve = quote
    approve()
    login(author)
    response = form_post(
        client, f"/surveys/answers/{answer.id}/withdraw-consent", token_from="/surveys"
    )
    assert response.status_code == 303
    assert "Mei, Shanghai" not in client.get("/dashboard").get_data(as_text=True)
    landing = app.test_client().get("/")
    assert landing.status_code == 200
    assert "The engraving was perfect" not in landing.get_data(as_text=True)
