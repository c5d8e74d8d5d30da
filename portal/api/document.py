"""The API's calls, listed once, and the OpenAPI 3.1 document written from them and from the
schemas (never by hand). The integrators' page (/api/docs) is rendered from the same document."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from portal.api import schemas
from portal.api.reading import MAX_BODY_BYTES, MAX_DEPTH

REF = "#/components/schemas/{model}"
ERROR_REF = {"$ref": "#/components/schemas/ErrorAnswer"}

ERROR_STATUSES = {
    401: "No valid token: send `Authorization: Bearer <token>` (error `unauthorized`).",
    403: "The token lacks the scope this call needs (error `scope_missing`).",
    413: f"The body is larger than {MAX_BODY_BYTES // 1024} KiB (error `too_large`).",
    422: "A field is not valid (error `invalid_input`, with a message per field in `errors`).",
    429: "Too many requests for this token: wait the seconds of `Retry-After`.",
}
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer", "minimum": 0},
    }
}


@dataclass(frozen=True)
class Parameter:
    name: str
    description: str
    example: str
    max_length: int = 64


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    operation_id: str
    summary: str
    description: str
    scope: str
    answers: dict[int, tuple[type[BaseModel], str]]
    body: type[BaseModel] | None = None
    parameters: tuple[Parameter, ...] = ()
    tag: str = "Purchases"
    extra_errors: dict[int, str] = field(default_factory=dict)


RECEIPT = Parameter(
    "receipt_no", "The receipt number the purchase was recorded with.", "SH01-2026-000123"
)
CARD = Parameter(
    "card_number",
    "The 12-digit card number, or what a scanner reads from the card's QR code (the same "
    "digits); spaces and dashes are ignored.",
    "660123456782",
    max_length=40,
)
VOUCHER = Parameter(
    "code",
    "The voucher code as printed or scanned (ABCD-EFGH-JKMN; case, spaces and dashes ignored).",
    "ABCD-EFGH-JKMN",
    max_length=40,
)

OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "post",
        "/purchases",
        "recordPurchase",
        "Record a purchase",
        "Records the receipt and credits the points it earns (1 point per whole currency unit, "
        "times the tier multiplier, doubled in the member's birthday month, rounded down). "
        "Idempotent on `receipt_no`: the same receipt again answers 200 with the first body and "
        "no new points, also when two requests arrive at the same moment; the same receipt with "
        "another member or amount is a 409. A purchase above `max_purchase_amount` (2,000,000 "
        "CNY unless the programme changed it) is refused with a 422: staff record it at the "
        "desk, with a reason.",
        "purchases",
        {
            201: (schemas.PurchaseAnswer, "Recorded."),
            200: (schemas.PurchaseAnswer, "Already recorded: the first answer, nothing added."),
        },
        body=schemas.PurchaseBody,
        extra_errors={
            409: "The receipt is recorded for another member or amount (`conflict`, with "
            "`errors.receipt_no`), or the same receipt is still being recorded by another "
            "request (`in_progress`, with `Retry-After`)."
        },
    ),
    Operation(
        "post",
        "/purchases/preview",
        "previewPurchase",
        "Preview the points of a purchase",
        "The points the purchase would earn for the member now, with the same checks as "
        "recording it; nothing is recorded, so it may be called as often as needed.",
        "purchases",
        {200: (schemas.PreviewAnswer, "What it would earn.")},
        body=schemas.PreviewBody,
    ),
    Operation(
        "post",
        "/purchases/{receipt_no}/return",
        "recordReturn",
        "Record a return",
        "A full or partial return reverses the purchase's points in proportion (after returns "
        "totalling R of a purchase of A that earned P, P × R ÷ A points rounded down have been "
        "reversed in all), except points of that purchase that already expired, which are not "
        "taken again. Idempotent per `return_id`: the same id again answers 200 with the first "
        "body; with another amount, 409.",
        "purchases",
        {
            201: (schemas.ReturnAnswer, "Recorded."),
            200: (schemas.ReturnAnswer, "Already recorded with this return id."),
        },
        body=schemas.ReturnBody,
        parameters=(RECEIPT,),
        extra_errors={
            404: "No purchase has this receipt number (`not_found`).",
            409: "The return id is recorded with another amount (`conflict`, with "
            "`errors.return_id`), or a request for the same member is still being processed "
            "(`in_progress`, with `Retry-After`).",
        },
    ),
    Operation(
        "get",
        "/members/{card_number}",
        "findMember",
        "Look a member up by card",
        "The member holding the card, for the till's screen. The card's check digit is "
        "checked first, so a mistyped number is a 404 without any lookup.",
        "members:read",
        {200: (schemas.MemberAnswer, "The member.")},
        parameters=(CARD,),
        tag="Members",
        extra_errors={404: "No active member has this card (`not_found`)."},
    ),
    Operation(
        "get",
        "/vouchers/{code}",
        "findVoucher",
        "Look a voucher up",
        "The voucher, whose reward it is for, and whether it can be fulfilled now (the same "
        "rules as the staff voucher desk: issued and within its validity).",
        "vouchers",
        {200: (schemas.VoucherAnswer, "The voucher.")},
        parameters=(VOUCHER,),
        tag="Vouchers",
        extra_errors={404: "No voucher has this code (`not_found`)."},
    ),
    Operation(
        "post",
        "/vouchers/{code}/fulfil",
        "fulfilVoucher",
        "Fulfil a voucher",
        "Hands the reward over: an issued voucher within its validity becomes fulfilled, once. "
        "The same token asking again (a retry after a timeout) gets the same answer; a voucher "
        "fulfilled elsewhere, cancelled or expired is a 409 saying which. No body is needed.",
        "vouchers",
        {200: (schemas.VoucherAnswer, "Fulfilled (now, or by this token before).")},
        parameters=(VOUCHER,),
        tag="Vouchers",
        extra_errors={
            404: "No voucher has this code (`not_found`).",
            409: "Already fulfilled elsewhere (`voucher_fulfilled`), cancelled "
            "(`voucher_cancelled`) or expired (`voucher_expired`).",
        },
    ),
)


def _responses(operation: Operation) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for status, (model, description) in sorted(operation.answers.items()):
        responses[str(status)] = {
            "description": description,
            "content": {"application/json": {"schema": {"$ref": REF.format(model=model.__name__)}}},
        }
    errors = dict(ERROR_STATUSES) | operation.extra_errors
    if operation.body is None:
        errors.pop(413, None)
        if operation.method == "get":
            errors.pop(422, None)
    if operation.path == "/vouchers/{code}/fulfil":
        errors.pop(422, None)
    for status, description in sorted(errors.items()):
        answer: dict[str, Any] = {
            "description": description,
            "content": {"application/json": {"schema": ERROR_REF}},
        }
        if status in (429, 409):
            answer["headers"] = RETRY_AFTER
        responses[str(status)] = answer
    return responses


def _parameters(operation: Operation) -> list[dict[str, Any]]:
    return [
        {
            "name": p.name,
            "in": "path",
            "required": True,
            "description": p.description,
            "schema": {"type": "string", "minLength": 1, "maxLength": p.max_length},
            "example": p.example,
        }
        for p in operation.parameters
    ]


def _component_schemas() -> dict[str, Any]:
    models: list[tuple[type[BaseModel], JsonSchemaMode]] = []
    for operation in OPERATIONS:
        if operation.body is not None:
            models.append((operation.body, "validation"))
        for model, _description in operation.answers.values():
            if (model, "serialization") not in models:
                models.append((model, "serialization"))
    models.append((schemas.ErrorAnswer, "serialization"))
    _mapping, definitions = models_json_schema(models, ref_template=REF)
    component_schemas: dict[str, Any] = definitions["$defs"]
    return component_schemas


@cache
def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of the whole API (built once per process)."""
    paths: dict[str, Any] = {}
    for operation in OPERATIONS:
        entry: dict[str, Any] = {
            "operationId": operation.operation_id,
            "summary": operation.summary,
            "description": operation.description + f"\n\nNeeds the scope `{operation.scope}`.",
            "tags": [operation.tag],
            "security": [{"bearer": []}],
            "x-scope": operation.scope,
            "responses": _responses(operation),
        }
        if operation.parameters:
            entry["parameters"] = _parameters(operation)
        if operation.body is not None:
            entry["requestBody"] = {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {"$ref": REF.format(model=operation.body.__name__)}
                    }
                },
            }
        paths.setdefault(operation.path, {})[operation.method] = entry
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Members' club till and shop API",
            "version": "1.0.0",
            "description": (
                "For tills and the online shop. JSON in and out; every refusal is JSON with a "
                "stable `error` code, a `message` and, for wrong fields, a message per field. "
                f"Bodies are at most {MAX_BODY_BYTES // 1024} KiB and {MAX_DEPTH} levels deep."
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "tags": [
            {"name": "Purchases", "description": "Scope `purchases`."},
            {"name": "Members", "description": "Scope `members:read`."},
            {"name": "Vouchers", "description": "Scope `vouchers`."},
        ],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A token made with `flask --app wsgi create-api-token NAME`.",
                }
            },
            "schemas": _component_schemas(),
        },
    }


def example_body(operation: Operation) -> dict[str, Any] | None:
    if operation.body is None:
        return None
    examples = operation.body.model_json_schema().get("examples") or [{}]
    first: dict[str, Any] = examples[0]
    return first


def curl_example(operation: Operation, base_url: str) -> str:
    """A curl command for the call, with the parameters' and body's examples."""
    path = operation.path
    for parameter in operation.parameters:
        path = path.replace("{" + parameter.name + "}", parameter.example)
    lines = [f"curl -sS -X {operation.method.upper()} {base_url}/api/v1{path}"]
    lines.append('  -H "Authorization: Bearer $TOKEN"')
    body = example_body(operation)
    if body is not None:
        lines.append('  -H "Content-Type: application/json"')
        lines.append("  -d '" + json.dumps(body, ensure_ascii=False, indent=2) + "'")
    return " \\\n".join(lines)
