"""Covering indexes for the member's pages, and the programme settings' version row

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-02 15:00:00

- purchases (member_id, purchased_at, amount, returned_amount) replaces (member_id,
  purchased_at): the tier progress on every dashboard sums the member's net spend of the window
  from the index alone, without visiting the table's rows.
- notifications (member_id) WHERE read_at IS NULL: the unread badge of every page counts a
  member's unread notifications from a small partial index.
- the settings' version row (services/programme/settings.py): each process keeps the settings
  it read and reads them again only when the version changed.
"""

import json
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

VERSION_KEY = "_programme_version"


def upgrade():
    op.create_index(
        "ix_purchases_member_spend",
        "purchases",
        ["member_id", "purchased_at", "amount", "returned_amount"],
    )
    op.drop_index("ix_purchases_member_time", table_name="purchases")
    op.create_index(
        "ix_notifications_unread",
        "notifications",
        ["member_id"],
        sqlite_where=sa.text("read_at IS NULL"),
        postgresql_where=sa.text("read_at IS NULL"),
    )
    settings = sa.table(
        "settings",
        sa.column("key", sa.String),
        sa.column("value", sa.Text),
        sa.column("updated_at", sa.DateTime),
    )
    op.bulk_insert(
        settings,
        [
            {
                "key": VERSION_KEY,
                "value": json.dumps(uuid.uuid4().hex),
                "updated_at": datetime.now(UTC).replace(tzinfo=None),
            }
        ],
    )


def downgrade():
    op.execute(sa.text("DELETE FROM settings WHERE key = :key").bindparams(key=VERSION_KEY))
    op.drop_index("ix_notifications_unread", table_name="notifications")
    op.create_index("ix_purchases_member_time", "purchases", ["member_id", "purchased_at"])
    op.drop_index("ix_purchases_member_spend", table_name="purchases")
