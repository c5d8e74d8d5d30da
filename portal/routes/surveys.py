"""Surveys for members: what is waiting, the answer form, the thank-you page and their own
answers with any staff reply."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.forms.surveys import AnswerFormBase, ConsentForm, answer_form
from portal.models import Survey, SurveyAnswer
from portal.services.programme.refusals import Invalid
from portal.services.surveys.answering import (
    AlreadyAnswered,
    SurveyClosed,
    answers_of,
    submit_answer,
    withdraw_consent,
)
from portal.services.surveys.cases import case_for
from portal.services.surveys.invitations import WaitingSurvey, find_waiting, waiting_surveys
from portal.web.edge import get_or_404
from portal.web.labels import ANSWER_PROBLEM_LABELS
from portal.web.rendering import render

bp = Blueprint("surveys", __name__)


@bp.get("/surveys")
@login_required
def listing():
    return render(
        "surveys/index.html",
        waiting=waiting_surveys(current_user),
        answers=answers_of(current_user),
    )


def _invitation_id() -> int | None:
    raw = request.values.get("invitation", "")
    return int(raw) if raw.isdigit() else None


def _form_page(waiting: WaitingSurvey, form: AnswerFormBase, *, status: int = 200):
    return render("surveys/answer_form.html", waiting=waiting, form=form, status=status)


@bp.get("/surveys/<int:survey_id>")
@login_required
def survey(survey_id: int):
    survey = get_or_404(Survey, survey_id)
    waiting = find_waiting(current_user, survey, _invitation_id())
    if waiting is None:
        return render("surveys/not_waiting.html", survey=survey, status=404)
    form = answer_form(survey, formdata=None)
    form.invitation.data = str(waiting.invitation.id) if waiting.invitation else ""
    return _form_page(waiting, form)


@bp.post("/surveys/<int:survey_id>")
@login_required
def answer(survey_id: int):
    survey = get_or_404(Survey, survey_id)
    waiting = find_waiting(current_user, survey, _invitation_id())
    if waiting is None:
        # Answered already (another tab), closed, or not the member's invitation.
        return render("surveys/not_waiting.html", survey=survey, status=409)
    form = answer_form(survey)
    if not form.validate():
        return _form_page(waiting, form, status=422)
    try:
        given = submit_answer(
            current_user,
            waiting,
            form.answers(),
            consent_quote=bool(form.consent_quote.data),
            display_name=form.display_name.data or "",
        )
    except Invalid as refused:
        for name, problem in refused.errors.items():
            if name in form:
                form[name].errors = [ANSWER_PROBLEM_LABELS.get(problem, problem)]
        return _form_page(waiting, form, status=422)
    except (AlreadyAnswered, SurveyClosed):
        return render("surveys/not_waiting.html", survey=survey, status=409)
    return redirect(url_for("surveys.thanks", answer_id=given.id), 303)


@bp.get("/surveys/answers/<int:answer_id>/thanks")
@login_required
def thanks(answer_id: int):
    given = get_or_404(SurveyAnswer, answer_id, owner=current_user)
    return render("surveys/thanks.html", answer=given, case=case_for(given))


@bp.get("/surveys/answers/<int:answer_id>")
@login_required
def own_answer(answer_id: int):
    given = get_or_404(SurveyAnswer, answer_id, owner=current_user)
    return render("surveys/answer.html", answer=given, consent_form=ConsentForm())


@bp.post("/surveys/answers/<int:answer_id>/withdraw-consent")
@login_required
def withdraw(answer_id: int):
    given = get_or_404(SurveyAnswer, answer_id, owner=current_user)
    form = ConsentForm()
    if not form.validate():
        abort(400)
    withdraw_consent(given)
    flash(_("We will not quote your words anywhere any more."), "success")
    return redirect(url_for("surveys.own_answer", answer_id=given.id), 303)
