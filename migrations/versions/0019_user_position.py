"""user position (issue 15): a person's career stage on their profile (doctoral candidate,
postdoc, academic staff...), so the network's reports count students, academic staff and
industry apart. Existing accounts have none (reported as "position not stated").

Revision ID: 0019_user_position
Revises: 0018_booking_day
Create Date: 2026-11-30 17:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019_user_position'
down_revision = '0018_booking_day'
branch_labels = None
depends_on = None

VALUES = ('bachelor_student', 'master_student', 'doctoral_candidate', 'postdoc',
          'academic_staff', 'technical_staff', 'industry', 'other')


CK = 'ck_user_account_user_position'


def upgrade():
    # No batch on SQLite (see 0010_operations): rebuilding user_account would drop its
    # lower(email) index; its ADD COLUMN takes the CHECK inline.
    if op.get_bind().dialect.name == 'sqlite':
        listed = ', '.join(f"'{v}'" for v in VALUES)
        op.execute(f'ALTER TABLE user_account ADD COLUMN position VARCHAR(32) '
                   f'CONSTRAINT {CK} CHECK (position IN ({listed}))')
    else:
        op.add_column('user_account', sa.Column(
            'position',
            sa.Enum(*VALUES, name='user_position', native_enum=False, create_constraint=True,
                    length=32),
            nullable=True,
        ))


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite's own DROP COLUMN (3.35+) takes the column's inline CHECK with it; a batch
        # rebuild would drop user_account, which the other tables' foreign keys refuse, and
        # lose its lower(email) index.
        op.execute('ALTER TABLE user_account DROP COLUMN position')
        return
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint(op.f(CK), type_='check')
        batch_op.drop_column('position')
