"""The request edge (Indico's `RH.process`): every request goes one way through it.

load the objects (`get_or_404`, 404 when missing or not the member's) → check access (403) →
validate the form (422) → call one service → respond (303 after a change).

Routes never commit or roll back. Here, once per request, a response under 400 commits the
session and anything else rolls it back, so a refused or failed request leaves nothing behind
(a commit that fails becomes a 500 and nothing of the request is kept). The services' refusals
(portal/services/programme/refusals.py) become statuses in `portal.web.errors`.
"""

from __future__ import annotations

import logging
from typing import Any, TypeVar

from flask import Flask, Response, abort, g

from portal.extensions import db

T = TypeVar("T")
logger = logging.getLogger(__name__)


def get_or_404(
    model: type[T], ident: Any, *, owner: Any = None, owner_column: str = "member_id"
) -> T:
    """The row of `model` with primary key `ident`, or 404; with `owner`, also 404 when the row
    belongs to someone else (another member's id is not even acknowledged)."""
    if ident is None:
        abort(404)
    found = db.session.get(model, ident)
    if found is None:
        abort(404)
    if owner is not None and getattr(found, owner_column) != owner.id:
        abort(404)
    return found


def found_or_404(found: T | None) -> T:
    """`found` when a service's lookup found it, else 404."""
    if found is None:
        abort(404)
    return found


def finish_request(response: Response) -> Response:
    """Commit a successful request once, roll back every other. Work a service asked to keep
    whatever the answer (`portal.database.keep_despite_refusal`) is done in the request's
    transaction, or after the rollback in one of its own."""
    kept = g.pop("kept_despite_refusal", [])
    if response.status_code < 400:
        for work in kept:
            work()
        db.session.commit()
        return response
    db.session.rollback()
    if kept:
        try:
            for work in kept:
                work()
            db.session.commit()
        except Exception:
            db.session.rollback()
            logger.exception("work kept despite a refused request failed")
    return response


def install_request_edge(app: Flask) -> None:
    app.after_request(finish_request)

    @app.teardown_request
    def roll_back_unfinished(exc: BaseException | None) -> None:
        if exc is not None:
            db.session.rollback()
