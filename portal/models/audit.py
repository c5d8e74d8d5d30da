"""The audit log: what staff, members and the system did, for people to read.

Rows are never changed or removed. No code path updates or deletes them, and the database
refuses it too: triggers on `audit_entries` raise on any UPDATE or DELETE (PostgreSQL: a
trigger function; SQLite: BEFORE UPDATE / BEFORE DELETE triggers). The triggers are created by
the migration (0022) and, for a schema made with create_all (the tests), by the `after_create`
listener below, so both paths hold the same rule.

Members are never hard-deleted (closing an account anonymises it), so the foreign key's
ON DELETE SET NULL never fires; were someone to delete a member by hand, the UPDATE it implies
is refused as well, which keeps the actor of every row. PostgreSQL's TRUNCATE (used to empty
the test database between tests) is a statement of its own and is not a row change.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import DDL, JSON, ForeignKey, Index, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import utcnow
from portal.models.base import Model, UTCDateTime

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from portal.models.members import Member


class AuditEntry(Model):
    __tablename__ = "audit_entries"
    # The log is read newest first, by keyset (created_at, id), whole or narrowed to one actor,
    # one record or one action: each reading has its index, so a page costs the same at any
    # depth and any size of log.
    __table_args__ = (
        Index("ix_audit_entries_created_at_id", "created_at", "id"),
        Index("ix_audit_entries_actor_created", "actor_id", "created_at", "id"),
        Index("ix_audit_entries_target_created", "target_type", "target_id", "created_at", "id"),
        Index("ix_audit_entries_member_created", "member_id", "created_at", "id"),
        Index("ix_audit_entries_action_created", "action", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str | None] = mapped_column(String(32))
    target_id: Mapped[int | None] = mapped_column()
    # The member the action concerns (the target itself, or the member of the purchase, voucher,
    # answer... acted on), so "everything about this member" is one indexed reading. No foreign
    # key: the log outlives and never waits on the rows it tells about.
    member_id: Mapped[int | None] = mapped_column()
    summary: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict | None] = mapped_column(JSON)
    ip_address: Mapped[str | None] = mapped_column(String(45))
    # The request that wrote the row (its X-Request-ID and log lines); None from a command.
    request_id: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[Member | None] = relationship("Member")


REFUSAL = "audit entries are never changed or deleted"

SQLITE_TRIGGERS = {
    "audit_entries_no_update": (
        "CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries "
        f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
    ),
    "audit_entries_no_delete": (
        "CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries "
        f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
    ),
}
POSTGRESQL_FUNCTION = (
    "CREATE OR REPLACE FUNCTION audit_entries_refuse_change() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN "
    f"RAISE EXCEPTION '{REFUSAL}' USING ERRCODE = 'insufficient_privilege'; "
    "END $$"
)
POSTGRESQL_TRIGGER = (
    "CREATE TRIGGER audit_entries_no_change BEFORE UPDATE OR DELETE ON audit_entries "
    "FOR EACH ROW EXECUTE FUNCTION audit_entries_refuse_change()"
)


def create_immutability_triggers(connection: Connection) -> None:
    """Make the database refuse UPDATE and DELETE on audit_entries."""
    if connection.dialect.name == "postgresql":
        connection.execute(DDL(POSTGRESQL_FUNCTION))
        connection.execute(DDL(POSTGRESQL_TRIGGER))
    else:
        for statement in SQLITE_TRIGGERS.values():
            connection.execute(DDL(statement))


def drop_immutability_triggers(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(DDL("DROP TRIGGER IF EXISTS audit_entries_no_change ON audit_entries"))
        connection.execute(DDL("DROP FUNCTION IF EXISTS audit_entries_refuse_change()"))
    else:
        for name in SQLITE_TRIGGERS:
            connection.execute(DDL(f"DROP TRIGGER IF EXISTS {name}"))


@event.listens_for(AuditEntry.__table__, "after_create")
def _refuse_changes(_table: object, connection: Connection, **_kwargs: object) -> None:
    create_immutability_triggers(connection)
