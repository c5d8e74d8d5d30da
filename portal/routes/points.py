"""The member's points pages: purchase history, one purchase, the membership card."""

from __future__ import annotations

from flask import Blueprint, current_app, request, send_from_directory
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.forms.purchases import PurchaseFilterForm
from portal.services.purchases.history import ledger_lines_for, purchase_for_member, purchase_page
from portal.web.card_qr import card_qr_svg
from portal.web.edge import found_or_404
from portal.web.rendering import render, wanted_fragment

bp = Blueprint("points", __name__)

# "Load more" asks for the rows of the list only; a reload or a boosted link gets the page.
HISTORY_FRAGMENTS = {"purchase-list": "purchase_rows"}


@bp.get("/purchases")
@login_required
def purchases():
    form = PurchaseFilterForm(formdata=request.args)
    filter_args = {key: request.args[key] for key in ("from", "to") if request.args.get(key)}
    if not form.validate():
        return render(
            "points/purchases.html", form=form, history=None, filter_args=filter_args, status=422
        )
    history = purchase_page(
        current_user,
        before=request.args.get("before", type=int),
        date_from=form.day_from,
        date_to=form.day_to,
    )
    return render(
        "points/purchases.html",
        fragments=HISTORY_FRAGMENTS,
        form=form,
        history=history,
        filter_args=filter_args,
        appending=wanted_fragment(HISTORY_FRAGMENTS) is not None,
    )


@bp.get("/purchases/<int:purchase_id>")
@login_required
def purchase_detail(purchase_id: int):
    purchase = found_or_404(purchase_for_member(current_user, purchase_id))
    return render(
        "points/purchase_detail.html",
        purchase=purchase,
        ledger_lines=ledger_lines_for(purchase),
    )


@bp.get("/card")
@login_required
def card():
    qr = card_qr_svg(
        current_user.card_number,
        title=_("QR code of card %(number)s", number=current_user.card_number_display),
    )
    return render("points/card.html", member=current_user, qr_svg=qr)


@bp.get("/card-offline.js")
def card_worker():
    """The service worker that keeps the card readable offline. Served from the root so it
    may control /card; it registers with the scope /card only."""
    assert current_app.static_folder is not None  # the app is built with its static folder
    response = send_from_directory(
        current_app.static_folder + "/js", "card-offline.js", mimetype="text/javascript"
    )
    response.headers["Cache-Control"] = "no-cache"
    return response
