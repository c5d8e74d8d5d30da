"""Daily sums of the ledger and members' purchases per period for the KPI dashboard

Revision ID: 0030
Revises: 0020
Create Date: 2026-12-02 16:00:00

kpi_daily_points holds, per closed day of the programme's zone and kind of ledger entry, the
points moved and the number of entries; kpi_summary_marks says up to which day (and in which
zone) the sums go; kpi_period_members holds each member's purchases in the offered periods
as they stood on a day, and ix_purchases_recorded finds the purchases recorded since.
`run-jobs` fills them from the ledger; the dashboard adds the open days
live. New tables only: the previous release keeps serving.
"""

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "kpi_daily_points",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("points_sum", sa.BigInteger(), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "kind", name=op.f("pk_kpi_daily_points")),
    )
    op.create_table(
        "kpi_summary_marks",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("through_day", sa.Date(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_kpi_summary_marks")),
    )
    op.create_table(
        "kpi_period_members",
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("purchases_now", sa.Integer(), nullable=False),
        sa.Column("purchases_before", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", "member_id", name=op.f("pk_kpi_period_members")),
    )
    op.create_index(
        "ix_purchases_recorded", "purchases", ["created_at", "purchased_at", "member_id"]
    )


def downgrade():
    op.drop_index("ix_purchases_recorded", table_name="purchases")
    op.drop_table("kpi_period_members")
    op.drop_table("kpi_summary_marks")
    op.drop_table("kpi_daily_points")
