"""API tokens with scopes, a store and an expiry; vouchers fulfilled through the API;
expired points a return did not take again

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-02 10:30:00

Tokens made before scopes existed keep what they could do then ("purchases members:read"):
the server default fills them in.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(
            sa.Column(
                "scopes",
                sa.String(length=200),
                nullable=False,
                server_default="purchases members:read",
            )
        )
        batch.add_column(sa.Column("store", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("expires_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("purchases") as batch:
        batch.create_index("ix_purchases_token_created", ["api_token_id", "created_at"])
    with op.batch_alter_table("purchase_returns") as batch:
        batch.add_column(
            sa.Column("points_expired_kept", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("redemptions") as batch:
        batch.add_column(sa.Column("fulfilled_by_token_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_redemptions_fulfilled_by_token_id_api_tokens",
            "api_tokens",
            ["fulfilled_by_token_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("redemptions") as batch:
        batch.drop_constraint("fk_redemptions_fulfilled_by_token_id_api_tokens", type_="foreignkey")
        batch.drop_column("fulfilled_by_token_id")
    with op.batch_alter_table("purchase_returns") as batch:
        batch.drop_column("points_expired_kept")
    with op.batch_alter_table("purchases") as batch:
        batch.drop_index("ix_purchases_token_created")
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("expires_at")
        batch.drop_column("store")
        batch.drop_column("scopes")
