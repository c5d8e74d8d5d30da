"""Backups rehearsed: a programme with activity is backed up, restored into an empty database,
and everything is there, each balance equal to its ledger."""

from __future__ import annotations

import shutil
import subprocess
import uuid

import pytest
from sqlalchemy import create_engine, select, text

from config import TestingConfig
from portal import create_app
from portal.extensions import db
from portal.models import LedgerEntry, Member, Purchase, PurchaseReturn, Redemption, Setting
from portal.services.points.ledger import ledger_sum


def snapshot() -> dict:
    """What a person checks after a restore, read from the current app's database."""
    db.session.expire_all()
    members = db.session.scalars(select(Member).order_by(Member.id)).all()
    return {
        "members": [(m.id, m.email, m.name, m.tier_code, m.points_balance) for m in members],
        "balances_off_ledger": [m.id for m in members if ledger_sum(m) != m.points_balance],
        "purchases": db.session.execute(
            select(
                Purchase.receipt_no, Purchase.amount, Purchase.points_awarded, Purchase.channel
            ).order_by(Purchase.id)
        ).all(),
        "returns": db.session.execute(
            select(PurchaseReturn.amount, PurchaseReturn.points_reversed).order_by(
                PurchaseReturn.id
            )
        ).all(),
        "vouchers": db.session.execute(
            select(Redemption.voucher_code, Redemption.status, Redemption.points_spent).order_by(
                Redemption.id
            )
        ).all(),
        "settings": db.session.execute(
            select(Setting.key, Setting.value).order_by(Setting.key)
        ).all(),
        "ledger_entries": db.session.scalar(select(db.func.count(LedgerEntry.id))),
    }


@pytest.fixture
def programme(create_member, create_purchase, create_return, create_reward, give_points, admin):
    """Members who bought, returned, were given points and redeemed a voucher; a changed
    setting."""
    from portal.services.programme.settings import update_setting
    from portal.services.rewards.redemption import redeem

    update_setting("points_expiry_months", 18, actor=admin)
    db.session.commit()
    lin = create_member(name="Lin Mei", email="lin.mei@example.com")
    wang = create_member(name="Wang Fang", email="wang.fang@example.com")
    bought = create_purchase(lin, "1234.00")
    create_purchase(wang, "88.00", channel="api")
    create_return(bought, "234.00", return_ref="R-1")
    give_points(wang, 500)
    reward = create_reward(points_cost=300)
    redeem(db.session.get(Member, wang.id), reward, idempotency_key=uuid.uuid4().hex)
    db.session.commit()
    found = snapshot()
    assert len(found["members"]) == 4 and found["vouchers"] and found["returns"]
    assert found["balances_off_ledger"] == []
    assert ("points_expiry_months", "18") in [tuple(row) for row in found["settings"]]
    return found


def test_a_sqlite_backup_restored_into_an_empty_database_has_everything(
    app, runner, programme, database_url, tmp_path
):
    if not database_url.startswith("sqlite"):
        pytest.skip("the SQLite commands; PostgreSQL is rehearsed with pg_dump below")
    path = tmp_path / "portal-backup.sqlite3"
    result = runner.invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    assert "Backed up to" in result.output

    empty = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'new.db'}")
    with empty.app_context():
        restored = empty.test_cli_runner().invoke(args=["restore", str(path)])
        assert restored.exit_code == 0, restored.output
        assert snapshot() == programme
        db.engine.dispose()


def test_a_backup_never_overwrites_a_file(app, runner, programme, database_url, tmp_path):
    if not database_url.startswith("sqlite"):
        pytest.skip("the SQLite commands")
    path = tmp_path / "taken.sqlite3"
    path.write_text("something else")
    result = runner.invoke(args=["backup", str(path)])
    assert result.exit_code != 0 and "exists already" in result.output
    assert path.read_text() == "something else"


def test_a_restore_refuses_a_database_with_members_and_a_file_that_is_no_backup(
    app, runner, programme, database_url, tmp_path
):
    if not database_url.startswith("sqlite"):
        pytest.skip("the SQLite commands")
    path = tmp_path / "portal-backup.sqlite3"
    assert runner.invoke(args=["backup", str(path)]).exit_code == 0
    refused = runner.invoke(args=["restore", str(path)])
    assert refused.exit_code != 0 and "has members already" in refused.output

    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("hello")
    empty = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'new.db'}")
    with empty.app_context():
        refused = empty.test_cli_runner().invoke(args=["restore", str(not_a_backup)])
        db.engine.dispose()
    assert refused.exit_code != 0 and "not a backup of the portal" in refused.output


def test_the_commands_point_postgresql_to_pg_dump_and_pg_restore(
    app, runner, database_url, tmp_path
):
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    path = tmp_path / "never-written.sqlite3"
    result = runner.invoke(args=["backup", str(path)])
    assert result.exit_code != 0 and "pg_dump" in result.output
    result = runner.invoke(args=["restore", str(path)])
    assert result.exit_code != 0 and "pg_restore" in result.output
    assert not path.exists()


def test_a_postgresql_dump_restored_into_an_empty_database_has_everything(
    app, programme, database_url, tmp_path
):
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("pg_dump and pg_restore are not installed")
    plain = database_url.replace("postgresql+psycopg://", "postgresql://")
    dump = tmp_path / "portal.dump"
    subprocess.run(["pg_dump", "--format=custom", f"--file={dump}", plain], check=True)
    name = f"portal_restore_{uuid.uuid4().hex[:8]}"
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    target = database_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        subprocess.run(
            ["pg_restore", "--no-owner", f"--dbname={plain.rsplit('/', 1)[0]}/{name}", str(dump)],
            check=True,
        )
        restored = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=target)
        with restored.app_context():
            assert snapshot() == programme
            db.engine.dispose()
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
