"""account approval (issue 14 part 2): a billing account's approval threshold, and a booking's
wait for the account owner's approval when its estimate passes it.

Revision ID: 0015_account_approval
Revises: 0014_instrument_waitlist
Create Date: 2026-11-30 17:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0015_account_approval"
down_revision = "0014_instrument_waitlist"
branch_labels = None
depends_on = None

THRESHOLD_CK = 'ck_billing_account_threshold_positive'
APPROVAL_CK = 'ck_booking_account_approval'
APPROVALS = "'awaiting', 'approved', 'refused'"


def upgrade():
    # Plain ADD COLUMN on SQLite (no batch: see 0010_operations); it takes CHECKs only inline.
    if op.get_bind().dialect.name == 'sqlite':
        op.execute(
            'ALTER TABLE billing_account ADD COLUMN approval_threshold NUMERIC(12, 2) '
            f'CONSTRAINT {THRESHOLD_CK} CHECK (approval_threshold IS NULL OR approval_threshold >= 0)'
        )
        op.execute(
            'ALTER TABLE booking ADD COLUMN account_approval VARCHAR(32) '
            f'CONSTRAINT {APPROVAL_CK} CHECK (account_approval IN ({APPROVALS}))'
        )
        return
    op.add_column('billing_account', sa.Column('approval_threshold', sa.Numeric(12, 2), nullable=True))
    op.create_check_constraint(
        op.f(THRESHOLD_CK), 'billing_account', 'approval_threshold IS NULL OR approval_threshold >= 0'
    )
    op.add_column('booking', sa.Column('account_approval', sa.String(32), nullable=True))
    op.create_check_constraint(
        op.f(APPROVAL_CK), 'booking', f'account_approval IN ({APPROVALS})'
    )


def downgrade():
    # The CHECKs go first: on SQLite they sit inline with their columns, and a rebuilt table
    # that kept them would name a column it no longer has.
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f(APPROVAL_CK), type_='check')
        batch_op.drop_column('account_approval')
    with op.batch_alter_table('billing_account', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f(THRESHOLD_CK), type_='check')
        batch_op.drop_column('approval_threshold')
