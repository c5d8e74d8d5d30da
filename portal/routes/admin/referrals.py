"""Staff: the referral report, the review queue, and the decision on a held referral."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.forms.admin_referrals import ReviewForm
from portal.models import Referral
from portal.routes.admin.blueprint import bp
from portal.services.referrals.overview import line_for
from portal.services.referrals.report import referral_report
from portal.services.referrals.review import (
    NotHeld,
    approve_referral,
    reject_referral,
    related_referrals,
    review_queue,
)
from portal.web.edge import get_or_404
from portal.web.rendering import render


@bp.get("/referrals")
def referrals():
    return render("admin/referrals/index.html", report=referral_report(), queue=review_queue())


def _referral_page(referral: Referral, *, status: int = 200, approve_form=None, reject_form=None):
    return render(
        "admin/referrals/detail.html",
        status=status,
        referral=referral,
        line=line_for(referral, "referrer"),
        related=related_referrals(referral),
        approve_form=approve_form or ReviewForm(formdata=None, prefix="approve"),
        reject_form=reject_form or ReviewForm(formdata=None, prefix="reject"),
    )


@bp.get("/referrals/<int:referral_id>")
def referral(referral_id: int):
    return _referral_page(get_or_404(Referral, referral_id))


@bp.post("/referrals/<int:referral_id>/approve")
def approve_referral_view(referral_id: int):
    return _decide(referral_id, approve=True)


@bp.post("/referrals/<int:referral_id>/reject")
def reject_referral_view(referral_id: int):
    return _decide(referral_id, approve=False)


def _decide(referral_id: int, *, approve: bool):
    referral = get_or_404(Referral, referral_id)
    form = ReviewForm(prefix="approve" if approve else "reject")
    if not form.validate():
        forms = {"approve_form" if approve else "reject_form": form}
        return _referral_page(referral, status=422, **forms)
    try:
        if approve:
            approve_referral(referral, staff=current_user, note=form.note.data)
        else:
            reject_referral(referral, staff=current_user, note=form.note.data)
    except NotHeld:
        flash(_("This referral was already decided; nothing was changed."), "info")
        return _referral_page(get_or_404(Referral, referral_id), status=409)
    if approve:
        flash(_("Referral approved; both members have been told."), "success")
    else:
        flash(_("Referral rejected; both members have been told."), "success")
    return redirect(url_for("admin.referrals"), 303)
