"""The request id on audit rows; how each periodic job last ran

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 11:45:00

Adds a nullable column and a small table: no table is rewritten (PostgreSQL adds a nullable
column without touching the rows; SQLite's ALTER TABLE ADD COLUMN neither), so it runs at
once on any size of audit log, while the previous release keeps serving (expand step).
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("audit_entries", sa.Column("request_id", sa.String(length=64), nullable=True))
    op.create_index("ix_audit_entries_request_id", "audit_entries", ["request_id"])
    op.create_table(
        "job_runs",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("last_started_at", sa.DateTime(), nullable=True),
        sa.Column("last_success_at", sa.DateTime(), nullable=True),
        sa.Column("last_failure_at", sa.DateTime(), nullable=True),
        sa.Column("last_count", sa.Integer(), nullable=True),
        sa.Column("last_duration_ms", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_runs")),
    )


def downgrade():
    op.drop_table("job_runs")
    op.drop_index("ix_audit_entries_request_id", table_name="audit_entries")
    with op.batch_alter_table("audit_entries") as batch:
        batch.drop_column("request_id")
