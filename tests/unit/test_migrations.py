"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, text

from config import TestingConfig
from portal import create_app
from portal.extensions import db


@pytest.fixture
def empty_database_url(database_url, tmp_path):
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
        return
    name = f"portal_migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield database_url.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_migrations_match_the_models_and_go_both_ways(empty_database_url):
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
            tiers = connection.execute(text("SELECT code FROM tiers ORDER BY rank")).scalars()
            assert list(tiers) == ["member", "silver", "gold", "diamond"]
        assert differences == []
        downgrade(revision="base")
        upgrade()
        db.engine.dispose()


def test_tokens_made_before_scopes_keep_what_they_could_do(empty_database_url):
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade(revision="0006")
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO api_tokens (name, token_hash, prefix, created_at) "
                    "VALUES ('Old till', :hash, 'mlp_abcdefgh', CURRENT_TIMESTAMP)"
                ),
                {"hash": "0" * 64},
            )
        upgrade()
        with db.engine.connect() as connection:
            scopes = connection.execute(text("SELECT scopes FROM api_tokens")).scalar_one()
        assert scopes == "purchases members:read"
        db.engine.dispose()
