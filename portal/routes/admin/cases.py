"""Staff: follow-up cases opened by detractor answers: the lists (open, overdue, mine,
resolved), a case with its answer and contact log, assigning, logging contacts, resolving with
goodwill points."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from portal.forms.admin_surveys import AssignForm, CaseNoteForm, CaseResolveForm
from portal.models import FollowUpCase, Member
from portal.routes.admin.blueprint import bp
from portal.services.surveys.cases import (
    CASE_VIEWS,
    CaseResolved,
    GoodwillOverLimit,
    assign_case,
    case_list,
    goodwill_limit,
    is_overdue,
    log_contact,
    overdue_count,
    resolve_case,
    staff_members,
)
from portal.web.edge import get_or_404
from portal.web.rendering import render


@bp.get("/cases")
def cases():
    view = request.args.get("view", "open")
    view = view if view in CASE_VIEWS else "open"
    return render(
        "admin/cases/index.html",
        view=view,
        cases=case_list(view, staff=current_user),
        overdue=overdue_count(),
        is_overdue=is_overdue,
    )


def _assign_form(case: FollowUpCase, formdata=None) -> AssignForm:
    form = AssignForm(formdata=formdata) if formdata is not None else AssignForm(formdata=None)
    form.assigned_to.choices = [SelectChoice(p.id, p.name) for p in staff_members()]
    if formdata is None and case.assigned_to_id:
        form.assigned_to.data = case.assigned_to_id
    return form


def _case_page(
    case: FollowUpCase, *, status=200, note_form=None, resolve_form=None, assign_form=None
):
    return render(
        "admin/cases/detail.html",
        status=status,
        case=case,
        overdue=is_overdue(case),
        limit=goodwill_limit(current_user),
        note_form=note_form or CaseNoteForm(formdata=None),
        resolve_form=resolve_form or CaseResolveForm(formdata=None),
        assign_form=assign_form or _assign_form(case),
    )


@bp.get("/cases/<int:case_id>")
def case(case_id: int):
    return _case_page(get_or_404(FollowUpCase, case_id))


@bp.post("/cases/<int:case_id>/assign")
def assign(case_id: int):
    case = get_or_404(FollowUpCase, case_id)
    form = _assign_form(case, request.form)
    if not form.validate():
        return _case_page(case, status=422, assign_form=form)
    assignee = get_or_404(Member, form.assigned_to.data)
    try:
        assign_case(case, assignee, staff=current_user)
    except CaseResolved:
        flash(_("This case is resolved; nothing was changed."), "info")
        return _case_page(case, status=409)
    flash(_("Case assigned to %(name)s.", name=assignee.name), "success")
    return redirect(url_for("admin.case", case_id=case.id), 303)


@bp.post("/cases/<int:case_id>/notes")
def add_case_note(case_id: int):
    case = get_or_404(FollowUpCase, case_id)
    form = CaseNoteForm()
    if not form.validate():
        return _case_page(case, status=422, note_form=form)
    try:
        log_contact(case, form.kind.data, form.body.data, staff=current_user)
    except CaseResolved:
        flash(_("This case is resolved; nothing was changed."), "info")
        return _case_page(case, status=409)
    flash(_("Added to the case's log."), "success")
    return redirect(url_for("admin.case", case_id=case.id), 303)


@bp.post("/cases/<int:case_id>/resolve")
def resolve(case_id: int):
    case = get_or_404(FollowUpCase, case_id)
    form = CaseResolveForm()
    if not form.validate():
        return _case_page(case, status=422, resolve_form=form)
    try:
        resolve_case(
            case,
            staff=current_user,
            resolution=form.resolution.data,
            goodwill_points=form.goodwill_points.data or 0,
        )
    except CaseResolved:
        flash(_("This case is resolved already; nothing was changed."), "info")
        return _case_page(case, status=409)
    except GoodwillOverLimit as refused:
        form.goodwill_points.errors = [
            _("You may give at most %(limit)s goodwill points.", limit=refused.values.get("limit"))
        ]
        return _case_page(case, status=422, resolve_form=form)
    if case.answer_id is None:
        flash(_("Case resolved."), "success")
    else:
        flash(_("Case resolved; the member has been sent a new survey."), "success")
    return redirect(url_for("admin.case", case_id=case.id), 303)
