"""booking series (issue 14 part 4): recurring bookings, one booking row per occurrence.

A ``booking_series`` row keeps the RFC 5545 RRULE a series was made from (expanded in the
facility's zone), its first start, the wall-clock length and what was skipped; each occurrence
is an ordinary ``booking`` with ``series_id``, its own UID, moved or cancelled on its own.

Revision ID: 0013_booking_series
Revises: 0012_feed_tokens
Create Date: 2026-11-30 17:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0013_booking_series"
down_revision = "0012_feed_tokens"
branch_labels = None
depends_on = None

FK = 'fk_booking_series_id_booking_series'


def upgrade():
    op.create_table('booking_series',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('rrule', sa.String(length=200), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('first_starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('length_minutes', sa.Integer(), nullable=False),
    sa.Column('mode', sa.Enum('all_or_nothing', 'skip_conflicts', name='series_mode', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('skipped', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length_minutes > 0', name=op.f('ck_booking_series_length_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_booking_series_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['instrument_id'], ['instrument.id'], name=op.f('fk_booking_series_instrument_id_instrument')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_booking_series_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_series'))
    )
    with op.batch_alter_table('booking_series', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_booking_series_instrument_id'), ['instrument_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_booking_series_user_id'), ['user_id'], unique=False)

    # No batch on SQLite (see 0010_operations): rebuilding booking would drop what SQLite cannot
    # reflect; its ADD COLUMN takes the foreign key inline.
    if op.get_bind().dialect.name == 'sqlite':
        op.execute(f'ALTER TABLE booking ADD COLUMN series_id INTEGER '
                   f'CONSTRAINT {FK} REFERENCES booking_series (id)')
    else:
        op.add_column('booking', sa.Column('series_id', sa.Integer(), nullable=True))
        op.create_foreign_key(op.f(FK), 'booking', 'booking_series', ['series_id'], ['id'])
    op.create_index(op.f('ix_booking_series_id'), 'booking', ['series_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_booking_series_id'), table_name='booking')
    with op.batch_alter_table('booking', schema=None) as batch_op:
        if op.get_bind().dialect.name != 'sqlite':  # SQLite reflects inline foreign keys
            # unnamed; the rebuilt table leaves them out with their column
            batch_op.drop_constraint(batch_op.f(FK), type_='foreignkey')
        batch_op.drop_column('series_id')
    with op.batch_alter_table('booking_series', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_booking_series_user_id'))
        batch_op.drop_index(batch_op.f('ix_booking_series_instrument_id'))
    op.drop_table('booking_series')
