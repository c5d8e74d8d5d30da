"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, func, select, text

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


# -- both ways, with data in the tables -----------------------------------------------------


@pytest.fixture
def migrated_url(empty_database_url):
    """A database made by the migrations (not create_all), at head."""
    migrating = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=empty_database_url)
    with migrating.app_context():
        upgrade()
        db.engine.dispose()
    return empty_database_url


@pytest.fixture
def app_overrides(request):
    """The tests below that ask for `migrated_url` run the portal on that database."""
    if "migrated_url" in request.fixturenames:
        return {"SQLALCHEMY_DATABASE_URI": request.getfixturevalue("migrated_url")}
    return {}


def revisions_oldest_first(app) -> list[str]:
    with app.app_context():
        from alembic.config import Config as AlembicConfig

        config = AlembicConfig()
        config.set_main_option("script_location", app.extensions["migrate"].directory)
        script = ScriptDirectory.from_config(config)
        return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def current_revision() -> str | None:
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def rows_in(table: str) -> int:
    with db.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(text(table))).scalar_one()


def notification_links() -> list[tuple]:
    with db.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT link_endpoint, link_args FROM notifications ORDER BY id")
        ).all()
    return [
        (endpoint, json.loads(args) if isinstance(args, str) else args) for endpoint, args in rows
    ]


def let_go() -> None:
    """No session or pooled connection holds a table the next migration alters."""
    db.session.remove()
    db.engine.dispose()


def test_every_migration_goes_down_and_up_again_with_data_in_the_tables(
    app,
    migrated_url,
    create_member,
    create_purchase,
    create_return,
    create_reward,
    give_points,
    staff,
):
    from portal.services.members.desk import adjust_points
    from portal.services.purchases.api_tokens import create_api_token
    from portal.services.rewards.redemption import redeem
    from tests.referral_support import refer

    lin = create_member(name="Lin Mei", email="lin.mei@example.com")
    wang = create_member(name="Wang Fang", email="wang.fang@example.com")
    refer(wang, lin)
    bought = create_purchase(lin, "1234.00")
    create_purchase(wang, "300.00", channel="api")
    create_return(bought, "234.00", return_ref="R-1")
    give_points(wang, 500)
    reward = create_reward(points_cost=300)
    redeem(db.session.get(type(lin), wang.id), reward, idempotency_key="k-1")
    adjust_points(db.session.get(type(lin), lin.id), 50, reason="Late receipt", staff=staff)
    create_api_token("Shanghai IFC till 1")
    db.session.commit()
    members = rows_in("members")
    filled = {
        t: rows_in(t) for t in ("purchases", "ledger_entries", "redemptions", "audit_entries")
    }
    assert members == 3 and all(filled.values()), filled
    links = notification_links()
    assert {"member.dashboard", "referrals.overview"} <= {endpoint for endpoint, _args in links}
    let_go()

    revisions = revisions_oldest_first(app)
    assert current_revision() == revisions[-1]
    # From head down to the first migration, each step down is followed by its step up and
    # down again: every upgrade runs on the rows its downgrade left, every downgrade on rows.
    for below, revision in reversed(list(zip(revisions, revisions[1:], strict=False))):
        downgrade(revision=below)
        assert current_revision() == below, revision
        let_go()
        upgrade(revision=revision)
        assert current_revision() == revision
        let_go()
        downgrade(revision=below)
        let_go()
    assert current_revision() == revisions[0]
    assert rows_in("members") == members  # the first migration's tables kept their rows

    upgrade()
    let_go()
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []
    assert rows_in("members") == members
    # 0006 rewrote the links to paths and back, in batches: each notification has its own
    # again, except links 0006 knew no path for (newer pages), which its downgrade drops.
    known = ("member.dashboard", "rewards.voucher")
    assert notification_links() == [
        (endpoint, args) if endpoint in known else (None, None) for endpoint, args in links
    ]

    downgrade(revision="base")
    let_go()
    upgrade()
    let_go()
    assert current_revision() == revisions[-1] and rows_in("members") == 0
