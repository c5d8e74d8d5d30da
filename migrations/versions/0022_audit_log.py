"""The audit log is read by keyset and never changed

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02 14:45:00

The member each row concerns (a column, filled for the older rows whose target was a member),
and composite indexes for the audit page's readings, newest first by (created_at, id): the whole
log, one actor, one member, one record and one action; they replace the single-column indexes on
created_at, action and (target_type, target_id), which they cover. Triggers then refuse any
UPDATE or DELETE of a row (PostgreSQL: a trigger function raising an exception; SQLite:
BEFORE UPDATE / DELETE triggers with RAISE(ABORT)). Building the indexes reads the table once;
on PostgreSQL a large log may prefer CREATE INDEX CONCURRENTLY by hand first (same names).
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


# Written out here (not imported from portal.models.audit) so the migration stays as it landed.
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


def create_immutability_triggers():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRESQL_FUNCTION)
        op.execute(POSTGRESQL_TRIGGER)
    else:
        for statement in SQLITE_TRIGGERS.values():
            op.execute(statement)


def drop_immutability_triggers():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_entries_no_change ON audit_entries")
        op.execute("DROP FUNCTION IF EXISTS audit_entries_refuse_change()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")


def upgrade():
    op.add_column("audit_entries", sa.Column("member_id", sa.Integer(), nullable=True))
    # Rows written before: the member is known where the target was one.
    op.execute("UPDATE audit_entries SET member_id = target_id WHERE target_type = 'members'")
    op.create_index(
        "ix_audit_entries_member_created", "audit_entries", ["member_id", "created_at", "id"]
    )
    op.create_index("ix_audit_entries_created_at_id", "audit_entries", ["created_at", "id"])
    op.create_index(
        "ix_audit_entries_actor_created", "audit_entries", ["actor_id", "created_at", "id"]
    )
    op.create_index(
        "ix_audit_entries_target_created",
        "audit_entries",
        ["target_type", "target_id", "created_at", "id"],
    )
    op.create_index(
        "ix_audit_entries_action_created", "audit_entries", ["action", "created_at", "id"]
    )
    op.drop_index("ix_audit_entries_created_at", table_name="audit_entries")
    op.drop_index("ix_audit_entries_action", table_name="audit_entries")
    op.drop_index("ix_audit_entries_target", table_name="audit_entries")
    create_immutability_triggers()


def downgrade():
    drop_immutability_triggers()
    op.create_index("ix_audit_entries_target", "audit_entries", ["target_type", "target_id"])
    op.create_index("ix_audit_entries_action", "audit_entries", ["action"])
    op.create_index("ix_audit_entries_created_at", "audit_entries", ["created_at"])
    op.drop_index("ix_audit_entries_action_created", table_name="audit_entries")
    op.drop_index("ix_audit_entries_target_created", table_name="audit_entries")
    op.drop_index("ix_audit_entries_actor_created", table_name="audit_entries")
    op.drop_index("ix_audit_entries_created_at_id", table_name="audit_entries")
    op.drop_index("ix_audit_entries_member_created", table_name="audit_entries")
    with op.batch_alter_table("audit_entries") as batch:
        batch.drop_column("member_id")
