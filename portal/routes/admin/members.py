"""Staff: find a member, see their standing, and correct what members cannot change
themselves (birthday, points; the tier for admins)."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from portal.forms.admin_members import (
    BirthdayForm,
    MemberSearchForm,
    PointsAdjustmentForm,
    TierForm,
)
from portal.models import Member
from portal.routes.admin.blueprint import bp
from portal.services.members import desk
from portal.web.edge import get_or_404
from portal.web.formatting import points as format_points
from portal.web.localized import tier_name
from portal.web.rendering import render

SEARCH_FRAGMENTS = {"member-results": "results"}


@bp.get("/members")
def members():
    form = MemberSearchForm(formdata=request.args)
    search = (form.q.data or "") if form.validate() else ""
    found = desk.search_members(search, page=request.args.get("page", 1, type=int))
    return render(
        "admin/members/list.html",
        fragments=SEARCH_FRAGMENTS,
        form=form,
        search=search,
        found=found,
    )


def _tier_form(profile, formdata=None) -> TierForm:
    form = TierForm(formdata=formdata) if formdata is not None else TierForm(formdata=None)
    form.tier.choices = [SelectChoice(tier.code, tier_name(tier)) for tier in profile.tiers]
    if formdata is None:
        form.tier.data = profile.member.tier_code
    return form


def _member_page(member, *, status=200, birthday_form=None, points_form=None, tier_form=None):
    profile = desk.member_profile(member)
    if birthday_form is None:
        birthday_form = BirthdayForm(formdata=None)
        birthday_form.birthday.data = member.birthday
    return render(
        "admin/members/detail.html",
        status=status,
        profile=profile,
        member=member,
        birthday_form=birthday_form,
        points_form=points_form
        or PointsAdjustmentForm(formdata=None, balance_seen=member.points_balance),
        tier_form=tier_form or _tier_form(profile),
        tier_names={tier.code: tier_name(tier) for tier in profile.tiers},
    )


@bp.get("/members/<int:member_id>")
def member(member_id: int):
    return _member_page(get_or_404(Member, member_id))


@bp.post("/members/<int:member_id>/birthday")
def member_birthday(member_id: int):
    member = get_or_404(Member, member_id)
    form = BirthdayForm()
    if form.validate() and form.birthday.data == member.birthday:
        form.birthday.errors.append(_("This is already the birthday on record."))
    if form.errors:
        return _member_page(member, status=422, birthday_form=form)
    desk.correct_birthday(member, form.birthday.data, reason=form.reason.data, staff=current_user)
    flash(_("Birthday of %(name)s saved.", name=member.name), "success")
    return redirect(url_for("admin.member", member_id=member.id), 303)


@bp.post("/members/<int:member_id>/points")
def member_points(member_id: int):
    member = get_or_404(Member, member_id)
    form = PointsAdjustmentForm()
    if not form.validate():
        return _member_page(member, status=422, points_form=form)
    try:
        desk.adjust_points(
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
        return _member_page(member, status=409)
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
        return _member_page(member, status=422, points_form=form)
    flash(
        _(
            "Points adjusted: %(name)s now has %(points)s points, and has been told why.",
            name=member.name,
            points=format_points(member.points_balance),
        ),
        "success",
    )
    return redirect(url_for("admin.member", member_id=member.id), 303)


@bp.post("/members/<int:member_id>/tier")
def member_tier(member_id: int):
    member = get_or_404(Member, member_id)
    if not current_user.is_admin:
        abort(403)
    profile = desk.member_profile(member)
    form = _tier_form(profile, formdata=request.form)
    if form.validate() and form.tier.data == member.tier_code:
        form.tier.errors.append(_("The member already has this tier."))
    if form.errors:
        return _member_page(member, status=422, tier_form=form)
    tier = next(tier for tier in profile.tiers if tier.code == form.tier.data)
    desk.set_tier_by_hand(member, tier, reason=form.reason.data, admin=current_user)
    flash(
        _("%(name)s is now %(tier)s; they have been told.", name=member.name, tier=tier_name(tier)),
        "success",
    )
    return redirect(url_for("admin.member", member_id=member.id), 303)
