"""Points adjustments waiting for an admin: admins see them all and approve or refuse each;
staff see what became of their own requests."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.forms.admin_members import DecisionForm
from portal.models import PointsAdjustmentRequest
from portal.routes.admin.blueprint import bp
from portal.services.members import adjustments, desk
from portal.web.edge import get_or_404
from portal.web.formatting import points as format_points
from portal.web.rendering import render

STATUS_FILTERS = ("pending", "decided", "all")


def _page(*, status: int = 200, form: DecisionForm | None = None, failed_id: int | None = None):
    shown = request.args.get("status", "pending")
    if shown not in STATUS_FILTERS:
        shown = "pending"
    listing = adjustments.adjustment_requests(
        current_user, status=shown, page=request.args.get("page", 1, type=int)
    )
    return render(
        "admin/approvals.html",
        status=status,
        listing=listing,
        shown=shown,
        filters=STATUS_FILTERS,
        form=form or DecisionForm(formdata=None),
        failed_id=failed_id,
    )


@bp.get("/approvals")
def approvals():
    return _page()


def _decide(request_id: int, decision: str):
    if not current_user.is_admin:
        abort(403)
    waiting = get_or_404(PointsAdjustmentRequest, request_id)
    form = DecisionForm()
    if not form.validate():
        return _page(status=422, form=form, failed_id=waiting.id)
    try:
        if decision == "approve":
            adjustments.approve_request(waiting, admin=current_user, note=form.note.data)
        else:
            adjustments.refuse_request(waiting, admin=current_user, note=form.note.data)
    except adjustments.AlreadyDecided as refusal:
        decided_by = refusal.values.get("decided_by")
        name = decided_by.name if decided_by is not None else _("another admin")
        if refusal.values["status"] == "approved":
            message = _(
                "Nothing was changed: this request was already approved by %(name)s.", name=name
            )
        else:
            message = _(
                "Nothing was changed: this request was already refused by %(name)s.", name=name
            )
        flash(message, "error")
        return _page(status=409)
    except adjustments.RefusalNoteMissing:
        form.note.errors.append(_("Say why the request is refused; the requester reads it."))
        return _page(status=422, form=form, failed_id=waiting.id)
    except adjustments.AccountClosed:
        flash(_("The member closed their account: its points are not adjusted."), "error")
        return _page(status=422)
    except desk.AdjustmentRefused:
        flash(
            _(
                "%(name)s has only %(points)s points now; the debit cannot be approved. Refuse "
                "it, or ask for a smaller one.",
                name=waiting.member.name,
                points=format_points(waiting.member.points_balance),
            ),
            "error",
        )
        return _page(status=422)
    if decision == "approve":
        flash(
            _(
                "Approved: %(points)s points for %(name)s.",
                points=format_points(waiting.points),
                name=waiting.member.name,
            ),
            "success",
        )
    else:
        flash(_("Refused; %(name)s can see why.", name=_requester_name(waiting)), "success")
    return redirect(url_for("admin.approvals"), 303)


def _requester_name(waiting: PointsAdjustmentRequest) -> str:
    return waiting.requested_by.name if waiting.requested_by else _("the requester")


@bp.post("/approvals/<int:request_id>/approve")
def approve(request_id: int):
    return _decide(request_id, "approve")


@bp.post("/approvals/<int:request_id>/refuse")
def refuse(request_id: int):
    return _decide(request_id, "refuse")
