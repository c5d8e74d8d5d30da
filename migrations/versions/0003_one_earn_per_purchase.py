"""one earn entry per purchase

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 22:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.create_index(
            'uq_ledger_entries_earn_per_purchase',
            ['purchase_id'],
            unique=True,
            sqlite_where=sa.text("kind = 'earn'"),
            postgresql_where=sa.text("kind = 'earn'"),
        )


def downgrade():
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.drop_index(
            'uq_ledger_entries_earn_per_purchase',
            sqlite_where=sa.text("kind = 'earn'"),
            postgresql_where=sa.text("kind = 'earn'"),
        )
