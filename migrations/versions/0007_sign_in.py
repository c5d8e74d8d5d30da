"""sign-in: where and how each session signed in, and members' passkeys

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 10:30:00

Sessions now end by themselves (idle and absolute lifetimes are programme settings, read from
the existing created_at and last_seen_at); the new columns let members see where each of their
sessions is used from. Failed sign-ins are counted in the rate-limit storage, not here.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("login_sessions") as batch:
        batch.add_column(sa.Column("ip_address", sa.String(length=45), nullable=True))
        batch.add_column(
            sa.Column(
                "sign_in_method", sa.String(length=10), nullable=False, server_default="password"
            )
        )
    op.create_table(
        "passkeys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.LargeBinary(length=1023), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("sign_count", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("user_handle", sa.LargeBinary(length=64), nullable=False),
        sa.Column("transports", sa.JSON(), nullable=True),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("backed_up", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "sign_count >= 0", name=op.f("ck_passkeys_sign_count_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_passkeys_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_passkeys")),
        sa.UniqueConstraint("credential_id", name=op.f("uq_passkeys_credential_id")),
    )
    with op.batch_alter_table("passkeys") as batch:
        batch.create_index(batch.f("ix_passkeys_member_id"), ["member_id"], unique=False)


def downgrade():
    with op.batch_alter_table("passkeys") as batch:
        batch.drop_index(batch.f("ix_passkeys_member_id"))
    op.drop_table("passkeys")
    with op.batch_alter_table("login_sessions") as batch:
        batch.drop_column("sign_in_method")
        batch.drop_column("ip_address")
