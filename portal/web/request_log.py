"""Beside the request edge (portal/web/edge.py): each request's id, its one log line and its
counts for Prometheus. Nothing here changes what a response says; it adds the X-Request-ID
header and writes down how the request went.

The id comes from X-Request-ID only when the portal sits behind PORTAL_TRUSTED_PROXIES proxies
(the proxy sets it, a visitor cannot reach the portal around it); otherwise, or when the header
does not look like an id, the portal makes one.
"""

from __future__ import annotations

import logging
import time

from flask import Flask, Response, current_app, g, request
from sqlalchemy import inspect

from portal.logs import acceptable_request_id, new_request_id
from portal.metrics import count_request

logger = logging.getLogger("portal.requests")
HEADER = "X-Request-ID"


def request_id() -> str:
    """The request's id, decided once."""
    found = g.get("request_id")
    if found:
        return str(found)
    forwarded = None
    if int(current_app.config.get("PORTAL_TRUSTED_PROXIES") or 0) > 0:
        forwarded = acceptable_request_id(request.headers.get(HEADER))
    g.request_id = forwarded or new_request_id()
    return str(g.request_id)


def start_request() -> None:
    g.request_started = time.perf_counter()
    request_id()


def _id_of(row: object) -> int | None:
    """A row's id without loading it again: after the edge's commit the row is expired, and
    reading `row.id` would cost a query."""
    state = inspect(row, raiseerr=False)
    identity = state.identity if state is not None else None
    if identity:
        return int(identity[0])
    return None


def who_asked() -> dict[str, int]:
    """The member or the API token the request was made as: ids only, never an email, a
    password, a token or a card number. A member not loaded by the request is not loaded
    here."""
    found: dict[str, int] = {}
    token = g.get("api_token")
    if token is not None and (token_id := _id_of(token)) is not None:
        found["token_id"] = token_id
    user = g.get("_login_user")
    if user is not None and not getattr(user, "is_anonymous", True):
        if (member_id := _id_of(user)) is not None:
            found["member_id"] = member_id
    return found


def path_template() -> str:
    rule = request.url_rule
    return rule.rule if rule is not None else "<unmatched>"


def finish_request_log(response: Response) -> Response:
    """The request's line and counts, after the edge committed or rolled back (so the status
    is the one the visitor gets)."""
    started = g.get("request_started")
    seconds = time.perf_counter() - started if started is not None else 0.0
    response.headers[HEADER] = request_id()
    endpoint = request.endpoint or "<unmatched>"
    if endpoint != "metrics.metrics":
        count_request(endpoint, request.method, response.status_code, seconds)
    level = logging.ERROR if response.status_code >= 500 else logging.INFO
    fields = {
        "method": request.method,
        "path": path_template(),
        "endpoint": endpoint,
        "status": response.status_code,
        "duration_ms": round(seconds * 1000, 1),
        **who_asked(),
    }
    asker = " ".join(f"{key}={value}" for key, value in who_asked().items())
    logger.log(
        level,
        "%s %s %s %.1fms%s",
        fields["method"],
        fields["path"],
        fields["status"],
        fields["duration_ms"],
        f" {asker}" if asker else "",
        extra=fields,
    )
    return response


def install_request_log(app: Flask) -> None:
    """Registered before the edge, so its after_request runs after the edge's commit."""
    app.before_request(start_request)
    app.after_request(finish_request_log)
