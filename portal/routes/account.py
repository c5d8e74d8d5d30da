"""The member's own account: profile, password, email, language, where they are signed in,
their passkeys, their data and closing it."""

from __future__ import annotations

import json

from flask import Blueprint, Response, flash, redirect, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from portal.forms.account import (
    ChangeEmailForm,
    ChangePasswordForm,
    CloseAccountForm,
    LanguageForm,
    ProfileForm,
)
from portal.models import LoginSession
from portal.routes.auth import forget_browser_session, slowed_down, wait_minutes
from portal.services.members import accounts, closure, sessions
from portal.services.members.export import export_member_data
from portal.services.members.throttle import TooManyAttempts
from portal.services.programme.local_time import local_date
from portal.web.edge import get_or_404
from portal.web.rendering import render

bp = Blueprint("account", __name__, url_prefix="/account")


def _forms(**overrides):
    forms = {
        "profile_form": ProfileForm(obj=current_user, formdata=None),
        "password_form": ChangePasswordForm(formdata=None),
        "email_form": ChangeEmailForm(formdata=None),
        "language_form": LanguageForm(locale=current_user.locale or "en", formdata=None),
        "close_form": CloseAccountForm(formdata=None),
    }
    forms.update(overrides)
    return forms


def _page(status=200, **overrides):
    return render(
        "account/account.html",
        status=status,
        login_sessions=sessions.live_sessions(current_user),
        this_session=sessions.token_hash(session.get("sid") or ""),
        **_forms(**overrides),
    )


def _slowed_page(field, wait: TooManyAttempts, **forms):
    """Too many wrong current passwords: said beside the field, 429 with Retry-After."""
    field.errors.append(
        ngettext(
            "Too many wrong passwords. For your account's safety, please wait %(num)d "
            "minute and try again.",
            "Too many wrong passwords. For your account's safety, please wait %(num)d "
            "minutes and try again.",
            wait_minutes(wait.retry_after),
        )
    )
    return slowed_down(_page(status=429, **forms), wait.retry_after)


@bp.get("")
@login_required
def account():
    return _page()


@bp.post("/profile")
@login_required
def update_profile():
    form = ProfileForm()
    if form.validate_on_submit():
        try:
            accounts.update_profile(
                current_user,
                name=form.name.data,
                phone=form.phone.data,
                birthday=form.birthday.data,
                marketing_opt_in=form.marketing_opt_in.data,
            )
        except accounts.BirthdayLocked:
            form.birthday.errors.append(
                _("Your birthday is already set. Please ask our staff to correct it.")
            )
        except accounts.PhoneInUse:
            form.phone.errors.append(_("This phone number is used by another account."))
        else:
            flash(_("Your details are saved."), "success")
            return redirect(url_for("account.account"), 303)
    return _page(status=422, profile_form=form)


@bp.post("/password")
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(
                current_user,
                form.current_password.data,
                form.new_password.data,
                keep_session=session.get("sid"),
            )
        except accounts.WrongPassword:
            form.current_password.errors.append(_("That is not your current password."))
        except TooManyAttempts as wait:
            return _slowed_page(form.current_password, wait, password_form=form)
        else:
            flash(_("Your password is changed. Other devices have been signed out."), "success")
            return redirect(url_for("account.account"), 303)
    return _page(status=422, password_form=form)


@bp.post("/email")
@login_required
def change_email():
    form = ChangeEmailForm()
    if form.validate_on_submit():
        try:
            accounts.request_email_change(current_user, form.password.data, form.new_email.data)
        except accounts.WrongPassword:
            form.password.errors.append(_("That is not your current password."))
        except TooManyAttempts as wait:
            return _slowed_page(form.password, wait, email_form=form)
        except accounts.SameEmail:
            form.new_email.errors.append(_("This is already your email."))
        else:
            flash(
                _(
                    "To finish, open the link we sent to %(email)s. Until then we keep using "
                    "your current address.",
                    email=accounts.normalise_email(form.new_email.data),
                ),
                "success",
            )
            return redirect(url_for("account.account"), 303)
    return _page(status=422, email_form=form)


@bp.get("/export")
@login_required
def export():
    document = json.dumps(export_member_data(current_user), ensure_ascii=False, indent=2)
    filename = f"member-data-{local_date().isoformat()}.json"
    response = Response(document + "\n", mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/delete")
@login_required
def delete_account():
    form = CloseAccountForm()
    if current_user.is_staff:
        return _page(status=403, close_form=form)
    if not form.validate_on_submit():
        return _page(status=422, close_form=form)
    try:
        closure.close_account(current_user._get_current_object(), form.password.data)
    except accounts.WrongPassword:
        form.password.errors.append(_("That is not your current password."))
    except TooManyAttempts as wait:
        return _slowed_page(form.password, wait, close_form=form)
    else:
        forget_browser_session()
        flash(
            _("Your account is closed and your personal details are removed. Goodbye."),
            "success",
        )
        return redirect(url_for("member.index"), 303)
    return _page(status=422, close_form=form)


@bp.post("/sessions/<int:session_id>/end")
@login_required
def end_session(session_id: int):
    """Sign out one of the member's other browsers (a lost phone, a shared computer)."""
    login_session = get_or_404(LoginSession, session_id, owner=current_user)
    if login_session.token_hash == sessions.token_hash(session.get("sid") or ""):
        sessions.end_session(session.get("sid"))
        forget_browser_session()
        flash(_("You have signed out."), "success")
        return redirect(url_for("auth.login"), 303)
    sessions.end_login_session(login_session)
    flash(_("That device is signed out."), "success")
    return redirect(url_for("account.account", _anchor="sessions"), 303)


@bp.post("/sessions/end-others")
@login_required
def end_other_sessions():
    ended = sessions.end_all_sessions(current_user, except_token=session.get("sid"))
    flash(
        ngettext(
            "%(num)d other device is signed out.", "%(num)d other devices are signed out.", ended
        ),
        "success",
    )
    return redirect(url_for("account.account", _anchor="sessions"), 303)
