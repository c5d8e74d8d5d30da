"""Database engine tuning shared by the web app and the commands.

SQLite: foreign keys on, wait for locks rather than fail, and begin a writing transaction
IMMEDIATE so a read-then-write cannot be overtaken by another writer (the conditional UPDATEs
of the ledger and stock then serialise as they do on PostgreSQL). A request is writing when its
method is not safe (POST, ...); outside requests, commands that write wrap their work in
`writing_transactions()`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, cast

from flask import has_request_context, request
from sqlalchemy import Connection, CursorResult, Engine, Result, event

_immediate_outside_requests: ContextVar[bool] = ContextVar(
    "immediate_outside_requests", default=False
)


@contextmanager
def writing_transactions() -> Iterator[None]:
    token = _immediate_outside_requests.set(True)
    try:
        yield
    finally:
        _immediate_outside_requests.reset(token)


def _writing() -> bool:
    if has_request_context():
        return request.method not in ("GET", "HEAD", "OPTIONS")
    return _immediate_outside_requests.get()


def changed_rows(result: Result[*tuple[Any, ...]]) -> int:
    """How many rows an UPDATE or DELETE run through the session matched. The session hands
    back the cursor's result, which its signature calls a plain `Result`."""
    return cast(CursorResult[*tuple[Any, ...]], result).rowcount


def tune_engine(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _writing() else "BEGIN")


def keep_despite_refusal(work: Callable[[], None]) -> None:
    """Run `work` (a function of no arguments) in a transaction of its own after the request's
    own one was rolled back because its answer was an error, and commit it: a failed sign-in
    is answered 422 and leaves nothing behind, except the mail telling the member of many
    failures. On a successful request the work runs in the request's transaction."""
    from flask import g

    g.setdefault("kept_despite_refusal", []).append(work)
