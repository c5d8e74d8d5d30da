"""notification links as an endpoint and its arguments

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 04:30:00

The links written so far were paths of two shapes ("/dashboard", "/redemptions/<id>"); they
become the endpoint and arguments that made them. Any other path is dropped (the notification
keeps its text).

Rewrites every notification with a link: on a large table it reads and updates them
BATCH_SIZE rows at a time (by id), never holding the whole table in memory. On SQLite the
column changes copy the table (batch mode); on PostgreSQL they are in place.
"""

import re

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

notifications = sa.table(
    "notifications",
    sa.column("id", sa.Integer),
    sa.column("link", sa.String),
    sa.column("link_endpoint", sa.String),
    sa.column("link_args", sa.JSON),
)
VOUCHER = re.compile(r"^/redemptions/(\d+)$")
BATCH_SIZE = 1000


def _in_batches(connection, *columns, where):
    """The rows of `columns` (the id first) matching `where`, BATCH_SIZE at a time by id."""
    last = 0
    while True:
        rows = connection.execute(
            sa.select(*columns)
            .where(where, notifications.c.id > last)
            .order_by(notifications.c.id)
            .limit(BATCH_SIZE)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1][0]


def upgrade():
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("link_endpoint", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("link_args", sa.JSON(), nullable=True))
    connection = op.get_bind()
    rows = _in_batches(
        connection,
        notifications.c.id,
        notifications.c.link,
        where=notifications.c.link.is_not(None),
    )
    for row_id, link in rows:
        endpoint, args = None, None
        if link == "/dashboard":
            endpoint, args = "member.dashboard", {}
        elif match := VOUCHER.match(link):
            endpoint, args = "rewards.voucher", {"redemption_id": int(match.group(1))}
        if endpoint:
            connection.execute(
                notifications.update()
                .where(notifications.c.id == row_id)
                .values(link_endpoint=endpoint, link_args=args)
            )
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("link")


def downgrade():
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("link", sa.String(length=300), nullable=True))
    connection = op.get_bind()
    rows = _in_batches(
        connection,
        notifications.c.id,
        notifications.c.link_endpoint,
        notifications.c.link_args,
        where=notifications.c.link_endpoint.is_not(None),
    )
    for row_id, endpoint, args in rows:
        link = None
        if endpoint == "member.dashboard":
            link = "/dashboard"
        elif endpoint == "rewards.voucher" and args:
            link = f"/redemptions/{args['redemption_id']}"
        connection.execute(
            notifications.update().where(notifications.c.id == row_id).values(link=link)
        )
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("link_args")
        batch.drop_column("link_endpoint")
