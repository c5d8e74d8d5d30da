"""Indexes for the KPI dashboard

Revision ID: 0020
Revises: 0023
Create Date: 2026-12-02 14:50:00

Every figure of /admin/ is an SQL aggregate over a range of days; these indexes let each one
read an index range (covering where the figure needs only a few columns) instead of a table.
Only indexes: the previous release keeps serving. Active members and repeat buyers read
ix_purchases_time_member (purchased_at, member_id), made with the member search.
"""

from alembic import op

revision = "0020"
down_revision = "0023"
branch_labels = None
depends_on = None

INDEXES = [
    ("ix_ledger_entries_created_kind", "ledger_entries", ["created_at", "kind", "points"]),
    ("ix_tier_changes_created", "tier_changes", ["created_at"]),
    ("ix_members_role_created", "members", ["role", "created_at"]),
    ("ix_members_role_tier", "members", ["role", "tier_code"]),
    ("ix_redemptions_created_reward", "redemptions", ["created_at", "reward_id"]),
    ("ix_survey_answers_submitted", "survey_answers", ["submitted_at"]),
    ("ix_referrals_referrer_paid", "referrals", ["referrer_credited_at"]),
]


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade():
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
