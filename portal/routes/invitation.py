"""The link of a staff invitation: its holder chooses a password, then signs in."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, url_for
from flask_babel import gettext as _

from portal.extensions import limiter
from portal.forms.auth import ResetPasswordForm
from portal.services.members import accounts, staff
from portal.web.rendering import render

bp = Blueprint("invitation", __name__)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_RESET"], methods=["POST"])
def accept(token: str):
    try:
        invited = staff.member_for_invitation(token)
    except accounts.TokenInvalid:
        return render("invitation/invalid.html", status=400)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            staff.accept_invitation(token, form.password.data)
        except accounts.TokenInvalid:
            return render("invitation/invalid.html", status=400)
        flash(_("Your password is set. Please sign in with it."), "success")
        return redirect(url_for("auth.login"), 303)
    status = 422 if form.is_submitted() else 200
    return render("invitation/accept.html", form=form, token=token, invited=invited, status=status)
