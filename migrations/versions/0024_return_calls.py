"""Return-visit calls, reward co-occurrence, and follow-up cases opened from a call

Revision ID: 0024
Revises: 0013
Create Date: 2026-12-02 14:50:00

Two new tables (return_calls, reward_pairs) and, on followup_cases, a nullable link to the call
that opened a case; a case opened from a call has no survey answer, so answer_id becomes
nullable (expand step: the previous release only writes cases with an answer).
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "return_calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=12), nullable=False),
        sa.Column("occasion", sa.String(length=20), nullable=False),
        sa.Column(
            "purchase_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("store", sa.String(length=100), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("called_at", sa.DateTime(), nullable=True),
        sa.Column("called_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "reason IN ('thank_you', 'care', 'courtesy')",
            name=op.f("ck_return_calls_reason_known"),
        ),
        sa.CheckConstraint(
            "status IN ('open', 'done', 'withdrawn')", name=op.f("ck_return_calls_status_known")
        ),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('reached', 'no_answer', 'call_back', 'do_not_call')",
            name=op.f("ck_return_calls_outcome_known"),
        ),
        sa.ForeignKeyConstraint(
            ["called_by_id"],
            ["members.id"],
            name=op.f("fk_return_calls_called_by_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_return_calls_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["purchase_id"],
            ["purchases.id"],
            name=op.f("fk_return_calls_purchase_id_purchases"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_calls")),
        sa.UniqueConstraint(
            "member_id",
            "reason",
            "occasion",
            name=op.f("uq_return_calls_member_id_reason_occasion"),
        ),
    )
    op.create_index("ix_return_calls_member_id", "return_calls", ["member_id"])
    op.create_index("ix_return_calls_status_due_on", "return_calls", ["status", "due_on"])
    op.create_table(
        "reward_pairs",
        sa.Column("reward_id", sa.Integer(), nullable=False),
        sa.Column("other_reward_id", sa.Integer(), nullable=False),
        sa.Column("members_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["other_reward_id"],
            ["rewards.id"],
            name=op.f("fk_reward_pairs_other_reward_id_rewards"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reward_id"],
            ["rewards.id"],
            name=op.f("fk_reward_pairs_reward_id_rewards"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("reward_id", "other_reward_id", name=op.f("pk_reward_pairs")),
    )
    with op.batch_alter_table("followup_cases") as batch:
        batch.alter_column("answer_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("call_id", sa.Integer(), nullable=True))
        batch.create_unique_constraint(batch.f("uq_followup_cases_call_id"), ["call_id"])
        batch.create_foreign_key(
            batch.f("fk_followup_cases_call_id_return_calls"),
            "return_calls",
            ["call_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("followup_cases") as batch:
        batch.drop_constraint(batch.f("fk_followup_cases_call_id_return_calls"), type_="foreignkey")
        batch.drop_constraint(batch.f("uq_followup_cases_call_id"), type_="unique")
        batch.drop_column("call_id")
        batch.alter_column("answer_id", existing_type=sa.Integer(), nullable=False)
    op.drop_table("reward_pairs")
    op.drop_index("ix_return_calls_status_due_on", table_name="return_calls")
    op.drop_index("ix_return_calls_member_id", table_name="return_calls")
    op.drop_table("return_calls")
