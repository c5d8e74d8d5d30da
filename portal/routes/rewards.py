"""The member's rewards: the catalogue, a reward's page with its redeem step, and vouchers."""

from __future__ import annotations

import re
import uuid

from flask import Blueprint, abort, flash, redirect, request, send_from_directory, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.forms.rewards import CatalogueForm, RedeemForm
from portal.services.points.tiers import all_tiers
from portal.services.rewards.catalogue import (
    CatalogueQuery,
    browse_catalogue,
    catalogue_suggestions,
    member_voucher,
    member_vouchers,
    reward_for_member,
)
from portal.services.rewards.editing import upload_dir, window_dates
from portal.services.rewards.redemption import RedemptionRefused, check_eligibility, redeem
from portal.web.edge import found_or_404
from portal.web.qr import qr_svg
from portal.web.rendering import render
from portal.web.wording import reason_text

bp = Blueprint("rewards", __name__)

UPLOADED_IMAGE = re.compile(r"^[0-9a-f]{32}\.(png|jpg|webp)$")
SHIPPED_IMAGE = re.compile(r"^[a-z0-9-]+\.svg$")


@bp.app_template_filter("reward_image_url")
def reward_image_url(reward) -> str:
    image = reward.image or ""
    if SHIPPED_IMAGE.match(image):
        return url_for("static", filename=f"img/rewards/{image}")
    if UPLOADED_IMAGE.match(image):
        return url_for("rewards.image", filename=image)
    return url_for("static", filename="img/rewards/placeholder.svg")


@bp.app_context_processor
def reward_labels():
    return {
        "reward_window": window_dates,
    }


@bp.get("/rewards")
@login_required
def catalogue():
    tiers = all_tiers()
    form = CatalogueForm(formdata=request.args, tiers=tiers)
    query = CatalogueQuery(
        search=form.q.data or "",
        category=form.category.data or "",
        affordable=form.affordable.data,
        tier=form.tier.data or "",
        sort=form.sort.data or "popular",
    ).cleaned({tier.code for tier in tiers})
    cards = browse_catalogue(current_user, query)
    return render(
        "rewards/catalogue.html",
        fragments={"reward-results": "results"},
        form=form,
        query=query,
        suggestions=catalogue_suggestions(current_user, query),
        cards=cards,
    )


def _reward_page(reward, *, status=200, refusal=None):
    eligibility = check_eligibility(current_user, reward)
    return render(
        "rewards/detail.html",
        status=status,
        reward=reward,
        eligibility=eligibility,
        refusal=refusal,
    )


@bp.get("/rewards/<int:reward_id>")
@login_required
def detail(reward_id: int):
    return _reward_page(found_or_404(reward_for_member(reward_id)))


@bp.get("/rewards/<int:reward_id>/redeem")
@login_required
def confirm(reward_id: int):
    """The confirmation step: the cost, the balance before and after, and the final button."""
    reward = found_or_404(reward_for_member(reward_id))
    eligibility = check_eligibility(current_user, reward)
    if not eligibility.can_redeem:
        return _reward_page(reward)
    form = RedeemForm(formdata=None, idempotency_key=uuid.uuid4().hex)
    return render("rewards/confirm.html", reward=reward, form=form)


@bp.post("/rewards/<int:reward_id>/redeem")
@login_required
def redeem_reward(reward_id: int):
    reward = found_or_404(reward_for_member(reward_id))
    form = RedeemForm()
    if not form.validate_on_submit():
        return _reward_page(
            reward,
            status=422,
            refusal=[_("This form was incomplete. Please start again from the redeem button.")],
        )
    try:
        redemption = redeem(current_user, reward, idempotency_key=form.idempotency_key.data)
    except RedemptionRefused as refused:
        return _reward_page(
            reward, status=409, refusal=[reason_text(reason) for reason in refused.reasons]
        )
    flash(_("Your voucher is ready. Show it at any of our boutiques."), "success")
    return redirect(url_for("rewards.voucher", redemption_id=redemption.id), 303)


@bp.get("/redemptions")
@login_required
def redemptions():
    return render("rewards/redemptions.html", vouchers=member_vouchers(current_user))


@bp.get("/redemptions/<int:redemption_id>")
@login_required
def voucher(redemption_id: int):
    redemption = found_or_404(member_voucher(current_user, redemption_id))
    code_svg = qr_svg(redemption.voucher_code_display, css_class="voucher-qr")
    return render("rewards/voucher.html", redemption=redemption, qr_svg=code_svg)


@bp.get("/rewards/images/<filename>")
def image(filename: str):
    if not UPLOADED_IMAGE.match(filename):
        abort(404)
    response = send_from_directory(upload_dir(), filename, max_age=86400)
    return response
