"""The audit log cannot be changed: the database refuses UPDATE and DELETE of its rows, through
the ORM and through raw SQL, on SQLite and PostgreSQL (the suite runs on both)."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DatabaseError

from portal.extensions import db
from portal.models import AuditEntry
from portal.services.messaging.audit import record_audit


@pytest.fixture
def entry(app, create_member):
    staff = create_member(role="staff")
    written = record_audit(
        "member.points_adjust", actor=staff, target=staff, summary="+300", details={"points": 300}
    )
    db.session.commit()
    return written


def _unchanged(entry_id: int) -> AuditEntry:
    db.session.rollback()
    db.session.expire_all()
    row = db.session.get(AuditEntry, entry_id)
    assert row is not None
    return row


def test_changing_a_row_through_the_orm_is_refused(entry):
    entry_id = entry.id
    entry.summary = "-300"
    with pytest.raises(DatabaseError, match="never changed"):
        db.session.commit()
    assert _unchanged(entry_id).summary == "+300"


def test_deleting_a_row_through_the_orm_is_refused(entry):
    entry_id = entry.id
    db.session.delete(entry)
    with pytest.raises(DatabaseError, match="never changed"):
        db.session.commit()
    assert _unchanged(entry_id).action == "member.points_adjust"


def test_bulk_update_and_delete_statements_are_refused(entry):
    entry_id = entry.id
    with pytest.raises(DatabaseError, match="never changed"):
        db.session.execute(update(AuditEntry).values(actor_id=None))
    db.session.rollback()
    with pytest.raises(DatabaseError, match="never changed"):
        db.session.execute(delete(AuditEntry))
    assert _unchanged(entry_id).actor_id is not None


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_entries SET summary = 'rewritten'",
        "UPDATE audit_entries SET created_at = created_at",
        "DELETE FROM audit_entries",
        "DELETE FROM audit_entries WHERE id = :id",
    ],
)
def test_raw_sql_is_refused(entry, statement):
    entry_id = entry.id
    with pytest.raises(DatabaseError, match="never changed"), db.engine.begin() as connection:
        connection.execute(text(statement), {"id": entry_id})
    row = _unchanged(entry_id)
    assert (row.summary, row.details) == ("+300", {"points": 300})


def test_new_rows_are_still_written(entry):
    record_audit("settings.change", actor=None, summary="timezone")
    db.session.commit()
    assert db.session.query(AuditEntry).count() == 2


def test_a_member_with_audit_rows_cannot_be_deleted_by_hand(entry):
    """Members are closed (anonymised), never deleted: a DELETE would null the actor of their
    rows, which the log refuses, so the member stays and so does who did what."""
    entry_id, actor_id = entry.id, entry.actor_id
    with pytest.raises(DatabaseError, match="never changed"), db.engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.execute(text("PRAGMA foreign_keys = ON"))
        connection.execute(text("DELETE FROM members WHERE id = :id"), {"id": actor_id})
    assert _unchanged(entry_id).actor_id == actor_id
