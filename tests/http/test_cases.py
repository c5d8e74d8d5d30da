"""Follow-up cases over HTTP: a detractor answer opens one, the overdue count in the staff
navigation, logging a call moves it to contacted, resolving with goodwill points within the
role's limit, the re-survey the member then gets, and a member who tries it."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import FollowUpCase, LedgerEntry, SurveyInvitation
from portal.services.surveys.invitations import waiting_surveys
from tests.conftest import balance_of, form_post


@pytest.fixture
def case(member, create_survey, answer_survey, staff, clock):
    survey = create_survey(points=50)
    answer = answer_survey(member, survey, {1: 2, 2: "The repair took three weeks."})
    return db.session.scalar(select(FollowUpCase).where(FollowUpCase.answer_id == answer.id))


def _nav_badge(html: str) -> str | None:
    found = re.search(r'Cases <span class="nav-badge">(\d+)', html)
    return found.group(1) if found else None


def test_the_overdue_count_shows_in_the_staff_navigation(client, login, staff, case, clock):
    login(staff)
    assert _nav_badge(client.get("/admin/").get_data(as_text=True)) is None
    clock.advance(hours=48, seconds=-1)
    login(staff)  # a staff session ends after 30 minutes unused
    assert _nav_badge(client.get("/admin/").get_data(as_text=True)) is None
    clock.advance(seconds=1)
    assert _nav_badge(client.get("/admin/").get_data(as_text=True)) == "1"
    overdue = client.get("/admin/cases?view=overdue").get_data(as_text=True)
    assert "Lin Mei" in overdue and "1 case is overdue." in overdue


def test_logging_a_call_moves_the_case_to_contacted(client, login, staff, case):
    login(staff)
    response = form_post(
        client,
        f"/admin/cases/{case.id}/notes",
        {"kind": "call", "body": "Called; she will bring the watch back."},
        token_from=f"/admin/cases/{case.id}",
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(FollowUpCase, case.id).status == "contacted"
    page = client.get(f"/admin/cases/{case.id}").get_data(as_text=True)
    assert "Called; she will bring the watch back." in page


def test_resolving_with_goodwill_credits_the_member_once_and_sends_a_resurvey(
    client, login, staff, member, case
):
    login(staff)
    response = form_post(
        client,
        f"/admin/cases/{case.id}/resolve",
        {"resolution": "Repaired for free.", "goodwill_points": "500"},
        token_from=f"/admin/cases/{case.id}",
    )
    assert response.status_code == 303
    assert balance_of(member) == 50 + 500
    entry = db.session.scalar(select(LedgerEntry).where(LedgerEntry.followup_case_id == case.id))
    assert entry.points == 500
    again = form_post(
        client,
        f"/admin/cases/{case.id}/resolve",
        {"resolution": "Again", "goodwill_points": "500"},
        token_from=f"/admin/cases/{case.id}",
    )
    assert again.status_code == 409
    assert balance_of(member) == 550
    resurvey = db.session.scalar(
        select(SurveyInvitation).where(SurveyInvitation.case_id == case.id)
    )
    assert resurvey is not None
    assert [w.occasion for w in waiting_surveys(member)] == [f"resurvey:{case.id}"]


def test_goodwill_over_the_staff_limit_is_refused(client, login, staff, member, case):
    login(staff)
    response = form_post(
        client,
        f"/admin/cases/{case.id}/resolve",
        {"resolution": "Sorry", "goodwill_points": "501"},
        token_from=f"/admin/cases/{case.id}",
    )
    assert response.status_code == 422
    assert "You may give at most 500 goodwill points." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(FollowUpCase, case.id).status == "open"
    assert balance_of(member) == 50


def test_an_admin_may_give_more(client, login, admin, member, case):
    login(admin)
    response = form_post(
        client,
        f"/admin/cases/{case.id}/resolve",
        {"resolution": "Sorry", "goodwill_points": "2000"},
        token_from=f"/admin/cases/{case.id}",
    )
    assert response.status_code == 303
    assert balance_of(member) == 2050


def test_the_member_answers_the_resurvey(client, login, staff, member, case, answer_survey):
    from portal.services.surveys.cases import resolve_case

    resolve_case(db.session.get(FollowUpCase, case.id), staff=staff, resolution="Fixed")
    db.session.commit()
    login(member)
    listing = client.get("/surveys").get_data(as_text=True)
    assert "Tell us about your visit" in listing
    answer_survey(member, case.answer.survey, {1: 9}, occasion=f"resurvey:{case.id}")
    assert waiting_surveys(member) == []


def test_a_member_may_not_open_cases(client, login, case):
    login()
    assert client.get("/admin/cases").status_code == 403
    response = form_post(
        client,
        f"/admin/cases/{case.id}/resolve",
        {"resolution": "x", "goodwill_points": "100"},
        token_from="/dashboard",
    )
    assert response.status_code == 403
    assert (
        db.session.scalar(
            select(func.count(LedgerEntry.id)).where(LedgerEntry.followup_case_id.is_not(None))
        )
        == 0
    )
