"""Members' communication choices, special dates and "do not call"

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 14:40:00

Adds columns with server defaults and a small table (expand step): the previous release keeps
serving. Email and in-app stay on for everyone (as before); marketing stays off until a member
opts in, and the consent's date and wording are kept from then on.
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("members") as batch:
        batch.add_column(
            sa.Column("channel_email", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch.add_column(
            sa.Column("channel_in_app", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch.add_column(sa.Column("marketing_consent_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("marketing_consent_wording", sa.Text(), nullable=True))
        batch.add_column(
            sa.Column(
                "personalised_suggestions", sa.Boolean(), nullable=False, server_default=sa.true()
            )
        )
        batch.add_column(sa.Column("do_not_call_at", sa.DateTime(), nullable=True))
    op.create_table(
        "member_special_dates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=60), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "month BETWEEN 1 AND 12", name=op.f("ck_member_special_dates_month_known")
        ),
        sa.CheckConstraint("day BETWEEN 1 AND 31", name=op.f("ck_member_special_dates_day_known")),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_member_special_dates_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_special_dates")),
    )
    op.create_index("ix_member_special_dates_member_id", "member_special_dates", ["member_id"])
    op.create_index("ix_member_special_dates_month_day", "member_special_dates", ["month", "day"])


def downgrade():
    op.drop_table("member_special_dates")
    with op.batch_alter_table("members") as batch:
        for column in (
            "do_not_call_at",
            "personalised_suggestions",
            "marketing_consent_wording",
            "marketing_consent_at",
            "channel_in_app",
            "channel_email",
        ):
            batch.drop_column(column)
