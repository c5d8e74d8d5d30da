"""Joining, signing in and out, confirming an email, resetting a password, choosing a language."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, current_app, flash, jsonify, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from portal.extensions import client_address, limiter
from portal.forms.account import LanguageForm
from portal.forms.auth import ForgotPasswordForm, LoginForm, RegisterForm, ResetPasswordForm
from portal.services.members import accounts, passkeys, sessions
from portal.services.members.devices import device_cookie_for
from portal.services.members.sign_in import sign_in_with_password
from portal.services.members.throttle import TooManyAttempts
from portal.services.referrals.attribution import UnknownCode, check_code
from portal.services.referrals.codes import find_referrer, normalise_code
from portal.web.links import referrer_path, safe_next
from portal.web.rendering import render
from portal.web.visitor import current_visitor
from portal.web.wording import passkey_refusal_text, sign_in_blocked_text

REFERRAL_SESSION_KEY = "referral_code"  # the same key as routes/referrals.py's

bp = Blueprint("auth", __name__)


def sign_in_browser(member, response, *, method: str = "password"):
    """Start the member's session on this browser and remember the browser as theirs (the
    device cookie), on `response`."""
    # A language chosen on this device before signing in is the member's latest choice.
    chosen_locale = session.get("locale")
    session.clear()
    if chosen_locale in current_app.config["LANGUAGES"]:
        session["locale"] = chosen_locale
        member.locale = chosen_locale
    # Staff sessions also end with the browser; members' cookies outlive it (the server ends
    # the session after its idle and absolute lifetimes either way).
    session.permanent = not member.is_staff
    session["sid"] = sessions.start_session(
        member, user_agent=request.user_agent.string, address=client_address(), method=method
    )
    login_user(member)
    response.set_cookie(
        current_app.config["DEVICE_COOKIE_NAME"],
        device_cookie_for(request.cookies.get(current_app.config["DEVICE_COOKIE_NAME"]), member),
        max_age=current_app.config["DEVICE_COOKIE_MAX_AGE"],
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
        path="/",
    )
    return response


def wait_minutes(seconds: int) -> int:
    return max(1, -(-seconds // 60))


def slowed_down(response, retry_after: int):
    response.headers["Retry-After"] = str(retry_after)
    return response


def forget_browser_session() -> None:
    """Sign the browser out and clear its cookie session, keeping only its chosen language."""
    logout_user()
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_REGISTER"], methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("member.dashboard"))
    if request.args.get("ref"):
        # A code from an invitation link waits in the session, through a change of language
        # and until the form is sent.
        session[REFERRAL_SESSION_KEY] = normalise_code(request.args["ref"])[:12]
    link_code = session.get(REFERRAL_SESSION_KEY)
    form = RegisterForm(referral_code=link_code)
    if form.validate_on_submit():
        code = normalise_code(form.referral_code.data)
        if code:
            try:
                check_code(code)
            except UnknownCode as refusal:
                form.referral_code.errors.extend(refusal.messages().values())
        if not form.referral_code.errors:
            accounts.register_member(
                name=form.name.data,
                email=form.email.data,
                password=form.password.data,
                phone=form.phone.data,
                birthday=form.birthday.data,
                referral_code=code or None,
                referral_channel="link" if code and code == link_code else "code",
                visitor=current_visitor(),
                locale=_current_locale(),
                marketing_opt_in=form.marketing_opt_in.data,
                marketing_consent_wording=str(form.marketing_opt_in.label.text),
            )
            session.pop(REFERRAL_SESSION_KEY, None)
            session["registered_email"] = accounts.normalise_email(form.email.data)
            return redirect(url_for("auth.check_email"), 303)
    status = 422 if form.is_submitted() else 200
    return render(
        "auth/register.html",
        form=form,
        inviter=find_referrer(form.referral_code.data) if form.referral_code.data else None,
        status=status,
    )


@bp.get("/register/check-email")
def check_email():
    return render("auth/check_email.html", email=session.get("registered_email"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url)
    form = LoginForm()
    if form.validate_on_submit():
        try:
            member = sign_in_with_password(
                form.email.data,
                form.password.data,
                address=client_address(),
                device_cookie=request.cookies.get(current_app.config["DEVICE_COOKIE_NAME"]),
            )
        except accounts.SignInBlocked:
            form.password.errors.append(sign_in_blocked_text())
            return render(
                "auth/login.html", form=form, next_url=request.args.get("next"), status=403
            )
        except TooManyAttempts as wait:
            page = render(
                "auth/login.html",
                form=form,
                next_url=request.args.get("next"),
                wait_minutes=wait_minutes(wait.retry_after),
                status=429,
            )
            return slowed_down(page, wait.retry_after)
        if member is not None:
            return sign_in_browser(member, redirect(next_url, 303))
        form.password.errors.append(_("That email and password do not match an account."))
    status = 422 if form.is_submitted() else 200
    return render("auth/login.html", form=form, next_url=request.args.get("next"), status=status)


@bp.post("/login/passkey/options")
@limiter.limit(lambda: current_app.config["RATELIMIT_PASSKEY"])
def passkey_options():
    """The challenge for signing in with a passkey (kept in the session until answered)."""
    ceremony = passkeys.start_sign_in()
    session["passkey_sign_in"] = {
        "challenge": ceremony.challenge,
        "issued_at": ceremony.issued_at.isoformat(),
    }
    return jsonify(ceremony.options)


@bp.post("/login/passkey")
@limiter.limit(lambda: current_app.config["RATELIMIT_PASSKEY"])
def passkey_sign_in():
    """Sign in with the passkey's answer to the challenge; JSON for static/js/passkeys.js."""
    kept = session.pop("passkey_sign_in", None)
    body = request.get_json(silent=True)
    if not kept or not isinstance(body, dict) or not isinstance(body.get("credential"), dict):
        return jsonify(error=passkey_refusal_text("passkey_refused")), 400
    try:
        member = passkeys.member_for_passkey(
            body["credential"],
            challenge=kept["challenge"],
            issued_at=datetime.fromisoformat(kept["issued_at"]),
        )
    except passkeys.PasskeyRefused as refusal:
        return jsonify(error=passkey_refusal_text(refusal.code)), 400
    answer = jsonify(redirect=safe_next(request.args.get("next")))
    return sign_in_browser(member, answer, method="passkey")


@bp.post("/logout")
def logout():
    sessions.end_session(session.get("sid"))
    forget_browser_session()
    flash(_("You have signed out."), "success")
    return redirect(url_for("auth.login"), 303)


@bp.get("/verify-email/<token>")
def verify_email(token: str):
    try:
        member = accounts.verify_email(token)
    except accounts.TokenInvalid:
        flash(
            _("That confirmation link is not valid any more. Sign in and ask for a new one."),
            "error",
        )
        return redirect(url_for("auth.login"))
    flash(_("Thank you, your email %(email)s is confirmed.", email=member.email), "success")
    if current_user.is_authenticated:
        return redirect(url_for("member.dashboard"))
    return redirect(url_for("auth.login", next=url_for("member.dashboard")))


@bp.post("/verify-email/resend")
@login_required
@limiter.limit("5 per hour", key_func=lambda: f"resend:{current_user.id}")
def resend_verification():
    if not current_user.email_verified:
        accounts.send_verification(current_user, current_user.email)
    flash(
        _("We have sent a new confirmation link to %(email)s.", email=current_user.email), "success"
    )
    return redirect(safe_next(request.form.get("next")), 303)


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_RESET"], methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data)
        return render("auth/forgot_password_sent.html", email=form.email.data)
    status = 422 if form.is_submitted() else 200
    return render("auth/forgot_password.html", form=form, status=status)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_RESET"], methods=["POST"])
def reset_password(token: str):
    try:
        accounts.member_for_reset_token(token)
    except accounts.TokenInvalid:
        return render("auth/reset_invalid.html", status=400)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        accounts.reset_password(token, form.password.data)
        logout_user()
        session.pop("sid", None)
        flash(_("Your password is changed. Please sign in with it."), "success")
        return redirect(url_for("auth.login"), 303)
    status = 422 if form.is_submitted() else 200
    return render("auth/reset_password.html", form=form, token=token, status=status)


@bp.post("/language")
def set_language():
    form = LanguageForm()
    if form.validate_on_submit():
        session["locale"] = form.locale.data
        if current_user.is_authenticated:
            current_user.locale = form.locale.data
    return redirect(safe_next(request.form.get("next") or referrer_path(), "/"), 303)


def _current_locale() -> str:
    from flask_babel import get_locale

    locale = get_locale()
    return "zh_Hans" if locale and locale.language == "zh" else "en"
