"""The member's own account: profile, password, email, language, where they are signed in,
their passkeys, their data and closing it."""

from __future__ import annotations

import json
from datetime import datetime

from flask import Blueprint, Response, flash, jsonify, redirect, request, session, url_for
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.forms.account import (
    AddPasskeyForm,
    ChangeEmailForm,
    ChangePasswordForm,
    CloseAccountForm,
    CommunicationForm,
    LanguageForm,
    PasskeyNameForm,
    ProfileForm,
    SpecialDateForm,
)
from portal.models import LoginSession, Passkey, SpecialDate
from portal.routes.auth import forget_browser_session, slowed_down, wait_minutes
from portal.services.members import accounts, closure, passkeys, preferences, sessions
from portal.services.members.export import export_member_data
from portal.services.members.throttle import TooManyAttempts
from portal.services.programme.local_time import local_date
from portal.services.programme.refusals import Invalid
from portal.web.devices import device_label
from portal.web.edge import get_or_404
from portal.web.navigation import current_locale_code
from portal.web.rendering import render
from portal.web.wording import passkey_refusal_text

bp = Blueprint("account", __name__, url_prefix="/account")


def _forms(**overrides):
    forms = {
        "profile_form": ProfileForm(obj=current_user, formdata=None),
        "password_form": ChangePasswordForm(formdata=None),
        "email_form": ChangeEmailForm(formdata=None),
        "language_form": LanguageForm(locale=current_user.locale or "en", formdata=None),
        "close_form": CloseAccountForm(formdata=None),
        "passkey_form": AddPasskeyForm(
            formdata=None, name=device_label(request.user_agent.string)[:60]
        ),
        "communication_form": CommunicationForm(
            formdata=None,
            channel_email=current_user.channel_email,
            channel_in_app=current_user.channel_in_app,
            marketing_opt_in=current_user.marketing_opt_in,
            personalised_suggestions=current_user.personalised_suggestions,
            locale=current_user.locale or current_locale_code(),
        ),
        "special_date_form": SpecialDateForm(formdata=None),
        "rename_errors": {},
    }
    forms.update(overrides)
    return forms


def _page(status=200, **overrides):
    return render(
        "account/account.html",
        status=status,
        login_sessions=sessions.live_sessions(current_user),
        member_passkeys=passkeys.passkeys_of(current_user),
        this_session=sessions.token_hash(session.get("sid") or ""),
        max_special_dates=preferences.MAX_SPECIAL_DATES,
        **_forms(**overrides),
    )


def _too_many_wrong_passwords(wait: TooManyAttempts) -> str:
    return ngettext(
        "Too many wrong passwords. For your account's safety, please wait %(num)d "
        "minute and try again.",
        "Too many wrong passwords. For your account's safety, please wait %(num)d "
        "minutes and try again.",
        wait_minutes(wait.retry_after),
    )


def _slowed_page(field, wait: TooManyAttempts, **forms):
    """Too many wrong current passwords: said beside the field, 429 with Retry-After."""
    field.errors.append(_too_many_wrong_passwords(wait))
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
                delivery_address=form.delivery_address.data,
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


@bp.post("/communication")
@login_required
def update_communication():
    form = CommunicationForm()
    if not form.validate_on_submit():
        return _page(status=422, communication_form=form)
    preferences.update_communication(
        current_user._get_current_object(),
        channel_email=form.channel_email.data,
        channel_in_app=form.channel_in_app.data,
        marketing_opt_in=form.marketing_opt_in.data,
        personalised_suggestions=form.personalised_suggestions.data,
        locale=form.locale.data,
        # The sentence beside the box, in the language the member read it in.
        consent_wording=str(form.marketing_opt_in.label.text),
    )
    session["locale"] = form.locale.data
    with force_locale(form.locale.data):  # said in the language just chosen
        flash(_("Your choices are saved."), "success")
    return redirect(url_for("account.account", _anchor="communication"), 303)


SPECIAL_DATE_REFUSALS = {
    "no_such_day": lambda refusal: _("That day does not exist in that month."),
    "date_kept_already": lambda refusal: _("You have kept this date already."),
    "too_many_dates": lambda refusal: _(
        "You can keep up to %(num)d dates. Remove one to add another.",
        num=refusal.values["limit"],
    ),
}


@bp.post("/special-dates")
@login_required
def add_special_date():
    form = SpecialDateForm()
    if form.validate_on_submit():
        try:
            preferences.add_special_date(
                current_user, month=form.month.data, day=form.day.data, label=form.label.data
            )
        except Invalid as refusal:
            words = SPECIAL_DATE_REFUSALS[refusal.code](refusal)
            (form.day.errors if refusal.errors else form.label.errors).append(words)
        else:
            flash(_("The date is saved. We will remember it every year."), "success")
            return redirect(url_for("account.account", _anchor="special-dates"), 303)
    return _page(status=422, special_date_form=form)


@bp.post("/special-dates/<int:special_date_id>/delete")
@login_required
def remove_special_date(special_date_id: int):
    special_date = get_or_404(SpecialDate, special_date_id, owner=current_user)
    preferences.remove_special_date(current_user, special_date)
    flash(_("The date is removed."), "success")
    return redirect(url_for("account.account", _anchor="special-dates"), 303)


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


# -- passkeys (static/js/passkeys.js drives the two JSON steps of adding one) ----------------


def _first_errors(form) -> dict[str, str]:
    return {name: str(errors[0]) for name, errors in form.errors.items() if errors}


@bp.post("/passkeys/options")
@login_required
def passkey_options():
    """Step one of adding a passkey: the member's password, then the options for the browser."""
    form = AddPasskeyForm()
    if not form.validate_on_submit():
        return jsonify(errors=_first_errors(form)), 422
    try:
        ceremony = passkeys.start_registration(current_user, form.password.data)
    except accounts.WrongPassword:
        return jsonify(errors={"password": _("That is not your current password.")}), 422
    except TooManyAttempts as wait:
        answer = jsonify(errors={"password": _too_many_wrong_passwords(wait)})
        answer.status_code = 429
        return slowed_down(answer, wait.retry_after)
    session["passkey_registration"] = {
        "challenge": ceremony.challenge,
        "issued_at": ceremony.issued_at.isoformat(),
        "user_handle": ceremony.user_handle,
        "name": form.name.data,
    }
    return jsonify(ceremony.options)


@bp.post("/passkeys")
@login_required
def add_passkey():
    """Step two: keep the passkey the authenticator created."""
    kept = session.pop("passkey_registration", None)
    body = request.get_json(silent=True)
    if not kept or not isinstance(body, dict) or not isinstance(body.get("credential"), dict):
        return jsonify(error=passkey_refusal_text("passkey_refused")), 400
    try:
        passkey = passkeys.add_passkey(
            current_user,
            body["credential"],
            challenge=kept["challenge"],
            issued_at=datetime.fromisoformat(kept["issued_at"]),
            user_handle=kept["user_handle"],
            name=kept["name"],
        )
    except passkeys.PasskeyTaken as refusal:
        return jsonify(error=passkey_refusal_text(refusal.code)), 409
    except passkeys.PasskeyRefused as refusal:
        return jsonify(error=passkey_refusal_text(refusal.code)), 400
    flash(
        _("Your passkey “%(name)s” is added. Next time, sign in with it.", name=passkey.name),
        "success",
    )
    return jsonify(redirect=url_for("account.account", _anchor="passkeys")), 201


@bp.post("/passkeys/<int:passkey_id>/rename")
@login_required
def rename_passkey(passkey_id: int):
    passkey = get_or_404(Passkey, passkey_id, owner=current_user)
    form = PasskeyNameForm()
    if not form.validate_on_submit():
        return _page(status=422, rename_errors={passkey.id: form.name.errors})
    passkeys.rename_passkey(passkey, form.name.data)
    flash(_("The passkey is renamed."), "success")
    return redirect(url_for("account.account", _anchor="passkeys"), 303)


@bp.post("/passkeys/<int:passkey_id>/delete")
@login_required
def remove_passkey(passkey_id: int):
    passkey = get_or_404(Passkey, passkey_id, owner=current_user)
    name = passkey.name
    passkeys.remove_passkey(passkey)
    flash(_("The passkey “%(name)s” is removed.", name=name), "success")
    return redirect(url_for("account.account", _anchor="passkeys"), 303)
