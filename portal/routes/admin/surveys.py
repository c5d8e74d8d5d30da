"""Staff: the survey builder (a new survey, changes, a new version once answers exist), the
results with their chart and the CSV export."""

from __future__ import annotations

from flask import Response, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.forms.admin_surveys import ConfirmForm, SurveyForm
from portal.models import Survey
from portal.routes.admin.blueprint import bp
from portal.services.surveys.building import (
    QuestionsFixed,
    create_survey,
    draft_of,
    duplicate_survey,
    has_answers,
    update_survey,
)
from portal.services.surveys.export import answers_csv
from portal.services.surveys.results import all_surveys, answer_counts, survey_results
from portal.web.charts import bar_chart_svg
from portal.web.edge import get_or_404
from portal.web.rendering import render


@bp.get("/surveys")
def surveys():
    return render("admin/surveys/index.html", surveys=all_surveys(), counts=answer_counts())


def _fill(form: SurveyForm, survey: Survey) -> None:
    draft = draft_of(survey)
    for name in (
        "title",
        "title_zh",
        "intro",
        "intro_zh",
        "trigger",
        "opens_on",
        "closes_on",
        "points",
        "quotable",
    ):
        form[name].data = getattr(draft, name)
    form.active.data = survey.active
    for row, question in zip(form.questions, draft.questions, strict=False):
        row.form.kind.data = question.kind
        row.form.prompt.data = question.prompt
        row.form.prompt_zh.data = question.prompt_zh
        row.form.required.data = question.required
        row.form.max_length.data = question.max_length
        row.form.choices.data = "\n".join(
            f"{c.get('en', '')} | {c.get('zh', '')}" for c in question.choices
        )


@bp.route("/surveys/new", methods=["GET", "POST"])
def new_survey():
    form = SurveyForm()
    if request.method == "GET" or not form.validate():
        status = 422 if request.method == "POST" else 200
        return render("admin/surveys/edit.html", form=form, survey=None, fixed=False, status=status)
    survey = create_survey(form.draft(), staff=current_user)
    flash(_("Survey created."), "success")
    return redirect(url_for("admin.survey", survey_id=survey.id), 303)


@bp.route("/surveys/<int:survey_id>", methods=["GET", "POST"])
def survey(survey_id: int):
    survey = get_or_404(Survey, survey_id)
    fixed = has_answers(survey)
    if request.method == "GET":
        form = SurveyForm(formdata=None)
        _fill(form, survey)
        return render("admin/surveys/edit.html", form=form, survey=survey, fixed=fixed)
    form = SurveyForm()
    if not form.validate():
        return render("admin/surveys/edit.html", form=form, survey=survey, fixed=fixed, status=422)
    try:
        update_survey(survey, form.draft(), staff=current_user)
    except QuestionsFixed:
        flash(
            _("This survey has answers: its questions cannot change. Make a new version instead."),
            "error",
        )
        return render("admin/surveys/edit.html", form=form, survey=survey, fixed=True, status=409)
    flash(_("Survey saved."), "success")
    return redirect(url_for("admin.survey", survey_id=survey.id), 303)


@bp.post("/surveys/<int:survey_id>/duplicate")
def duplicate(survey_id: int):
    survey = get_or_404(Survey, survey_id)
    if not ConfirmForm().validate():
        return redirect(url_for("admin.survey", survey_id=survey.id), 303)
    copy = duplicate_survey(survey, staff=current_user)
    flash(_("New version made; the old one is closed. Change its questions here."), "success")
    return redirect(url_for("admin.survey", survey_id=copy.id), 303)


@bp.get("/surveys/<int:survey_id>/results")
def survey_results_page(survey_id: int):
    results = survey_results(get_or_404(Survey, survey_id))
    chart = bar_chart_svg(
        [(line.label, line.nps.score) for line in results.by_month],
        low=-100,
        high=100,
        title=_("NPS by month"),
    )
    return render("admin/surveys/results.html", results=results, chart=chart)


@bp.get("/surveys/<int:survey_id>/results.csv")
def survey_results_csv(survey_id: int):
    survey = get_or_404(Survey, survey_id)
    return Response(
        answers_csv(survey),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="survey-{survey.id}-answers.csv"',
            "X-Content-Type-Options": "nosniff",
        },
    )
