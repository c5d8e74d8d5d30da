"""`flask --app wsgi backup PATH` and `restore PATH`: the whole programme in one SQLite file,
copied with SQLite's online backup API (a consistent copy while the portal keeps serving).

PostgreSQL is backed up with its own tools, pg_dump and pg_restore (README, "Operating the
portal"); these commands say so rather than half-do it.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import Engine

PG_ADVICE = (
    "This database is PostgreSQL: back it up with pg_dump and restore it with pg_restore, e.g. "
    '`pg_dump --format=custom --file=portal.dump "$DATABASE_URL"` and '
    '`pg_restore --no-owner --dbname="$DATABASE_URL" portal.dump` (README, "Operating the '
    'portal").'
)


class BackupRefused(Exception):
    """Why a backup or a restore was not done; the message is for the operator."""


def _sqlite_file(engine: Engine) -> Path:
    if engine.dialect.name != "sqlite":
        raise BackupRefused(
            PG_ADVICE
            if engine.dialect.name == "postgresql"
            else f"Backups of {engine.dialect.name} are not supported."
        )
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        raise BackupRefused("The database is in memory: there is no file to back up.")
    return Path(database)


def _copy(source: Path | str, target: Path | str) -> int:
    """Copy a whole SQLite database page by page; returns the number of pages."""
    with sqlite3.connect(source) as reading, sqlite3.connect(target) as writing:
        reading.backup(writing)
        pages = writing.execute("PRAGMA page_count").fetchone()[0]
    reading.close()
    writing.close()
    return int(pages)


def backup_database(engine: Engine, path: str | Path) -> int:
    """Write a copy of the portal's SQLite database to `path` (which must not exist yet)."""
    source = _sqlite_file(engine)
    target = Path(path)
    if target.exists():
        raise BackupRefused(f"{target} exists already: choose a new file for the backup.")
    if not source.exists():
        raise BackupRefused(f"The database {source} does not exist.")
    return _copy(source, target)


def backup_revision(path: str | Path) -> str | None:
    """The schema revision of the backup at `path` (None when its schema was not made by the
    migrations); refuses a file that is not a backup of the portal."""
    target = Path(path)
    if not target.is_file():
        raise BackupRefused(f"{target} is not a file.")
    try:
        with sqlite3.connect(f"file:{target}?mode=ro", uri=True) as reading:
            if reading.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise BackupRefused(f"{target} is damaged (SQLite's quick_check failed).")
            tables = {
                row[0]
                for row in reading.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
            row = None
            if "alembic_version" in tables:
                row = reading.execute("SELECT version_num FROM alembic_version").fetchone()
        reading.close()
    except sqlite3.DatabaseError as exc:
        raise BackupRefused(f"{target} is not a backup of the portal ({exc}).") from exc
    if not {"members", "ledger_entries", "settings"} <= tables:
        raise BackupRefused(f"{target} is not a backup of the portal (no programme tables).")
    return str(row[0]) if row is not None else None


def database_has_members(engine: Engine) -> bool:
    from sqlalchemy import inspect, text

    if "members" not in inspect(engine).get_table_names():
        return False
    with engine.connect() as connection:
        return connection.execute(text("SELECT 1 FROM members LIMIT 1")).first() is not None


def restore_database(engine: Engine, path: str | Path, *, replace: bool = False) -> str | None:
    """Replace the portal's SQLite database with the backup at `path`; returns the backup's
    schema revision. A database that has members already is replaced only with `replace`."""
    target = _sqlite_file(engine)
    revision = backup_revision(path)
    if not replace and database_has_members(engine):
        raise BackupRefused(
            f"{target} has members already: stop the portal and pass --replace to overwrite it."
        )
    engine.dispose()  # no pooled connection keeps reading the old pages
    target.parent.mkdir(parents=True, exist_ok=True)
    _copy(Path(path), target)
    return revision
