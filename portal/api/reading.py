"""Reading a request body against its schema, within limits, into a message per field.

Limits, each refused with a 4xx JSON answer and never a 500: the body's size (MAX_BODY_BYTES,
413), its nesting (MAX_DEPTH, checked on the raw text before the JSON parser recurses, 422),
and through the schemas the length of each string and the number of items.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, NoReturn, TypeVar

from flask import request
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, ValidationError

from portal.api.schemas import FIELD_MESSAGES

MAX_BODY_BYTES = 64 * 1024
MAX_DEPTH = 8

Model = TypeVar("Model", bound=BaseModel)


class BadBody(ValueError):
    """The body cannot be read as a JSON object; `errors` has the message for "body"."""

    def __init__(self, message):
        super().__init__(message)
        self.errors = {"body": message}


def nesting_depth(text: str, *, stop_at: int) -> int:
    """How deep the JSON text's arrays and objects nest (strings skipped), stopping once it
    passes `stop_at`: json.loads recurses once per level and fails on thousands of them."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > stop_at:
                    return deepest
        elif char in "]}":
            depth -= 1
    return deepest


def json_object() -> dict[str, Any]:
    """The request's JSON object, numbers read as Decimal so 123.45 stays 123.45."""
    request.max_content_length = MAX_BODY_BYTES  # a larger body is a 413 before it is read
    raw = request.get_data(cache=True)
    try:
        text = raw.decode("utf-8") if raw else "null"
    except UnicodeDecodeError:
        raise BadBody(_l("The request body is not valid JSON.")) from None
    if nesting_depth(text, stop_at=MAX_DEPTH) > MAX_DEPTH:
        raise BadBody(_l("The request body nests deeper than %(depth)d levels.", depth=MAX_DEPTH))
    try:
        payload = json.loads(text, parse_float=Decimal, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        raise BadBody(_l("The request body is not valid JSON.")) from None
    if not isinstance(payload, dict):
        raise BadBody(_l("The request body must be a JSON object."))
    return payload


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


def field_path(location: tuple) -> str:
    """("items", 0, "quantity") -> "items[0].quantity"."""
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _generic_path(location: tuple) -> str:
    """("items", 0, "quantity") -> "items[].quantity", the key of FIELD_MESSAGES."""
    path = ""
    for part in location:
        if isinstance(part, int):
            path += "[]"
        else:
            path += f".{part}" if path else str(part)
    return path


def shape_errors(error: ValidationError) -> dict[str, Any]:
    """A message per wrong field, in the programme's words (translated when shown)."""
    errors: dict[str, Any] = {}
    for problem in error.errors(include_url=False):
        location = tuple(problem["loc"])
        path = field_path(location) or "body"
        if path in errors:
            continue
        missing = problem["type"] == "missing" or problem.get("input", "") is None
        known = FIELD_MESSAGES.get(_generic_path(location))
        ctx = problem.get("ctx") or {}
        if problem["type"] in ("string_too_long", "too_long") and "max_length" in ctx:
            errors[path] = _l("Use at most %(max)d characters.", max=ctx["max_length"])
            if problem["type"] == "too_long":
                errors[path] = _l("At most %(max)d entries.", max=ctx["max_length"])
        elif known is not None:
            errors[path] = known[0] if missing else known[1]
        elif missing:
            errors[path] = _l("This field is required.")
        else:
            errors[path] = _l("This value is not valid.")
    return errors


def read_body(model: type[Model], payload: dict[str, Any]) -> tuple[Model | None, dict[str, Any]]:
    """The payload validated by `model`, or None and a message per wrong field."""
    try:
        return model.model_validate(payload), {}
    except ValidationError as error:
        return None, shape_errors(error)
