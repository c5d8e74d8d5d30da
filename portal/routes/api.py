"""The JSON API for tills and the online shop (DESIGN.md, "API").

Every request carries `Authorization: Bearer <token>` (made with `flask --app wsgi
create-api-token NAME`). Errors are JSON: {"error": code, "message": sentence, "errors":
{field: message}}.
"""

from __future__ import annotations

import json
import logging
from decimal import Decimal

from flask import Blueprint, g, jsonify, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.extensions import csrf, db
from portal.models import Member
from portal.services.members.cards import is_valid_card_number, normalise_card_number
from portal.services.programme.money import amount_text
from portal.services.purchases.api_tokens import authenticate_api_token
from portal.services.purchases.input import InvalidPurchase, parse_amount, parse_purchase
from portal.services.purchases.recording import (
    InvalidReturn,
    ReceiptConflict,
    ReturnConflict,
    find_purchase,
    record_checked_purchase,
    record_return,
)

logger = logging.getLogger(__name__)

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # authenticated by Bearer token, not by cookie


def api_error(status: int, code: str, message, errors: dict | None = None):
    body = {"error": code, "message": str(message)}
    if errors is not None:
        body["errors"] = {name: str(text) for name, text in errors.items()}
    return jsonify(body), status


def invalid(errors: dict):
    return api_error(422, "invalid_input", _l("Some fields are not valid."), errors)


@bp.before_request
def require_token():
    scheme, _sep, credentials = request.headers.get("Authorization", "").partition(" ")
    token = authenticate_api_token(credentials.strip()) if scheme.lower() == "bearer" else None
    if token is None:
        logger.info("API request to %s refused: no valid token", request.path)
        response, status = api_error(
            401, "unauthorized", _l("Send a valid API token: Authorization: Bearer <token>.")
        )
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
        return response, status
    # The token's last use is kept even when the request itself is refused further on.
    g.api_token = token
    return None


class BadBody(ValueError):
    pass


def json_body() -> dict:
    """The request's JSON object, numbers read as Decimal so 123.45 stays 123.45."""
    try:
        payload = json.loads(request.get_data(as_text=True) or "null", parse_float=Decimal)
    except ValueError:
        raise BadBody(_l("The request body is not valid JSON.")) from None
    if not isinstance(payload, dict):
        raise BadBody(_l("The request body must be a JSON object."))
    return payload


def purchase_body(purchase, member: Member) -> dict:
    return {
        "purchase_id": purchase.id,
        "points_awarded": purchase.points_awarded,
        "balance": member.points_balance,
        "tier": member.tier_code,
    }


@bp.post("/purchases")
def create_purchase():
    try:
        checked = parse_purchase(json_body())
        purchase, created = record_checked_purchase(checked, channel="api", api_token=g.api_token)
    except BadBody as error:
        return invalid({"body": error.args[0]})
    except InvalidPurchase as error:
        return invalid(error.errors)
    except ReceiptConflict:
        return api_error(
            409,
            "conflict",
            _l("This receipt number is already recorded for another member or amount."),
            {"receipt_no": _l("Already recorded with other details.")},
        )
    body = purchase_body(purchase, checked.member)
    return jsonify(body), 201 if created else 200


@bp.post("/purchases/<receipt_no>/return")
def create_return(receipt_no: str):
    purchase = find_purchase(receipt_no)
    if purchase is None:
        return api_error(404, "not_found", _l("No purchase has this receipt number."))
    try:
        payload = json_body()
    except BadBody as error:
        return invalid({"body": error.args[0]})
    errors = {}
    try:
        amount = parse_amount(payload.get("amount"), purchase.currency)
    except ValueError as error:
        errors["amount"] = error.args[0]
    return_ref = payload.get("return_id")
    if isinstance(return_ref, int) and not isinstance(return_ref, bool):
        return_ref = str(return_ref)
    if return_ref is not None and (not isinstance(return_ref, str) or len(return_ref) > 64):
        errors["return_id"] = _l("A return id is text of at most 64 characters.")
    reason = payload.get("reason") or ""
    if not isinstance(reason, str):
        errors["reason"] = _l("The reason is text.")
    if errors:
        return invalid(errors)
    try:
        purchase_return, created = record_return(
            purchase, amount=amount, return_ref=return_ref, reason=reason, api_token=g.api_token
        )
    except InvalidReturn as error:
        return invalid(error.errors)
    except ReturnConflict:
        return api_error(
            409,
            "conflict",
            _l("This return id is already recorded with another amount."),
            {"return_id": _l("Already recorded with another amount.")},
        )
    member = db.session.get(Member, purchase.member_id)
    body = {
        "purchase_id": purchase.id,
        "receipt_no": purchase.receipt_no,
        "return_id": purchase_return.return_ref,
        "amount": amount_text(purchase_return.amount, purchase.currency),
        "points_reversed": purchase_return.points_reversed,
        "returned_total": amount_text(purchase.returned_amount, purchase.currency),
        "balance": member.points_balance,
        "tier": member.tier_code,
    }
    return jsonify(body), 201 if created else 200


@bp.get("/members/<card_number>")
def member_by_card(card_number: str):
    number = normalise_card_number(card_number)
    member = None
    if is_valid_card_number(number):
        member = db.session.scalar(select(Member).where(Member.card_number == number))
    if member is None or not member.is_active:
        return api_error(404, "not_found", _l("No member has this card number."))
    body = {
        "name": member.name,
        "tier": member.tier_code,
        "balance": member.points_balance,
        "card_number": member.card_number,
    }
    return jsonify(body)
