"""SQLite's writers queue on a file lock beside the database (portal/database.py): held from
BEGIN IMMEDIATE to the end of the transaction, handed to the next writer as soon as it ends,
whether it committed or rolled back; readers never wait for it."""

from __future__ import annotations

import fcntl
import threading
import time

import pytest
from sqlalchemy import create_engine, text

from portal.database import tune_engine, writing_transactions


@pytest.fixture
def engine(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'writers.sqlite3'}")
    tune_engine(engine)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE counter (n INTEGER NOT NULL)"))
        connection.execute(text("INSERT INTO counter VALUES (0)"))
    yield engine
    engine.dispose()


def lock_is_free(engine) -> bool:
    """Whether another process could take the writers' lock now."""
    with open(f"{engine.url.database}.writers", "a+b") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        return True


@pytest.mark.parametrize("ending", ["commit", "rollback"])
def test_a_writer_holds_the_lock_until_its_transaction_ends(engine, ending):
    with writing_transactions(), engine.connect() as connection:
        transaction = connection.begin()
        connection.execute(text("UPDATE counter SET n = n + 1"))
        assert not lock_is_free(engine)
        getattr(transaction, ending)()
        # Handed over at once, while the connection is still open.
        assert lock_is_free(engine)
    with engine.connect() as connection:
        expected = 1 if ending == "commit" else 0
        assert connection.execute(text("SELECT n FROM counter")).scalar() == expected


def test_a_reader_does_not_take_the_lock(engine):
    with engine.connect() as connection, connection.begin():
        connection.execute(text("SELECT n FROM counter")).scalar()
        assert lock_is_free(engine)


def test_the_second_writer_starts_when_the_first_has_committed(engine):
    first_committed = threading.Event()
    second_began_after: list[bool] = []

    def second_writer():
        with writing_transactions(), engine.connect() as connection:
            with connection.begin():
                second_began_after.append(first_committed.is_set())
                connection.execute(text("UPDATE counter SET n = n * 10"))

    with writing_transactions(), engine.connect() as connection:
        transaction = connection.begin()
        connection.execute(text("UPDATE counter SET n = n + 1"))
        thread = threading.Thread(target=second_writer)
        thread.start()
        time.sleep(0.2)  # the second writer is waiting for the lock by now
        assert second_began_after == []
        first_committed.set()
        transaction.commit()
    thread.join(timeout=10)
    assert second_began_after == [True]
    with engine.connect() as connection:
        # (0 + 1) * 10: the second writer saw the first one's change.
        assert connection.execute(text("SELECT n FROM counter")).scalar() == 10


def test_a_connection_closed_mid_transaction_lets_go(engine):
    with writing_transactions():
        connection = engine.connect()
        connection.begin()
        connection.execute(text("UPDATE counter SET n = n + 1"))
        assert not lock_is_free(engine)
        connection.invalidate()  # the connection is lost: its file goes with it
        connection.close()
    assert lock_is_free(engine)
