"""The JSON API for tills and the online shop (DESIGN.md, "API").

Every request carries `Authorization: Bearer <token>` (made with `flask --app wsgi
create-api-token NAME`). Errors are JSON: {"error": code, "message": sentence, "errors":
{field: message}}.
"""

from __future__ import annotations

import json
import logging
from decimal import Decimal
from typing import Any

from flask import Blueprint, g, jsonify, request
from flask_babel import lazy_gettext as _l

from portal.extensions import csrf
from portal.models import Member
from portal.services.members.accounts import find_member_by_card
from portal.services.programme.money import amount_text
from portal.services.purchases.api_tokens import authenticate_api_token
from portal.services.purchases.input import InvalidPurchase, parse_purchase, parse_return
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
    body: dict[str, Any] = {"error": code, "message": str(message)}
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
        checked = parse_return(json_body(), purchase.currency)
        purchase_return, created = record_return(
            purchase,
            amount=checked.amount,
            return_ref=checked.return_ref,
            reason=checked.reason,
            api_token=g.api_token,
        )
    except BadBody as error:
        return invalid({"body": error.args[0]})
    except InvalidPurchase as error:
        return invalid(error.errors)
    except InvalidReturn as error:
        return invalid(error.errors)
    except ReturnConflict:
        return api_error(
            409,
            "conflict",
            _l("This return id is already recorded with another amount."),
            {"return_id": _l("Already recorded with another amount.")},
        )
    member = purchase.member
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
    member = find_member_by_card(card_number)
    if member is None:
        return api_error(404, "not_found", _l("No member has this card number."))
    body = {
        "name": member.name,
        "tier": member.tier_code,
        "balance": member.points_balance,
        "card_number": member.card_number,
    }
    return jsonify(body)
