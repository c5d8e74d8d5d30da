"""The moderation queue over HTTP: masked and escaped text, filters and search, decisions one
by one (htmx swaps the row) and in bulk, the audited reveal, the reply the member sees, and a
member who tries any of it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEntry, Notification, SurveyAnswer
from tests.conftest import form_post

PERSONAL = (
    "Call me on +86 138 0013 8000 or 021 6288 1234, mail lin.mei@example.com, "
    "card 4111 1111 1111 1111, ID 11010519491231002X, 微信号: lin_mei88 <b>bold</b>"
)


@pytest.fixture
def survey(create_survey):
    return create_survey()


@pytest.fixture
def answer(member, survey, answer_survey):
    return answer_survey(member, survey, {1: 9, 2: PERSONAL})


def test_the_queue_masks_personal_data_and_escapes_html(client, login, answer):
    login("staff")
    response = client.get("/admin/moderation")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for secret in (
        "138 0013 8000",
        "6288 1234",
        "lin.mei@example.com",
        "4111 1111",
        "11010519491231002X",
        "lin_mei88",
    ):
        assert secret not in page
    assert page.count("▇▇▇") == 6
    assert "<b>bold</b>" not in page and "&lt;b&gt;bold&lt;/b&gt;" in page
    assert "Reveal personal data" in page


def test_revealing_shows_the_text_and_is_audited(client, login, answer):
    staff = login("staff")
    response = form_post(
        client,
        f"/admin/moderation/{answer.id}/reveal",
        token_from="/admin/moderation",
        headers={"HX-Request": "true", "HX-Target": f"answer-{answer.id}"},
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "lin_mei88" in body and body.lstrip().startswith("<article")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "survey_answer.reveal"))
    assert entry.actor_id == staff.id and entry.target_id == answer.id


def test_approving_with_htmx_swaps_the_row(client, login, answer):
    login("staff")
    response = form_post(
        client,
        f"/admin/moderation/{answer.id}/decide",
        {"action": "approve"},
        token_from="/admin/moderation",
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "Approved" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(SurveyAnswer, answer.id).moderation == "approved"


def test_hiding_needs_a_reason(client, login, answer):
    login("staff")
    refused = form_post(
        client,
        f"/admin/moderation/{answer.id}/decide",
        {"action": "hide"},
        token_from="/admin/moderation",
        headers={"HX-Request": "true"},
    )
    assert refused.status_code == 422
    assert "Choose why the answer is hidden." in refused.get_data(as_text=True)
    hidden = form_post(
        client,
        f"/admin/moderation/{answer.id}/decide",
        {"action": "hide", "reason": "personal_data"},
        token_from="/admin/moderation",
    )
    assert hidden.status_code == 303
    db.session.expire_all()
    row = db.session.get(SurveyAnswer, answer.id)
    assert (row.moderation, row.hide_reason) == ("hidden", "personal_data")


def test_bulk_flag(client, login, create_member, survey, answer_survey):
    first = answer_survey(create_member(), survey, {1: 9, 2: "Nice"})
    second = answer_survey(create_member(), survey, {1: 3, 2: "Slow"})
    untouched = answer_survey(create_member(), survey, {1: 8, 2: "Fine"})
    login("staff")
    response = form_post(
        client,
        "/admin/moderation/bulk",
        {"action": "flag", "answer_ids": [str(first.id), str(second.id)]},
        token_from="/admin/moderation",
    )
    assert response.status_code == 303
    db.session.expire_all()
    states = {a.id: a.moderation for a in db.session.scalars(select(SurveyAnswer))}
    assert states == {first.id: "flagged", second.id: "flagged", untouched.id: "pending"}


def test_filters_and_search(client, login, create_member, survey, answer_survey):
    answer_survey(create_member(), survey, {1: 2, 2: "The wait was long"})
    answer_survey(create_member(), survey, {1: 10, 2: "Wonderful service"})
    login("staff")
    detractors = client.get("/admin/moderation?score=detractor").get_data(as_text=True)
    assert "The wait was long" in detractors and "Wonderful service" not in detractors
    found = client.get("/admin/moderation?q=wonderful").get_data(as_text=True)
    assert "Wonderful service" in found and "The wait was long" not in found
    approved = client.get("/admin/moderation?status=approved").get_data(as_text=True)
    assert "No comment matches these filters." in approved


def test_a_reply_reaches_the_member(client, login, member, answer):
    login("staff")
    response = form_post(
        client,
        f"/admin/moderation/{answer.id}/reply",
        {"reply": "Thank you, Mei — we will call you."},
        token_from="/admin/moderation",
    )
    assert response.status_code == 303
    note = db.session.scalar(
        select(Notification).where(
            Notification.member_id == member.id, Notification.kind == "survey_reply"
        )
    )
    assert note.body == "Thank you, Mei — we will call you."


def test_the_member_sees_the_reply(client, login, member, staff, answer):
    from portal.services.surveys.moderation import reply_to_answer

    reply_to_answer(db.session.get(SurveyAnswer, answer.id), "We are glad!", staff=staff)
    db.session.commit()
    login(member)
    page = client.get(f"/surveys/answers/{answer.id}").get_data(as_text=True)
    assert "Our reply" in page and "We are glad!" in page


def test_an_empty_reply_is_refused(client, login, answer):
    login("staff")
    response = form_post(
        client,
        f"/admin/moderation/{answer.id}/reply",
        {"reply": "  "},
        token_from="/admin/moderation",
    )
    assert response.status_code == 422
    assert "Write the reply." in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["reveal", "reply", "decide"])
def test_a_member_may_not_moderate(client, login, answer, path):
    login()
    response = form_post(
        client,
        f"/admin/moderation/{answer.id}/{path}",
        {"reply": "x", "action": "approve"},
        token_from="/dashboard",
    )
    assert response.status_code == 403
    assert (
        db.session.scalar(select(AuditEntry).where(AuditEntry.action.like("survey_answer.%")))
        is None
    )


def test_a_forged_answer_id_is_404(client, login):
    login("staff")
    assert client.get("/admin/moderation/999999").status_code == 404
