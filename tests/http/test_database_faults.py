"""The database going away: a friendly 503 (a page, or the API's JSON error), nothing kept half
done, and the next request served without a restart.

Two outages are simulated, and what each one is matters:
- "unreachable" (both databases): every new connection is refused (a `do_connect` listener
  raises the driver's own OperationalError) after the pool is emptied, as when the server is
  stopped or the network is cut. Removing the listener is the server coming back.
- "terminated" (PostgreSQL only): the backend serving the request is killed with
  `pg_terminate_backend` from a second connection, between two statements of the request, or
  every backend of the test database is killed while the pool holds them idle.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import psycopg
import pytest
from sqlalchemy import event, func, select

from portal.extensions import db
from portal.models import LedgerEntry, Purchase, Redemption, Reward
from portal.services.purchases.api_tokens import create_api_token
from tests.conftest import balance_of, form_post
from tests.valid_html import problems_in

postgres_only = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
    reason="pg_terminate_backend is PostgreSQL's; the suite runs on SQLite (set DATABASE_URL)",
)


@contextmanager
def database_unreachable() -> Iterator[None]:
    engine = db.engine
    refused = engine.dialect.loaded_dbapi.OperationalError

    def refuse(*_args):
        raise refused("connection refused (simulated outage)")

    db.session.commit()
    event.listen(engine, "do_connect", refuse)
    engine.dispose()
    try:
        yield
    finally:
        event.remove(engine, "do_connect", refuse)


def admin_connection(database_url: str) -> psycopg.Connection:
    plain = database_url.replace("postgresql+psycopg://", "postgresql://")
    return psycopg.connect(plain, autocommit=True)


@contextmanager
def backend_terminated_before(database_url: str, statement_start: str) -> Iterator[list[int]]:
    """Kill the backend of the connection about to run the first statement starting with
    `statement_start`, from a second connection, and wait until it is gone: the statement then
    runs on a dead connection. Yields the pids killed."""
    killed: list[int] = []
    watcher = admin_connection(database_url)

    def before(conn, _cursor, statement, *_args):
        if killed or not statement.lstrip().upper().startswith(statement_start):
            return
        pid = conn.connection.dbapi_connection.info.backend_pid
        killed.append(pid)
        watcher.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,))

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield killed
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
        watcher.close()


@pytest.fixture
def till(app):
    _token, plaintext = create_api_token("Shanghai IFC till 1")
    db.session.commit()
    return {"Authorization": f"Bearer {plaintext}"}


@pytest.fixture
def sale(member, clock):
    return {
        "member": member.email,
        "receipt_no": "SH01-2026-000777",
        "amount": "1200.00",
        "currency": "CNY",
        "purchased_at": (clock.now() - timedelta(minutes=10)).isoformat(),
        "store": "Shanghai IFC",
        "items": [{"sku": "PD-18K-07", "name": "18K gold pendant", "unit_price": "1200.00"}],
    }


def purchases_of(receipt_no: str) -> int:
    db.session.expire_all()
    return db.session.scalar(
        select(func.count(Purchase.id)).where(Purchase.receipt_no == receipt_no)
    )


# -- unreachable (both databases) --------------------------------------------------------------


def test_while_the_database_is_unreachable_pages_say_503_in_the_readers_language(
    client, login, member
):
    login(member)
    with database_unreachable():
        page = client.get("/dashboard")
        chinese = client.get("/", headers={"Accept-Language": "zh-CN"})
    assert page.status_code == 503
    assert page.mimetype == "text/html"
    assert page.headers["Retry-After"] == "30"
    text = page.get_data(as_text=True)
    assert "We are briefly unavailable" in text
    assert "Please try again in a minute." in text
    assert "Traceback" not in text and "OperationalError" not in text
    assert problems_in(text) == []
    assert 'href="/dashboard" role="button">Try again</a>' in text
    # Signed in or not, the page is drawn without the database; the member's session stands.
    assert chinese.status_code == 503
    assert "系统暂时无法使用" in chinese.get_data(as_text=True)
    back = client.get("/dashboard")
    assert back.status_code == 200
    assert "Lin" in back.get_data(as_text=True)


def test_while_the_database_is_unreachable_the_api_answers_503_json_and_keeps_nothing(
    client, till, sale, member
):
    with database_unreachable():
        response = client.post("/api/v1/purchases", json=sale, headers=till)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    body = response.get_json()
    assert body["error"] == "unavailable"
    assert body["message"] == "We are briefly unavailable"
    assert purchases_of(sale["receipt_no"]) == 0
    again = client.post("/api/v1/purchases", json=sale, headers=till)
    assert again.status_code == 201, again.get_json()
    assert purchases_of(sale["receipt_no"]) == 1
    assert balance_of(member) == 1200


def test_healthz_says_503_while_the_database_is_unreachable_and_200_once_it_is_back(client):
    assert client.get("/healthz").status_code == 200
    with database_unreachable():
        down = client.get("/healthz")
    assert down.status_code == 503
    assert down.get_json() == {"status": "error", "database": "unreachable"}
    up = client.get("/healthz")
    assert up.status_code == 200
    assert up.get_json() == {"status": "ok", "database": "ok"}


# -- terminated backends (PostgreSQL) ----------------------------------------------------------


@postgres_only
def test_a_backend_killed_mid_purchase_gives_503_json_no_partial_write_and_then_works(
    client, till, sale, member, database_url
):
    # The purchase row is written first, then its earn entry: the kill falls between them.
    with backend_terminated_before(database_url, "INSERT INTO LEDGER_ENTRIES") as killed:
        response = client.post("/api/v1/purchases", json=sale, headers=till)
    assert killed, "the request never reached the ledger"
    assert response.status_code == 503
    assert response.get_json()["error"] == "unavailable"
    assert purchases_of(sale["receipt_no"]) == 0
    assert db.session.scalar(select(func.count(LedgerEntry.id))) == 0
    assert balance_of(member) == 0
    again = client.post("/api/v1/purchases", json=sale, headers=till)
    assert again.status_code == 201, again.get_json()
    assert purchases_of(sale["receipt_no"]) == 1
    assert balance_of(member) == 1200


@postgres_only
def test_a_backend_killed_mid_redemption_gives_the_503_page_and_keeps_nothing(
    client, login, member, give_points, create_reward, database_url
):
    give_points(member, 1000)
    reward = create_reward(points_cost=300, stock=2)
    login(member)
    token_page = "/rewards"
    # The voucher row is written (in a savepoint) and the stock taken; the kill comes before
    # the points are debited.
    with backend_terminated_before(database_url, "INSERT INTO LEDGER_ENTRIES") as killed:
        response = form_post(
            client,
            f"/rewards/{reward.id}/redeem",
            {"idempotency_key": "db-gone-key-0001"},
            token_from=token_page,
        )
    assert killed
    assert response.status_code == 503
    assert "We are briefly unavailable" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Redemption.id))) == 0
    assert db.session.get(Reward, reward.id).stock == 2
    assert balance_of(member) == 1000
    retry = form_post(
        client,
        f"/rewards/{reward.id}/redeem",
        {"idempotency_key": "db-gone-key-0001"},
        token_from="/dashboard",
    )
    assert retry.status_code == 303
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Redemption.id))) == 1
    assert db.session.get(Reward, reward.id).stock == 1
    assert balance_of(member) == 700


@postgres_only
def test_pooled_connections_killed_while_idle_are_replaced_before_the_next_request(
    client, login, member, database_url
):
    login(member)
    assert client.get("/dashboard").status_code == 200  # the pool now holds a connection
    db.session.commit()
    with admin_connection(database_url) as watcher:
        name = watcher.execute("SELECT current_database()").fetchone()[0]
        killed = watcher.execute(
            "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        ).fetchall()
    assert killed, "no pooled connection was there to kill"
    # pool_pre_ping finds the dead connections and opens new ones: no error, no restart.
    page = client.get("/dashboard")
    assert page.status_code == 200
    assert client.get("/healthz").status_code == 200


@postgres_only
def test_a_backend_killed_just_before_the_commit_answers_503_and_keeps_nothing(
    app, client, till, sale, member, database_url
):
    # The edge commits after the view has answered; a failing commit goes through Flask's
    # handling of unhandled errors, which the test app (TESTING) would re-raise instead.
    app.config["PROPAGATE_EXCEPTIONS"] = False
    killed: list[int] = []
    watcher = admin_connection(database_url)

    def before_commit(conn):
        if conn.info.get("request_edge") and not killed:
            pid = conn.connection.dbapi_connection.info.backend_pid
            killed.append(pid)
            watcher.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,))

    def mark(conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("INSERT INTO LEDGER_ENTRIES"):
            conn.info["request_edge"] = True

    event.listen(db.engine, "before_cursor_execute", mark)
    event.listen(db.engine, "commit", before_commit)
    try:
        response = client.post("/api/v1/purchases", json=sale, headers=till)
    finally:
        event.remove(db.engine, "commit", before_commit)
        event.remove(db.engine, "before_cursor_execute", mark)
        watcher.close()
    assert killed, "the request never reached its commit"
    assert response.status_code == 503
    assert response.get_json()["error"] == "unavailable"
    assert purchases_of(sale["receipt_no"]) == 0
    assert balance_of(member) == 0
    again = client.post("/api/v1/purchases", json=sale, headers=till)
    assert again.status_code == 201
    assert balance_of(member) == 1200
