"""Staff's actions on a member's page, each with a reason: points adjusted (above the staff's
limit an admin approves), the birthday corrected, the tier set or held until a date (admins),
the verification mail resent, sign-in blocked and unblocked, notes written."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.forms.admin_members import (
    BirthdayForm,
    BlockForm,
    NoteForm,
    PointsAdjustmentForm,
    ResendVerificationForm,
)
from portal.models import Member
from portal.routes.admin.blueprint import bp
from portal.routes.admin.members import member_page, tab_url, tier_form
from portal.services.members import adjustments, blocking, desk
from portal.services.points.tiers import all_tiers
from portal.web.edge import get_or_404
from portal.web.formatting import points as format_points
from portal.web.localized import tier_name


def _back(member: Member):
    return redirect(url_for("admin.member", member_id=member.id), 303)


# -- actions ---------------------------------------------------------------------------------


@bp.post("/members/<int:member_id>/birthday")
def member_birthday(member_id: int):
    member = get_or_404(Member, member_id)
    form = BirthdayForm()
    if form.validate() and form.birthday.data == member.birthday:
        form.birthday.errors.append(_("This is already the birthday on record."))
    if form.errors:
        return member_page(member, status=422, birthday_form=form)
    desk.correct_birthday(member, form.birthday.data, reason=form.reason.data, staff=current_user)
    flash(_("Birthday of %(name)s saved.", name=member.name), "success")
    return _back(member)


@bp.post("/members/<int:member_id>/points")
def member_points(member_id: int):
    member = get_or_404(Member, member_id)
    form = PointsAdjustmentForm()
    if not form.validate():
        return member_page(member, status=422, points_form=form)
    try:
        outcome = adjustments.adjust_or_request_points(
            member,
            form.signed_points,
            reason=form.reason.data,
            staff=current_user,
            balance_seen=form.seen_balance,
        )
    except desk.BalanceChanged:
        member = get_or_404(Member, member_id)
        flash(
            _(
                "Nothing was changed: the balance of %(name)s changed since the page was opened "
                "(it is now %(points)s points). Check the activity before adjusting again.",
                name=member.name,
                points=format_points(member.points_balance),
            ),
            "error",
        )
        return member_page(member, status=409)
    except desk.AdjustmentRefused:
        member = get_or_404(Member, member_id)
        form.points.errors.append(
            _(
                "%(name)s has only %(points)s points; a correction cannot take the balance "
                "below zero.",
                name=member.name,
                points=format_points(member.points_balance),
            )
        )
        return member_page(member, status=422, points_form=form)
    except adjustments.OverMaximum as refusal:
        form.points.errors.append(
            _(
                "No adjustment may be larger than %(points)s points (the admins' limit in the "
                "settings).",
                points=format_points(refusal.values["limit"]),
            )
        )
        return member_page(member, status=422, points_form=form)
    except adjustments.AccountClosed:
        form.points.errors.append(
            _("%(name)s closed their account: its points are not adjusted.", name=member.name)
        )
        return member_page(member, status=422, points_form=form)
    except adjustments.ReasonMissing:
        form.reason.errors.append(
            _("Say why the points change; the member reads it in their activity.")
        )
        return member_page(member, status=422, points_form=form)
    if outcome.request is not None:
        flash(
            _(
                "%(points)s points is more than your limit of %(limit)s: the adjustment waits "
                "for an admin's approval.",
                points=format_points(abs(outcome.request.points)),
                limit=format_points(adjustments.adjustment_limit(current_user)),
            ),
            "success",
        )
        return _back(member)
    flash(
        _(
            "Points adjusted: %(name)s now has %(points)s points, and has been told why.",
            name=member.name,
            points=format_points(member.points_balance),
        ),
        "success",
    )
    return _back(member)


@bp.post("/members/<int:member_id>/tier")
def member_tier(member_id: int):
    member = get_or_404(Member, member_id)
    if not current_user.is_admin:
        abort(403)
    tiers = all_tiers()
    form = tier_form(tiers, member, formdata=request.form)
    if form.validate() and form.tier.data == member.tier_code and form.until.data is None:
        form.tier.errors.append(_("The member already has this tier."))
    if form.errors:
        return member_page(member, status=422, tier_form=form)
    tier = next(tier for tier in tiers if tier.code == form.tier.data)
    try:
        desk.set_tier_by_hand(
            member, tier, reason=form.reason.data, admin=current_user, until=form.until.data
        )
    except desk.OverrideDateInvalid:
        form.until.errors.append(_("Choose a day after today and within three years."))
        return member_page(member, status=422, tier_form=form)
    if form.until.data:
        flash(
            _(
                "%(name)s is %(tier)s until %(date)s; the tier is reviewed as usual after that.",
                name=member.name,
                tier=tier_name(tier),
                date=form.until.data.isoformat(),
            ),
            "success",
        )
    else:
        flash(
            _(
                "%(name)s is now %(tier)s; they have been told.",
                name=member.name,
                tier=tier_name(tier),
            ),
            "success",
        )
    return _back(member)


@bp.post("/members/<int:member_id>/verification")
def member_verification(member_id: int):
    member = get_or_404(Member, member_id)
    form = ResendVerificationForm()
    if not form.validate():
        abort(400)
    try:
        desk.resend_verification(member, staff=current_user)
    except desk.AlreadyVerified:
        flash(_("%(name)s has already confirmed their email.", name=member.name), "error")
        return member_page(member, status=422)
    except desk.ResentRecently as refusal:
        flash(
            _(
                "A confirmation mail was sent a moment ago. Try again in %(minutes)d minutes.",
                minutes=refusal.values["minutes"],
            ),
            "error",
        )
        return member_page(member, status=429)
    flash(_("A new confirmation link is on its way to %(email)s.", email=member.email), "success")
    return _back(member)


def _block_action(member_id: int, action: str):
    member = get_or_404(Member, member_id)
    form = BlockForm()
    if not form.validate():
        return member_page(member, status=422, block_form=form)
    try:
        if action == "block":
            blocking.block_sign_in(member, reason=form.reason.data, staff=current_user)
        else:
            blocking.unblock_sign_in(member, reason=form.reason.data, staff=current_user)
    except blocking.BlockNotAllowed:
        abort(403)
    except blocking.BlockUnchanged:
        flash(
            _("Signing in is already blocked.")
            if action == "block"
            else _("Signing in is not blocked."),
            "error",
        )
        return member_page(member, status=409)
    if action == "block":
        flash(
            _(
                "%(name)s can no longer sign in; their sessions have ended.",
                name=member.name,
            ),
            "success",
        )
    else:
        flash(_("%(name)s can sign in again.", name=member.name), "success")
    return _back(member)


@bp.post("/members/<int:member_id>/block")
def member_block(member_id: int):
    return _block_action(member_id, "block")


@bp.post("/members/<int:member_id>/unblock")
def member_unblock(member_id: int):
    return _block_action(member_id, "unblock")


@bp.post("/members/<int:member_id>/notes")
def member_note(member_id: int):
    member = get_or_404(Member, member_id)
    form = NoteForm()
    if not form.validate():
        return member_page(member, "notes", status=422, note_form=form)
    desk.add_note(member, form.text.data, author=current_user)
    flash(_("Note saved."), "success")
    return redirect(tab_url(member, "notes"), 303)
