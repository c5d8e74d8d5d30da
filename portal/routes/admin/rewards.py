"""Staff: keep the rewards catalogue, and find, fulfil or cancel vouchers at the till."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.forms.rewards import CancelVoucherForm, FulfilForm, RewardForm, VoucherLookupForm
from portal.models import Redemption, Reward
from portal.models.rewards import REDEMPTION_STATUSES
from portal.routes.admin.blueprint import bp
from portal.services.points.tiers import all_tiers
from portal.services.rewards import catalogue, editing
from portal.services.rewards.vouchers import VoucherStateError, cancel_redemption, fulfil_redemption
from portal.web.edge import get_or_404
from portal.web.formatting import points as format_points
from portal.web.rendering import render
from portal.web.wording import voucher_refusal_text

# -- the catalogue ---------------------------------------------------------------------------


@bp.get("/rewards")
def rewards():
    return render("admin/rewards/list.html", rows=editing.all_rewards_for_staff())


def _changes(form: RewardForm, image: str | None) -> editing.RewardChanges:
    return editing.RewardChanges(
        name=form.name.data,
        name_zh=form.name_zh.data or None,
        description=form.description.data or "",
        description_zh=form.description_zh.data or None,
        terms=form.terms.data or "",
        terms_zh=form.terms_zh.data or None,
        category=form.category.data,
        reward_type=form.reward_type.data,
        points_cost=form.points_cost.data,
        stock=form.stock.data,
        per_member_limit=form.per_member_limit.data,
        min_tier=form.min_tier.data or None,
        active=form.active.data,
        available_from=form.active_from.data,
        available_until=form.active_to.data,
        voucher_valid_days=form.voucher_valid_days.data,
        image=image,
    )


def _validated_image(form: RewardForm) -> tuple[bool, str | None]:
    """(ok, stored file name or None when no file was chosen)."""
    upload = form.image.data
    if upload is None or not getattr(upload, "filename", ""):
        return True, None
    try:
        return True, editing.store_reward_image(upload.stream)
    except editing.ImageRejected as rejected:
        form.image.errors = [*form.image.errors, str(rejected)]
        return False, None


def _form_page(form, reward=None, status=200):
    return render(
        "admin/rewards/form.html",
        status=status,
        form=form,
        reward=reward,
        redeemed=editing.redemptions_of(reward) if reward is not None else 0,
    )


@bp.route("/rewards/new", methods=["GET", "POST"])
def new_reward():
    form = RewardForm(tiers=all_tiers())
    if request.method == "POST":
        valid = form.validate()
        image_ok, image = _validated_image(form) if valid else (True, None)
        if valid and image_ok:
            reward = editing.create_reward(_changes(form, image), staff=current_user)
            flash(_("Reward “%(name)s” added.", name=reward.name), "success")
            return redirect(url_for("admin.rewards"), 303)
        return _form_page(form, status=422)
    return _form_page(form)


@bp.route("/rewards/<int:reward_id>/edit", methods=["GET", "POST"])
def edit_reward(reward_id: int):
    reward = get_or_404(Reward, reward_id)
    if request.method == "GET":
        form = RewardForm(obj=reward, tiers=all_tiers())
        form.min_tier.data = reward.min_tier or ""
        form.active_from.data, form.active_to.data = editing.window_dates(reward)
        return _form_page(form, reward)
    form = RewardForm(tiers=all_tiers())
    valid = form.validate()
    image_ok, image = _validated_image(form) if valid else (True, None)
    if not (valid and image_ok):
        return _form_page(form, reward, status=422)
    editing.update_reward(reward, _changes(form, image), staff=current_user)
    flash(_("Reward “%(name)s” saved.", name=reward.name), "success")
    return redirect(url_for("admin.rewards"), 303)


@bp.post("/rewards/<int:reward_id>/deactivate")
def deactivate_reward(reward_id: int):
    reward = get_or_404(Reward, reward_id)
    if not FulfilForm().validate_on_submit():
        abort(400)
    editing.deactivate_reward(reward, staff=current_user)
    flash(
        _("“%(name)s” is no longer offered. Vouchers already issued stay valid.", name=reward.name),
        "success",
    )
    return redirect(url_for("admin.rewards"), 303)


@bp.post("/rewards/<int:reward_id>/delete")
def delete_reward(reward_id: int):
    reward = get_or_404(Reward, reward_id)
    if not FulfilForm().validate_on_submit():
        abort(400)
    name = reward.name
    try:
        editing.delete_reward(reward, staff=current_user)
    except editing.RewardInUse:
        flash(
            _(
                "“%(name)s” has been redeemed, so it cannot be deleted. Deactivate it instead.",
                name=name,
            ),
            "error",
        )
        form = RewardForm(obj=reward, tiers=all_tiers())
        form.min_tier.data = reward.min_tier or ""
        form.active_from.data, form.active_to.data = editing.window_dates(reward)
        return _form_page(form, reward, status=409)
    flash(_("“%(name)s” deleted.", name=name), "success")
    return redirect(url_for("admin.rewards"), 303)


# -- vouchers --------------------------------------------------------------------------------


@bp.get("/redemptions")
def redemptions():
    """Find a voucher by its code (typed, or read from the QR code by the camera)."""
    form = VoucherLookupForm(formdata=request.args)
    not_found = None
    if form.code.data:
        found = catalogue.find_voucher(form.code.data)
        if found is not None:
            return redirect(url_for("admin.redemption", redemption_id=found.id), 303)
        not_found = form.code.data
    shown = request.args.get("status", "")
    shown = shown if shown in REDEMPTION_STATUSES else ""
    return render(
        "admin/redemptions/index.html",
        form=form,
        not_found=not_found,
        shown_status=shown,
        recent=catalogue.recent_redemptions(shown),
    )


def _voucher_page(redemption, *, status=200, error=None, cancel_form=None):
    return render(
        "admin/redemptions/detail.html",
        status=status,
        redemption=redemption,
        error=error,
        fulfil_form=FulfilForm(formdata=None),
        cancel_form=cancel_form or CancelVoucherForm(formdata=None),
    )


@bp.get("/redemptions/<int:redemption_id>")
def redemption(redemption_id: int):
    return _voucher_page(get_or_404(Redemption, redemption_id))


@bp.post("/redemptions/<int:redemption_id>/fulfil")
def fulfil(redemption_id: int):
    redemption = get_or_404(Redemption, redemption_id)
    if not FulfilForm().validate_on_submit():
        abort(400)
    try:
        fulfil_redemption(redemption, current_user)
    except VoucherStateError as refused:
        return _voucher_page(redemption, status=409, error=voucher_refusal_text(refused))
    flash(_("Voucher %(code)s marked as used.", code=redemption.voucher_code_display), "success")
    return redirect(url_for("admin.redemption", redemption_id=redemption.id), 303)


@bp.post("/redemptions/<int:redemption_id>/cancel")
def cancel(redemption_id: int):
    redemption = get_or_404(Redemption, redemption_id)
    form = CancelVoucherForm()
    if not form.validate_on_submit():
        return _voucher_page(redemption, status=422, cancel_form=form)
    try:
        cancel_redemption(redemption, current_user, form.reason.data)
    except VoucherStateError as refused:
        return _voucher_page(redemption, status=409, error=voucher_refusal_text(refused))
    flash(
        _(
            "Voucher %(code)s cancelled; %(points)s points returned to the member.",
            code=redemption.voucher_code_display,
            points=format_points(redemption.points_spent),
        ),
        "success",
    )
    return redirect(url_for("admin.redemption", redemption_id=redemption.id), 303)
