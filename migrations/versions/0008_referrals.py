"""referrals, their link opens, the ledger's link to a referral, a delivery address

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 10:00:23

A referral is one row per friend (the first attribution is the only one); its released bonuses
are ledger credits pointing to it, at most one per member and referral (a partial UNIQUE index).
The members' delivery address is compared with a referrer's for the review checks.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('referral_link_opens',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('referrer_id', sa.Integer(), nullable=False),
    sa.Column('device', sa.String(length=64), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['referrer_id'], ['members.id'], name=op.f('fk_referral_link_opens_referrer_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_link_opens')),
    sa.UniqueConstraint('referrer_id', 'device', 'opened_on', name=op.f('uq_referral_link_opens_referrer_id_device_opened_on'))
    )
    with op.batch_alter_table('referral_link_opens', schema=None) as batch_op:
        batch_op.create_index('ix_referral_link_opens_day', ['opened_on'], unique=False)

    op.create_table('referrals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('referrer_id', sa.Integer(), nullable=False),
    sa.Column('friend_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=True),
    sa.Column('hold_reasons', sa.JSON(), nullable=True),
    sa.Column('friend_ip', sa.String(length=45), nullable=True),
    sa.Column('friend_device', sa.String(length=64), nullable=True),
    sa.Column('qualifying_purchase_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('qualified_at', sa.DateTime(), nullable=True),
    sa.Column('release_at', sa.DateTime(), nullable=True),
    sa.Column('referrer_points', sa.Integer(), server_default='0', nullable=False),
    sa.Column('friend_points', sa.Integer(), server_default='0', nullable=False),
    sa.Column('friend_credited_at', sa.DateTime(), nullable=True),
    sa.Column('referrer_credited_at', sa.DateTime(), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(), nullable=True),
    sa.Column('review_note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("channel IN ('link', 'code', 'desk')", name=op.f('ck_referrals_channel_known')),
    sa.CheckConstraint("status <> 'ineligible' OR reason IS NOT NULL", name=op.f('ck_referrals_ineligible_says_why')),
    sa.CheckConstraint("status <> 'rewarded' OR (referrer_credited_at IS NOT NULL AND friend_credited_at IS NOT NULL)", name=op.f('ck_referrals_rewarded_is_paid')),
    sa.CheckConstraint("status IN ('joined', 'pending', 'capped', 'rewarded', 'held', 'ineligible')", name=op.f('ck_referrals_status_known')),
    sa.CheckConstraint("status NOT IN ('pending', 'capped', 'rewarded') OR qualifying_purchase_id IS NOT NULL", name=op.f('ck_referrals_bonus_has_purchase')),
    sa.CheckConstraint('referrer_id <> friend_id', name=op.f('ck_referrals_not_oneself')),
    sa.CheckConstraint('referrer_points >= 0 AND friend_points >= 0', name=op.f('ck_referrals_points_not_negative')),
    sa.ForeignKeyConstraint(['friend_id'], ['members.id'], name=op.f('fk_referrals_friend_id_members'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['qualifying_purchase_id'], ['purchases.id'], name=op.f('fk_referrals_qualifying_purchase_id_purchases'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['referrer_id'], ['members.id'], name=op.f('fk_referrals_referrer_id_members'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['members.id'], name=op.f('fk_referrals_reviewed_by_id_members'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referrals')),
    sa.UniqueConstraint('friend_id', name=op.f('uq_referrals_friend_id'))
    )
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.create_index('ix_referrals_created', ['created_at'], unique=False)
        batch_op.create_index('ix_referrals_referrer', ['referrer_id', 'id'], unique=False)
        batch_op.create_index('ix_referrals_referrer_credited', ['referrer_id', 'referrer_credited_at'], unique=False)
        batch_op.create_index('ix_referrals_status_release', ['status', 'release_at'], unique=False)

    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('referral_id', sa.Integer(), nullable=True))
        batch_op.create_index('uq_ledger_entries_bonus_per_referral', ['referral_id', 'member_id'], unique=True, sqlite_where=sa.text("referral_id IS NOT NULL AND kind = 'bonus'"), postgresql_where=sa.text("referral_id IS NOT NULL AND kind = 'bonus'"))
        batch_op.create_foreign_key(batch_op.f('fk_ledger_entries_referral_id_referrals'), 'referrals', ['referral_id'], ['id'], ondelete='RESTRICT')

    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delivery_address', sa.String(length=300), nullable=True))



def downgrade():
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_column('delivery_address')

    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_ledger_entries_referral_id_referrals'), type_='foreignkey')
        batch_op.drop_index('uq_ledger_entries_bonus_per_referral', sqlite_where=sa.text("referral_id IS NOT NULL AND kind = 'bonus'"), postgresql_where=sa.text("referral_id IS NOT NULL AND kind = 'bonus'"))
        batch_op.drop_column('referral_id')

    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.drop_index('ix_referrals_status_release')
        batch_op.drop_index('ix_referrals_referrer_credited')
        batch_op.drop_index('ix_referrals_referrer')
        batch_op.drop_index('ix_referrals_created')

    op.drop_table('referrals')
    with op.batch_alter_table('referral_link_opens', schema=None) as batch_op:
        batch_op.drop_index('ix_referral_link_opens_day')

    op.drop_table('referral_link_opens')
