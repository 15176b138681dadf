"""fee approvals (issue 14 part 2): a training enrolment's fee and an accepted quote wait for the
billing account owner's approval when they pass the account's approval threshold.

Revision ID: 0021_fee_approvals
Revises: 0020_languages
Create Date: 2026-11-30 20:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0021_fee_approvals"
down_revision = "0020_languages"
branch_labels = None
depends_on = None

APPROVALS = "'awaiting', 'approved', 'refused'"
TABLES = ('training_enrolment', 'quote')


def upgrade():
    for table in TABLES:
        check = f'ck_{table}_account_approval'
        # Plain ADD COLUMN on SQLite (no batch: see 0010_operations); it takes CHECKs only inline.
        if op.get_bind().dialect.name == 'sqlite':
            op.execute(
                f'ALTER TABLE {table} ADD COLUMN account_approval VARCHAR(32) '
                f'CONSTRAINT {check} CHECK (account_approval IN ({APPROVALS}))'
            )
            continue
        op.add_column(table, sa.Column('account_approval', sa.String(32), nullable=True))
        op.create_check_constraint(op.f(check), table, f'account_approval IN ({APPROVALS})')


def downgrade():
    # The CHECKs go first: on SQLite they sit inline with their columns.
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'ck_{table}_account_approval'), type_='check')
            batch_op.drop_column('account_approval')
