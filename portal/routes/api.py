"""The JSON API for tills and the online shop (DESIGN.md, "API").

Every call carries `Authorization: Bearer <token>` (made with `flask --app wsgi
create-api-token NAME`) with the scope it needs. Bodies are read against the schemas of
`portal/api/schemas.py`, which also write the OpenAPI document at /api/v1/openapi.json; the
programme's rules are the services'. Errors are JSON: {"error": code, "message": sentence,
"errors": {field: message}} (portal/web/errors.py).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, cast

from flask import Blueprint, current_app, g, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import OperationalError

from portal.api import schemas
from portal.api.document import OPERATIONS, curl_example, openapi_document
from portal.api.rate_limit import seconds_until_allowed
from portal.api.reading import BadBody, json_object, read_body
from portal.extensions import csrf
from portal.models import ApiToken, Member, Purchase, Redemption
from portal.services.members.accounts import find_member_by_card
from portal.services.programme.money import amount_text
from portal.services.purchases.api_tokens import (
    ScopeMissing,
    authenticate_api_token,
    require_scope,
)
from portal.services.purchases.input import InvalidPurchase, parse_purchase, parse_return
from portal.services.purchases.recording import (
    InvalidReturn,
    ReceiptConflict,
    ReturnConflict,
    find_purchase,
    preview_purchase,
    record_checked_purchase,
    record_return,
)
from portal.services.rewards.catalogue import find_voucher
from portal.services.rewards.vouchers import (
    VoucherStateError,
    fulfil_redemption,
    voucher_refusal,
)
from portal.web.errors import json_error, unavailable_response

logger = logging.getLogger(__name__)

bp = Blueprint("api", __name__, url_prefix="/api/v1")
docs_bp = Blueprint("api_docs", __name__, url_prefix="/api")
csrf.exempt(bp)  # authenticated by Bearer token, not by cookie

PUBLIC_ENDPOINTS = {"api.openapi"}
SCOPES = {operation.operation_id: operation.scope for operation in OPERATIONS}


def invalid(errors: dict):
    return json_error(422, "invalid_input", _l("Some fields are not valid."), errors)


@bp.before_request
def require_token():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    wait = seconds_until_allowed()
    if wait is not None:
        logger.info("API request to %s refused: rate limit", request.path)
        response, status = json_error(
            429,
            "too_many_requests",
            _l("Too many requests for this token. Try again in %(seconds)d seconds.", seconds=wait),
        )
        response.headers["Retry-After"] = str(wait)
        return response, status
    scheme, _sep, credentials = request.headers.get("Authorization", "").partition(" ")
    token = authenticate_api_token(credentials.strip()) if scheme.lower() == "bearer" else None
    if token is None:
        logger.info("API request to %s refused: no valid token", request.path)
        response, status = json_error(
            401, "unauthorized", _l("Send a valid API token: Authorization: Bearer <token>.")
        )
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
        return response, status
    g.api_token = token
    scope = SCOPES.get(request.endpoint.rpartition(".")[2]) if request.endpoint else None
    if scope is not None:
        try:
            require_scope(token, scope)
        except ScopeMissing:
            return json_error(
                403,
                "scope_missing",
                _l("This token may not make this call: it needs the scope %(scope)s.", scope=scope),
            )
    return None


@bp.errorhandler(OperationalError)
def database_busy(error: OperationalError):
    """Another request holds the member or the receipt (a till retrying while the first try is
    still being recorded): try again in a moment. The edge rolls the request back. Any other
    OperationalError is the database refusing or losing the connection: 503."""
    if "lock" not in str(error.orig).lower():
        return unavailable_response(error)
    logger.info("API request to %s found its rows locked: 409 in_progress", request.path)
    response, status = json_error(
        409, "in_progress", _l("The same request is still being processed. Try again shortly.")
    )
    response.headers["Retry-After"] = "1"
    return response, status


def _checked_body(model) -> tuple[Any, dict]:
    """The JSON object of the request and the shape errors of `model` on it."""
    payload = json_object()
    _parsed, errors = read_body(model, payload)
    return payload, errors


def _read_purchase(model, *, receipt_required: bool):
    """The purchase as the services read it, with every wrong field reported at once: the
    programme's rules say what is wrong in its own words where they can (a negative amount,
    an unknown member), and the schema's messages cover every other field."""
    payload, errors = _checked_body(model)
    token: ApiToken = g.api_token
    if token.store:
        store = payload.get("store")
        if store in (None, ""):
            payload["store"] = token.store
        elif isinstance(store, str) and store.strip() != token.store:
            errors.setdefault(
                "store",
                _l("This token records purchases of %(store)s only.", store=token.store),
            )
    try:
        checked = parse_purchase(payload, receipt_required=receipt_required)
    except InvalidPurchase as refusal:
        raise InvalidPurchase(errors | refusal.errors) from None
    if errors:
        raise InvalidPurchase(errors)
    return checked


def purchase_answer(purchase: Purchase, member: Member) -> dict:
    return schemas.PurchaseAnswer(
        purchase_id=purchase.id,
        points_awarded=purchase.points_awarded,
        balance=member.points_balance,
        tier=member.tier_code,
    ).model_dump(mode="json")


@bp.post("/purchases", endpoint="recordPurchase")
def create_purchase():
    try:
        checked = _read_purchase(schemas.PurchaseBody, receipt_required=True)
        purchase, created = record_checked_purchase(checked, channel="api", api_token=g.api_token)
    except BadBody as error:
        return invalid(error.errors)
    except InvalidPurchase as error:
        return invalid(error.errors)
    except ReceiptConflict:
        return json_error(
            409,
            "conflict",
            _l("This receipt number is already recorded for another member or amount."),
            {"receipt_no": _l("Already recorded with other details.")},
        )
    return jsonify(purchase_answer(purchase, checked.member)), 201 if created else 200


@bp.post("/purchases/preview", endpoint="previewPurchase")
def preview():
    try:
        checked = _read_purchase(schemas.PreviewBody, receipt_required=False)
        earning = preview_purchase(checked, channel="api")
    except BadBody as error:
        return invalid(error.errors)
    except InvalidPurchase as error:
        return invalid(error.errors)
    member = checked.member
    answer = schemas.PreviewAnswer(
        points_awarded=earning.points,
        balance=member.points_balance,
        balance_after=member.points_balance + earning.points,
        tier=member.tier_code,
        multiplier=str(earning.multiplier_percent / 100),
        birthday_month=earning.birthday,
    )
    return jsonify(answer.model_dump(mode="json"))


@bp.post("/purchases/<receipt_no>/return", endpoint="recordReturn")
def create_return(receipt_no: str):
    try:
        payload, errors = _checked_body(schemas.ReturnBody)
    except BadBody as error:
        return invalid(error.errors)
    purchase = find_purchase(receipt_no[:64])
    if purchase is None:
        return json_error(404, "not_found", _l("No purchase has this receipt number."))
    try:
        try:
            checked = parse_return(payload, purchase.currency)
        except InvalidPurchase as refusal:
            raise InvalidPurchase(errors | refusal.errors) from None
        if errors:
            raise InvalidPurchase(errors)
        purchase_return, created = record_return(
            purchase,
            amount=checked.amount,
            return_ref=checked.return_ref,
            reason=checked.reason,
            api_token=g.api_token,
        )
    except (InvalidPurchase, InvalidReturn) as error:
        return invalid(error.errors)
    except ReturnConflict:
        return json_error(
            409,
            "conflict",
            _l("This return id is already recorded with another amount."),
            {"return_id": _l("Already recorded with another amount.")},
        )
    member = purchase.member
    answer = schemas.ReturnAnswer(
        purchase_id=purchase.id,
        receipt_no=purchase.receipt_no,
        return_id=purchase_return.return_ref,
        amount=amount_text(purchase_return.amount, purchase.currency),
        points_reversed=purchase_return.points_reversed,
        points_expired_kept=purchase_return.points_expired_kept,
        returned_total=amount_text(purchase.returned_amount, purchase.currency),
        balance=member.points_balance,
        tier=member.tier_code,
    )
    return jsonify(answer.model_dump(mode="json")), 201 if created else 200


@bp.get("/members/<card_number>", endpoint="findMember")
def member_by_card(card_number: str):
    member = find_member_by_card(card_number[:40])
    if member is None:
        return json_error(404, "not_found", _l("No member has this card number."))
    answer = schemas.MemberAnswer(
        name=member.name,
        tier=member.tier_code,
        balance=member.points_balance,
        card_number=member.card_number,
        status="blocked" if member.is_blocked else "active",
    )
    return jsonify(answer.model_dump(mode="json"))


def _utc_text(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def voucher_answer(redemption: Redemption) -> dict:
    refusal = voucher_refusal(redemption)
    member = redemption.member
    return schemas.VoucherAnswer(
        code=redemption.voucher_code_display,
        status=cast(schemas.VoucherStatus, redemption.status),
        usable=refusal is None,
        refusal=cast(schemas.VoucherRefusal | None, refusal),
        reward=redemption.reward.name,
        reward_zh=redemption.reward.name_zh or None,
        points_spent=redemption.points_spent,
        valid_until=_utc_text(redemption.valid_until),
        fulfilled_at=_utc_text(redemption.fulfilled_at) if redemption.fulfilled_at else None,
        member=schemas.VoucherMember(name=member.name, card_number=member.card_number),
    ).model_dump(mode="json")


def _voucher_or_404(code: str) -> Redemption | None:
    return find_voucher(code[:40])


VOUCHER_REFUSALS = {
    "fulfilled": _l("This voucher has already been used."),
    "cancelled": _l("This voucher was cancelled."),
    "expired": _l("This voucher has expired."),
}


@bp.get("/vouchers/<code>", endpoint="findVoucher")
def voucher(code: str):
    redemption = _voucher_or_404(code)
    if redemption is None:
        return json_error(404, "not_found", _l("No voucher has this code."))
    return jsonify(voucher_answer(redemption))


@bp.post("/vouchers/<code>/fulfil", endpoint="fulfilVoucher")
def fulfil_voucher(code: str):
    redemption = _voucher_or_404(code)
    if redemption is None:
        return json_error(404, "not_found", _l("No voucher has this code."))
    try:
        fulfil_redemption(redemption, None, api_token=g.api_token)
    except VoucherStateError as refusal:
        return json_error(
            409,
            f"voucher_{refusal.code}",
            VOUCHER_REFUSALS.get(refusal.code, VOUCHER_REFUSALS["fulfilled"]),
        )
    return jsonify(voucher_answer(redemption))


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


@docs_bp.get("/docs")
def docs():
    """The page for integrators, rendered from the OpenAPI document."""
    document = openapi_document()
    base_url = current_app.config["PORTAL_BASE_URL"]
    calls = [
        {
            "operation": operation,
            "entry": document["paths"][operation.path][operation.method],
            "curl": curl_example(operation, base_url),
        }
        for operation in OPERATIONS
    ]
    return render_template(
        "api/docs.html",
        document=document,
        calls=calls,
        schemas=document["components"]["schemas"],
        rate_limit=current_app.config["RATELIMIT_API"],
        base_url=base_url,
    )
