"""Staff: recent purchases, a receipt typed in at the desk, one purchase and its returns."""

from __future__ import annotations

import secrets

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.forms.admin_purchases import PurchaseEntryForm, PurchaseSearchForm, ReturnForm
from portal.routes.admin.blueprint import bp
from portal.services.programme.local_time import local_now
from portal.services.programme.settings import programme_settings
from portal.services.purchases import desk
from portal.services.purchases.history import ledger_lines_for
from portal.services.purchases.input import InvalidPurchase, parse_amount, parse_purchase
from portal.services.purchases.recording import InvalidReturn, ReceiptConflict, ReturnConflict
from portal.services.referrals.attribution import (
    AlreadyReferred,
    OwnCode,
    UnknownCode,
    referral_of_friend,
)
from portal.services.referrals.overview import line_for
from portal.web.edge import found_or_404
from portal.web.formatting import money
from portal.web.formatting import points as format_points
from portal.web.rendering import render
from portal.web.wording import referral_status_text

LIST_FRAGMENTS = {"purchase-results": "results"}


@bp.get("/purchases")
def purchases():
    form = PurchaseSearchForm(formdata=request.args)
    search = (form.q.data or "") if form.validate() else ""
    listing = desk.recent_purchases(search, before=request.args.get("before", type=int))
    return render(
        "admin/purchases/list.html",
        fragments=LIST_FRAGMENTS,
        form=form,
        search=search,
        listing=listing,
    )


def _entry_page(form, *, status=200, conflict=None):
    return render(
        "admin/purchases/new.html",
        status=status,
        form=form,
        conflict=conflict,
        currency=programme_settings().currency,
        latest=local_now().strftime("%Y-%m-%dT%H:%M"),
    )


@bp.route("/purchases/new", methods=["GET", "POST"])
def new_purchase():
    if request.method == "GET":
        form = PurchaseEntryForm(formdata=None)
        form.purchased_at.data = local_now().strftime("%Y-%m-%dT%H:%M")
        form.member.data = request.args.get("member", "")[:254]
        return _entry_page(form)
    form = PurchaseEntryForm()
    if not form.validate():
        return _entry_page(form, status=422)
    try:
        checked = parse_purchase(form.raw_purchase(programme_settings().currency))
        purchase, created = desk.record_purchase_by_staff(
            checked,
            staff=current_user,
            large_purchase_reason=form.large_purchase_reason.data or "",
            referral_code=form.referral_code.data or None,
        )
    except InvalidPurchase as invalid:
        form.add_errors(invalid.errors)
        return _entry_page(form, status=422)
    except (UnknownCode, OwnCode) as refusal:
        form.referral_code.errors = list(refusal.messages().values())
        return _entry_page(form, status=422)
    except AlreadyReferred as refusal:
        form.referral_code.errors = [
            _(
                "%(name)s was already invited by %(referrer)s; a member is referred once.",
                name=checked.member.name,
                referrer=refusal.values["referrer"].name,
            )
        ]
        return _entry_page(form, status=409)
    except ReceiptConflict as conflict:
        form.receipt_no.errors = [
            _("This receipt number is already recorded for another member or amount.")
        ]
        return _entry_page(form, status=409, conflict=conflict.purchase)
    referral = referral_of_friend(checked.member) if form.referral_code.data else None
    if referral is not None:
        flash(
            _(
                "Referral by %(referrer)s: %(status)s",
                referrer=referral.referrer.name,
                status=referral_status_text(line_for(referral, "referrer")),
            ),
            "info",
        )
    if created:
        flash(
            _(
                "Receipt %(receipt)s recorded for %(name)s: %(points)s points.",
                receipt=purchase.receipt_no,
                name=checked.member.name,
                points=format_points(purchase.points_awarded),
            ),
            "success",
        )
    else:
        flash(
            _(
                "Receipt %(receipt)s was already recorded for this member and amount, so "
                "nothing was added. Here it is.",
                receipt=purchase.receipt_no,
            ),
            "info",
        )
    return redirect(url_for("admin.purchase", purchase_id=purchase.id), 303)


def _purchase_page(purchase, *, return_form=None, status=200, error=None):
    if return_form is None:
        return_form = ReturnForm(formdata=None)
        return_form.return_ref.data = secrets.token_urlsafe(16)
    return render(
        "admin/purchases/detail.html",
        status=status,
        purchase=purchase,
        ledger_lines=ledger_lines_for(purchase),
        return_form=return_form,
        error=error,
    )


@bp.get("/purchases/<int:purchase_id>")
def purchase(purchase_id: int):
    return _purchase_page(found_or_404(desk.purchase_for_staff(purchase_id)))


@bp.post("/purchases/<int:purchase_id>/return")
def purchase_return(purchase_id: int):
    purchase = found_or_404(desk.purchase_for_staff(purchase_id))
    form = ReturnForm()
    if not form.validate():
        if form.return_ref.errors:
            form.form_errors.append(_("This form has expired. Reload the page and try again."))
        return _purchase_page(purchase, return_form=form, status=422)
    amount = None  # "Return everything left"
    if request.form.get("whole") != "1":
        try:
            amount = parse_amount(form.amount.data, purchase.currency)
        except ValueError as error:
            form.amount.errors = [str(error.args[0])]
            return _purchase_page(purchase, return_form=form, status=422)
    try:
        purchase_return, created = desk.record_return_by_staff(
            purchase,
            amount=amount,
            reason=form.reason.data or "",
            return_ref=form.return_ref.data,
            staff=current_user,
        )
    except InvalidReturn as invalid:
        for name, message in invalid.messages().items():
            (form.amount.errors if name == "amount" else form.form_errors).append(message)
        return _purchase_page(
            found_or_404(desk.purchase_for_staff(purchase_id)), return_form=form, status=422
        )
    except ReturnConflict as conflict:
        purchase = found_or_404(desk.purchase_for_staff(purchase_id))
        return _purchase_page(
            purchase,
            status=409,
            error=_(
                "This form already recorded a return of %(amount)s. To record another return, "
                "use the form below.",
                amount=money(conflict.purchase_return.amount, purchase.currency),
            ),
        )
    if created:
        flash(
            _(
                "Return of %(amount)s recorded: %(points)s points reversed.",
                amount=money(purchase_return.amount, purchase.currency),
                points=format_points(purchase_return.points_reversed),
            ),
            "success",
        )
    else:
        flash(_("This return was already recorded; nothing was added."), "info")
    return redirect(url_for("admin.purchase", purchase_id=purchase.id), 303)
