"""challenge account (issue 17): the billing account a challenge's selected teams charge.

A challenge may carry one billing account of its posting organisation; instrument time a
selected team member links to the challenge is charged to it.

Revision ID: 0011_challenge_account
Revises: 0010_operations
Create Date: 2026-11-30 15:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_challenge_account'
down_revision = '0010_operations'
branch_labels = None
depends_on = None

FK = 'fk_challenge_account_id_billing_account'


def upgrade():
    # No batch on SQLite (see 0010_operations): its ADD COLUMN takes the foreign key inline.
    if op.get_bind().dialect.name == 'sqlite':
        op.execute(f'ALTER TABLE challenge ADD COLUMN account_id INTEGER '
                   f'CONSTRAINT {FK} REFERENCES billing_account (id)')
    else:
        op.add_column('challenge', sa.Column('account_id', sa.Integer(), nullable=True))
        op.create_foreign_key(op.f(FK), 'challenge', 'billing_account', ['account_id'], ['id'])


def downgrade():
    with op.batch_alter_table('challenge', schema=None) as batch_op:
        if op.get_bind().dialect.name != 'sqlite':  # SQLite reflects inline foreign keys
            # unnamed; the rebuilt table leaves them out with their column
            batch_op.drop_constraint(batch_op.f(FK), type_='foreignkey')
        batch_op.drop_column('account_id')
