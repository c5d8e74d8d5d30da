"""The portal's log lines: JSON in production (python-json-logger), readable elsewhere, and
every line written while serving a request carries that request's id.

Services may import this module (it knows no rule and no web): `current_request_id()` is how the
audit log writes the id beside the rows a request made.
"""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any

from flask import Flask, g, has_request_context

# An id a proxy sends is kept only when it looks like one: no spaces, quotes or line breaks
# that could forge a log line or a header.
REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
READABLE_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"
JSON_FIELDS = "%(levelname)s %(name)s %(message)s %(request_id)s"

_factory_installed = False


def new_request_id() -> str:
    return uuid.uuid4().hex


def acceptable_request_id(value: str | None) -> str | None:
    """`value` when it can serve as a request id as it is, else None."""
    if value and REQUEST_ID_PATTERN.match(value):
        return value
    return None


def current_request_id() -> str | None:
    """The id of the request being served, None outside one (a command, a job)."""
    if not has_request_context():
        return None
    value = g.get("request_id")
    return str(value) if value else None


def _install_record_factory() -> None:
    """Every log record gets `request_id` ("-" outside a request), whichever logger wrote it
    and whichever handler (or test) reads it."""
    global _factory_installed
    if _factory_installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id() or "-"
        return record

    logging.setLogRecordFactory(factory)
    _factory_installed = True


def json_formatter() -> logging.Formatter:
    from pythonjsonlogger.json import JsonFormatter

    return JsonFormatter(
        JSON_FIELDS,
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp="time",  # ISO 8601, UTC
    )


def configure_logging(app: Flask) -> None:
    """Production writes one JSON object a line on stderr; development and tests the readable
    line. A host that configured logging already (gunicorn's --log-config, pytest) keeps its
    handlers, whose formatter is replaced only in production."""
    _install_record_factory()
    production = app.config.get("ENV_NAME") == "production" and not app.config.get(
        "PORTAL_READABLE_LOGS"
    )
    root = logging.getLogger()
    if not root.handlers:
        stream = logging.StreamHandler()
        root.addHandler(stream)
        root.setLevel(logging.INFO)
        stream.setFormatter(json_formatter() if production else logging.Formatter(READABLE_FORMAT))
    elif production:
        for handler in root.handlers:
            handler.setFormatter(json_formatter())
    logging.getLogger("portal").setLevel(logging.INFO)
