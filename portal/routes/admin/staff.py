"""Admins: the staff and admin accounts (invite, role, deactivate) and the API tokens, pages
below /admin/settings. Staff get 403 here."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.forms.admin_staff import ApiTokenForm, ConfirmForm, InviteStaffForm, RoleForm
from portal.models import ApiToken, Member
from portal.routes.admin.blueprint import bp
from portal.services.members import staff as staff_accounts
from portal.services.programme.refusals import Conflict
from portal.services.purchases.api_tokens import (
    create_api_token,
    list_api_tokens,
    revoke_api_token,
    token_is_live,
)
from portal.web.edge import get_or_404
from portal.web.labels import ROLE_LABELS
from portal.web.rendering import render


@bp.before_request
def admins_only_below_settings():
    if request.path.startswith("/admin/settings/") and not current_user.is_admin:
        abort(403)


def _refusal_text(refusal: Exception) -> str:
    if isinstance(refusal, staff_accounts.OwnAccount):
        return _("You cannot change your own account here; ask another admin.")
    if isinstance(refusal, staff_accounts.LastAdmin):
        return _("The programme needs at least one active admin: make someone else admin first.")
    return _("This account is not a staff account.")


# -- staff accounts --------------------------------------------------------------------------


def _staff_page(*, status: int = 200, invite_form=None, problem: str | None = None):
    return render(
        "admin/staff/index.html",
        status=status,
        accounts=staff_accounts.staff_accounts(),
        invite_form=invite_form or InviteStaffForm(formdata=None),
        role_form=RoleForm(formdata=None),
        confirm_form=ConfirmForm(formdata=None),
        problem=problem,
    )


@bp.get("/settings/staff")
def staff():
    return _staff_page()


@bp.post("/settings/staff")
def invite_staff():
    form = InviteStaffForm()
    if not form.validate_on_submit():
        return _staff_page(status=422, invite_form=form)
    try:
        invited = staff_accounts.invite_staff(
            name=form.name.data, email=form.email.data, role=form.role.data, admin=current_user
        )
    except staff_accounts.EmailInUse:
        form.email.errors.append(_("An account already has this email."))
        return _staff_page(status=422, invite_form=form)
    flash(_("Invitation sent to %(email)s.", email=invited.email), "success")
    return redirect(url_for("admin.staff"), 303)


def _staff_member(member_id: int) -> Member:
    member = get_or_404(Member, member_id)
    if member.role not in staff_accounts.STAFF_ROLES:
        abort(404)
    return member


@bp.post("/settings/staff/<int:member_id>/role")
def change_staff_role(member_id: int):
    member = _staff_member(member_id)
    form = RoleForm()
    if not form.validate_on_submit():
        return _staff_page(status=422, problem=_("Choose staff or admin."))
    try:
        changed = staff_accounts.change_staff_role(member, form.role.data, admin=current_user)
    except Conflict as refusal:
        return _staff_page(status=409, problem=_refusal_text(refusal))
    if changed:
        flash(
            _("%(name)s is now %(role)s.", name=member.name, role=ROLE_LABELS[form.role.data]),
            "success",
        )
    return redirect(url_for("admin.staff"), 303)


@bp.post("/settings/staff/<int:member_id>/deactivate")
def deactivate_staff(member_id: int):
    member = _staff_member(member_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        staff_accounts.deactivate_staff(member, admin=current_user)
    except Conflict as refusal:
        return _staff_page(status=409, problem=_refusal_text(refusal))
    flash(
        _("%(name)s can no longer sign in; their sessions have ended.", name=member.name), "success"
    )
    return redirect(url_for("admin.staff"), 303)


@bp.post("/settings/staff/<int:member_id>/reactivate")
def reactivate_staff(member_id: int):
    member = _staff_member(member_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        staff_accounts.reactivate_staff(member, admin=current_user)
    except Conflict as refusal:
        return _staff_page(status=409, problem=_refusal_text(refusal))
    flash(_("%(name)s can sign in again.", name=member.name), "success")
    return redirect(url_for("admin.staff"), 303)


# -- API tokens ------------------------------------------------------------------------------


def _tokens_page(*, status: int = 200, form=None, created=None, plaintext=None):
    response = render(
        "admin/staff/tokens.html",
        status=status,
        tokens=list_api_tokens(),
        form=form or ApiTokenForm(formdata=None),
        created=created,
        plaintext=plaintext,
        is_live=token_is_live,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/settings/tokens")
def api_tokens():
    return _tokens_page()


@bp.post("/settings/tokens")
def create_token():
    form = ApiTokenForm()
    if not form.validate_on_submit():
        return _tokens_page(status=422, form=form)
    token, plaintext = create_api_token(
        form.name.data, scopes=form.scopes.data, store=form.store.data, created_by=current_user
    )
    # The token is shown on this answer only: it is not stored, so no later page can show it.
    return _tokens_page(status=201, created=token, plaintext=plaintext)


@bp.get("/settings/tokens/<int:token_id>/revoke")
def confirm_revoke_token(token_id: int):
    token = get_or_404(ApiToken, token_id)
    return render("admin/staff/revoke_token.html", token=token, form=ConfirmForm(formdata=None))


@bp.post("/settings/tokens/<int:token_id>/revoke")
def revoke_token(token_id: int):
    token = get_or_404(ApiToken, token_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    revoke_api_token(token, actor=current_user)
    flash(
        _("The token %(name)s is revoked: calls with it are refused from now on.", name=token.name),
        "success",
    )
    return redirect(url_for("admin.api_tokens"), 303)
