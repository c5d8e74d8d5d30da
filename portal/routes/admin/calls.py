"""Staff: the day's return-visit calls per store, recording what came of each, and opening a
follow-up case from a call."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.clock import utcnow
from portal.forms.admin_calls import CallOutcomeForm
from portal.models import ReturnCall
from portal.routes.admin.blueprint import bp
from portal.services.engagement.calls import (
    CallClosed,
    call_list,
    call_stores,
    record_outcome,
)
from portal.services.programme.refusals import Invalid
from portal.services.surveys.cases import open_case_from_call
from portal.web.edge import get_or_404
from portal.web.rendering import render


def _store_arg() -> str | None:
    store = request.values.get("store")
    return store if store else None


def _calls_page(*, status=200, failed: ReturnCall | None = None, form=None):
    store = _store_arg()
    return render(
        "admin/calls/index.html",
        status=status,
        store=store,
        stores=call_stores(),
        cards=call_list(store),
        failed_id=failed.id if failed is not None else None,
        failed_form=form,
        blank_form=CallOutcomeForm(formdata=None),
    )


def _back_to_list(store: str | None):
    return redirect(url_for("admin.calls", store=store or None), 303)


@bp.get("/calls")
def calls():
    return _calls_page()


@bp.post("/calls/<int:call_id>/outcome")
def call_outcome(call_id: int):
    call = get_or_404(ReturnCall, call_id)
    form = CallOutcomeForm()
    if not form.validate():
        return _calls_page(status=422, failed=call, form=form)
    try:
        record_outcome(
            call,
            form.outcome.data,
            staff=current_user,
            note=form.note.data or "",
            call_back_on=form.call_back_on.data,
        )
    except CallClosed:
        flash(_("This call has an outcome already; nothing was changed."), "info")
        return _back_to_list(_store_arg())
    except Invalid:
        form.call_back_on.errors = [_("Choose a day from today to a year from now.")]
        return _calls_page(status=422, failed=call, form=form)
    name = call.member.name
    if form.outcome.data == "call_back":
        flash(_("%(name)s: call back on the day you chose.", name=name), "success")
    elif form.outcome.data == "do_not_call":
        flash(_("%(name)s will not be called again.", name=name), "success")
    elif form.outcome.data == "reached":
        flash(_("%(name)s: reached, recorded.", name=name), "success")
    else:
        flash(_("%(name)s: no answer, recorded.", name=name), "success")
    return _back_to_list(_store_arg())


@bp.post("/calls/<int:call_id>/case")
def call_case(call_id: int):
    call = get_or_404(ReturnCall, call_id)
    case = open_case_from_call(call, staff=current_user, now=utcnow())
    flash(_("Follow-up case opened."), "success")
    return redirect(url_for("admin.case", case_id=case.id), 303)
