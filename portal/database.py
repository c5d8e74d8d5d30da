"""Database engine tuning shared by the web app and the commands.

SQLite: foreign keys on, wait for locks rather than fail, and begin a writing transaction
IMMEDIATE so a read-then-write cannot be overtaken by another writer (the conditional UPDATEs
of the ledger and stock then serialise as they do on PostgreSQL). A request is writing when its
method is not safe (POST, ...); outside requests, commands that write wrap their work in
`writing_transactions()`.

Writers queue for a file lock beside the database before BEGIN IMMEDIATE. SQLite itself lets a
waiting writer sleep in growing steps (up to 100 ms) and retry, so under load a till call
waited for a step long after the writer before it had finished; the file lock hands over as
soon as the writer before has committed, in the order of arrival, across the server's
processes, and gives up as SQLite did: "database is locked" after the busy timeout.
"""

from __future__ import annotations

import fcntl
import sqlite3
import time
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


# SQLite's busy timeout, and the longest a writer waits for the writers' lock.
BUSY_TIMEOUT_SECONDS = 30
# How often a waiting writer looks at the lock again: short, so the next writer starts about
# as soon as the one before has committed.
LOCK_POLL_SECONDS = 0.0005


class _WriterLocks:
    """Each connection's handle on the writers' lock file, by connection (the lock is held by
    the open file, so two connections of one process queue like two processes)."""

    def __init__(self, path: str):
        self.path = path
        self.handles: dict[int, Any] = {}
        self.held: set[int] = set()

    def take(self, dbapi_connection: Any) -> None:
        key = id(dbapi_connection)
        handle = self.handles.get(key)
        if handle is None:
            handle = self.handles[key] = open(self.path, "a+b")  # noqa: SIM115 - closed in forget()
        deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise sqlite3.OperationalError("database is locked") from None
                time.sleep(LOCK_POLL_SECONDS)
                continue
            self.held.add(key)
            return

    def release(self, connection: Any) -> None:
        # The dialect is handed the pool's proxy of the connection, the events the connection.
        key = id(getattr(connection, "dbapi_connection", connection))
        if key in self.held:
            self.held.discard(key)
            fcntl.flock(self.handles[key].fileno(), fcntl.LOCK_UN)

    def forget(self, dbapi_connection: Any) -> None:
        self.release(dbapi_connection)
        handle = self.handles.pop(id(dbapi_connection), None)
        if handle is not None:
            handle.close()


def tune_engine(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return
    database = engine.url.database
    on_disk = database not in (None, "", ":memory:") and not str(database).startswith("file:")

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

    locks = _WriterLocks(f"{database}.writers") if on_disk else None

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        if not _writing():
            connection.exec_driver_sql("BEGIN")
            return
        dbapi_connection = connection.connection.dbapi_connection
        if locks is not None:
            locks.take(dbapi_connection)
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            if locks is not None:
                locks.release(dbapi_connection)
            raise

    if locks is None:
        return
    dialect = engine.dialect
    commit, rollback = dialect.do_commit, dialect.do_rollback

    # Handed over as soon as the transaction has ended, committed or rolled back; a connection
    # closed or lost lets go with it.
    def do_commit(dbapi_connection: Any) -> None:
        try:
            commit(dbapi_connection)
        finally:
            locks.release(dbapi_connection)

    def do_rollback(dbapi_connection: Any) -> None:
        try:
            rollback(dbapi_connection)
        finally:
            locks.release(dbapi_connection)

    dialect.do_commit = do_commit  # type: ignore[method-assign]
    dialect.do_rollback = do_rollback  # type: ignore[method-assign]

    @event.listens_for(engine, "close")
    def _on_close(dbapi_connection: Any, _record: Any) -> None:
        locks.forget(dbapi_connection)

    @event.listens_for(engine, "close_detached")
    def _on_close_detached(dbapi_connection: Any) -> None:
        locks.forget(dbapi_connection)


def keep_despite_refusal(work: Callable[[], None]) -> None:
    """Run `work` (a function of no arguments) in a transaction of its own after the request's
    own one was rolled back because its answer was an error, and commit it: a failed sign-in
    is answered 422 and leaves nothing behind, except the mail telling the member of many
    failures. On a successful request the work runs in the request's transaction."""
    from flask import g

    g.setdefault("kept_despite_refusal", []).append(work)
