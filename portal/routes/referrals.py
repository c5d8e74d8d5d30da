"""Referrals: the member's code, link and friends, and the landing page a friend opens."""

from __future__ import annotations

from flask import Blueprint, redirect, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.services.programme.settings import programme_settings
from portal.services.referrals.attribution import record_link_opened
from portal.services.referrals.codes import find_referrer, is_well_formed, normalise_code
from portal.services.referrals.notices import minimum_purchase_minor
from portal.services.referrals.overview import referral_overview
from portal.web.links import external_url
from portal.web.qr import qr_svg
from portal.web.rendering import render
from portal.web.visitor import device_id, remember_device

bp = Blueprint("referrals", __name__)
bp.after_app_request(remember_device)

# Where a friend's code waits between the landing page and the registration form.
SESSION_KEY = "referral_code"


@bp.get("/referrals")
@login_required
def overview():
    link = external_url("referrals.landing", code=current_user.referral_code)
    return render(
        "referrals/overview.html",
        overview=referral_overview(current_user),
        link=link,
        qr_svg=qr_svg(
            link,
            css_class="referral-qr",
            scale=6,
            title=_("QR code of your invitation link"),
        ),
        settings=programme_settings(),
        minimum=minimum_purchase_minor(),
    )


@bp.get("/r/<path:code>")
def landing(code: str):
    normal = normalise_code(code)
    referrer = find_referrer(normal)
    if referrer is None:
        return render(
            "referrals/unknown.html",
            status=404,
            malformed=not is_well_formed(normal),
        )
    if code != normal:
        return redirect(url_for("referrals.landing", code=normal), 302)
    own = current_user.is_authenticated and current_user.id == referrer.id
    if not current_user.is_authenticated:
        session[SESSION_KEY] = normal
        record_link_opened(referrer, device_id())
    return render(
        "referrals/landing.html",
        referrer=referrer,
        own=own,
        settings=programme_settings(),
        minimum=minimum_purchase_minor(),
    )
