"""Error pages in the portal's style, JSON errors under /api, and a small fragment for htmx."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, g, jsonify, make_response, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from portal.extensions import db, login_manager
from portal.services.programme.refusals import Conflict, Forbidden, Invalid, Missing, Refused

logger = logging.getLogger(__name__)

MESSAGES = {
    400: (_l("Something in that request was not right"), _l("Please go back and try again.")),
    403: (
        _l("This page is not for you"),
        _l(
            "Your account does not have access to this page. If you think it should, ask our staff."
        ),
    ),
    404: (
        _l("We could not find that page"),
        _l("The link may be old, or the page may have moved."),
    ),
    405: (_l("That did not work"), _l("This page cannot be used that way.")),
    413: (_l("That file is too big"), _l("Please choose a smaller file and try again.")),
    429: (
        _l("Too many attempts"),
        _l("For your account's safety, please wait a few minutes before trying again."),
    ),
    500: (
        _l("Something went wrong on our side"),
        _l("We have been told about it. Please try again in a moment."),
    ),
    503: (
        _l("We are briefly unavailable"),
        _l(
            "Our systems could not be reached just now, and nothing you sent was kept half done. "
            "Please try again in a minute."
        ),
    ),
}

# Seconds a client is asked to wait before trying again when the database is unavailable.
RETRY_AFTER_SECONDS = 30


# Stable error codes of the JSON answers (the API's `error` field).
CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "too_many_requests",
    500: "server_error",
    503: "unavailable",
}

# The one mapping from the services' refusals to statuses.
REFUSAL_STATUS: dict[type[Refused], int] = {
    Invalid: 422,
    Conflict: 409,
    Forbidden: 403,
    Missing: 404,
}


def refusal_status(refusal: Refused) -> int:
    for kind, status in REFUSAL_STATUS.items():
        if isinstance(refusal, kind):
            return status
    return 422


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def json_error(
    status: int,
    code: str | None = None,
    message: Any = None,
    errors: dict[str, Any] | None = None,
) -> tuple[Response, int]:
    """The API's error body: {"error": code, "message": sentence, "errors": {field: message}}."""
    if message is None:
        message = MESSAGES.get(status, MESSAGES[400])[0]
    body: dict[str, Any] = {"error": code or CODES.get(status, "error"), "message": str(message)}
    if errors:
        body["errors"] = {name: str(text) for name, text in errors.items()}
    return jsonify(body), status


def error_response(
    status: int,
    *,
    title: Any = None,
    message: Any = None,
    code: str | None = None,
    errors: dict[str, Any] | None = None,
) -> ResponseReturnValue:
    default_title, default_message = MESSAGES.get(status, MESSAGES[400])
    if wants_json():
        return json_error(status, code, message or title or default_title, errors)
    title, message = title or default_title, message or default_message
    if request.headers.get("HX-Request") == "true" and not request.headers.get("HX-Boosted"):
        body = render_template("errors/_inline.html", status=status, title=title, message=message)
        response = (body, status, {"HX-Retarget": "#flash-area", "HX-Reswap": "innerHTML"})
        return response
    return render_template("errors/error.html", status=status, title=title, message=message), status


def database_unavailable(error: BaseException | None) -> bool:
    """A refused, lost or terminated database connection (OperationalError, or any driver error
    after which SQLAlchemy invalidated the connection): worth trying again, not a bug. The pool
    pings each connection it hands out (pool_pre_ping) and drops the invalidated ones, so the
    next request gets a live connection without a restart."""
    if isinstance(error, OperationalError):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


def unavailable_response(error: BaseException) -> ResponseReturnValue:
    """503 in the portal's style, without touching the database again: the page is drawn for
    an anonymous visitor with the default programme settings."""
    from portal.services.programme.settings import DEFAULTS

    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection may be gone; the session is reset anyway
        logger.debug("rollback after a lost database connection failed", exc_info=True)
    original = getattr(error, "orig", error)
    logger.warning(
        "database unavailable on %s %s: %s", request.method, request.path, type(original).__name__
    )
    g._login_user = login_manager.anonymous_user()
    g.setdefault("programme_settings", DEFAULTS)
    g.unread_notifications = 0
    response = make_response(error_response(503))
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_failed(error):
        logger.info("CSRF check failed on %s: %s", request.path, error.description)
        return error_response(
            400,
            title=_l("This page has expired"),
            message=_l("For your security the form timed out. Reload the page and try again."),
        )

    @app.errorhandler(Refused)
    def refused(refusal: Refused) -> ResponseReturnValue:
        status = refusal_status(refusal)
        logger.info("%s refused on %s: %s", type(refusal).__name__, request.path, refusal.code)
        message = refusal.message
        if message is None and refusal.errors:
            message = next(iter(refusal.errors.values()))
        return error_response(status, message=message, code=refusal.code, errors=refusal.errors)

    @app.errorhandler(HTTPException)
    def http_error(error):
        if error.code is None or error.code < 400:
            return error
        if database_unavailable(getattr(error, "original_exception", None)):
            return unavailable_response(error.original_exception)  # e.g. the commit failed
        return error_response(error.code)

    @app.errorhandler(Exception)
    def unexpected_error(error):
        if database_unavailable(error):
            return unavailable_response(error)
        db.session.rollback()
        logger.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500)
