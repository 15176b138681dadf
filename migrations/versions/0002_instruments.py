"""Instruments: catalog, policies, bookings with history, downtime, problems, feeds

Revision ID: 0002_instruments
Revises: 0001_kernel
Create Date: 2026-11-21 21:50:39.338403

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002_instruments'
down_revision = '0001_kernel'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('calendar_feed',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('user', 'instrument', 'facility', name='feed_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['owner_id'], ['user_account.id'], name=op.f('fk_calendar_feed_owner_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_feed')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_calendar_feed_token_hash'))
    )
    with op.batch_alter_table('calendar_feed', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_feed_owner_id'), ['owner_id'], unique=False)

    op.create_table('facility_booking_settings',
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('reminder_hours', sa.Integer(), nullable=False),
    sa.CheckConstraint('reminder_hours BETWEEN 0 AND 336', name=op.f('ck_facility_booking_settings_reminder_range')),
    sa.ForeignKeyConstraint(['facility_id'], ['facility.id'], name=op.f('fk_facility_booking_settings_facility_id_facility')),
    sa.PrimaryKeyConstraint('facility_id', name=op.f('pk_facility_booking_settings'))
    )
    op.create_table('idempotency_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=False),
    sa.Column('response', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_idempotency_key_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_key')),
    sa.UniqueConstraint('user_id', 'key', name=op.f('uq_idempotency_key_user_id_key'))
    )
    op.create_table('instrument',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('technology', sa.Enum('light_microscopy', 'electron_microscopy', 'cryo_em', 'flow_cytometry', 'sequencing', 'mass_spectrometry', 'nmr', 'xray', 'bioinformatics', 'other', name='technology', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('model', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('location', sa.String(length=200), nullable=False),
    sa.Column('photo', sa.String(length=100), nullable=True),
    sa.Column('status', sa.Enum('available', 'limited', 'down', 'retired', name='instrument_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('required_competence_id', sa.Integer(), nullable=True),
    sa.Column('required_level', sa.Integer(), nullable=True),
    sa.Column('slot_minutes', sa.Integer(), nullable=True),
    sa.Column('min_minutes', sa.Integer(), nullable=True),
    sa.Column('max_minutes', sa.Integer(), nullable=True),
    sa.Column('horizon_days', sa.Integer(), nullable=True),
    sa.Column('notice_minutes', sa.Integer(), nullable=True),
    sa.Column('cancel_cutoff_minutes', sa.Integer(), nullable=True),
    sa.Column('max_future_bookings', sa.Integer(), nullable=True),
    sa.Column('max_hours_week', sa.Integer(), nullable=True),
    sa.Column('approval_mode', sa.Enum('none', 'external', 'everyone', name='approval_mode', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('out_of_hours_level', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('horizon_days IS NULL OR horizon_days >= 0', name=op.f('ck_instrument_horizon_positive')),
    sa.CheckConstraint('max_minutes IS NULL OR max_minutes > 0', name=op.f('ck_instrument_max_positive')),
    sa.CheckConstraint('min_minutes IS NULL OR min_minutes > 0', name=op.f('ck_instrument_min_positive')),
    sa.CheckConstraint('required_level IS NULL OR required_level BETWEEN 1 AND 9', name=op.f('ck_instrument_level_range')),
    sa.CheckConstraint('slot_minutes IS NULL OR (slot_minutes > 0 AND slot_minutes <= 1440)', name=op.f('ck_instrument_slot_range')),
    sa.ForeignKeyConstraint(['facility_id'], ['facility.id'], name=op.f('fk_instrument_facility_id_facility')),
    sa.ForeignKeyConstraint(['required_competence_id'], ['competence.id'], name=op.f('fk_instrument_required_competence_id_competence')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instrument'))
    )
    with op.batch_alter_table('instrument', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_instrument_facility_id'), ['facility_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_instrument_required_competence_id'), ['required_competence_id'], unique=False)

    op.create_table('booking',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('booked_by_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('pending', 'confirmed', 'cancelled', 'rejected', 'no_show', 'completed', name='booking_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('project', sa.String(length=200), nullable=False),
    sa.Column('uid', sa.String(length=120), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('override_reason', sa.Text(), nullable=True),
    sa.Column('for_training', sa.Boolean(), nullable=False),
    sa.Column('flagged', sa.String(length=300), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('cancelled_by_id', sa.Integer(), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancel_reason', sa.Text(), nullable=True),
    sa.Column('cancelled_late', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_booking_ends_after_starts')),
    sa.ForeignKeyConstraint(['booked_by_id'], ['user_account.id'], name=op.f('fk_booking_booked_by_id_user_account')),
    sa.ForeignKeyConstraint(['cancelled_by_id'], ['user_account.id'], name=op.f('fk_booking_cancelled_by_id_user_account')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_booking_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['instrument_id'], ['instrument.id'], name=op.f('fk_booking_instrument_id_instrument')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_booking_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking')),
    sa.UniqueConstraint('uid', name=op.f('uq_booking_uid'))
    )
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.create_index('ix_booking_instrument_starts', ['instrument_id', 'starts_at'], unique=False)
        # Schedule reads ask for bookings ending after the window starts: with this index they skip
        # the instrument's whole history (ix_booking_instrument_starts alone scans all of it).
        batch_op.create_index('ix_booking_instrument_ends', ['instrument_id', 'ends_at'], unique=False)
        batch_op.create_index('ix_booking_status_starts', ['status', 'starts_at'], unique=False)
        batch_op.create_index('ix_booking_user_starts', ['user_id', 'starts_at'], unique=False)

    op.create_table('downtime',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('cancel_bookings', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_downtime_ends_after_starts')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_downtime_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['instrument_id'], ['instrument.id'], name=op.f('fk_downtime_instrument_id_instrument')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_downtime'))
    )
    with op.batch_alter_table('downtime', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_downtime_instrument_id'), ['instrument_id'], unique=False)

    op.create_table('instrument_opening_hours',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('opens', sa.Time(), nullable=False),
    sa.Column('closes', sa.Time(), nullable=False),
    sa.CheckConstraint('closes > opens', name=op.f('ck_instrument_opening_hours_closes_after_opens')),
    sa.CheckConstraint('weekday BETWEEN 0 AND 6', name=op.f('ck_instrument_opening_hours_weekday_range')),
    sa.ForeignKeyConstraint(['instrument_id'], ['instrument.id'], name=op.f('fk_instrument_opening_hours_instrument_id_instrument')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instrument_opening_hours'))
    )
    with op.batch_alter_table('instrument_opening_hours', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_instrument_opening_hours_instrument_id'), ['instrument_id'], unique=False)

    op.create_table('instrument_rate',
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.Enum('internal', 'external_academic', 'industry', name='user_category', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('hourly', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.CheckConstraint('hourly >= 0', name=op.f('ck_instrument_rate_hourly_positive')),
    sa.ForeignKeyConstraint(['instrument_id'], ['instrument.id'], name=op.f('fk_instrument_rate_instrument_id_instrument')),
    sa.PrimaryKeyConstraint('instrument_id', 'category', name=op.f('pk_instrument_rate'))
    )
    op.create_table('problem_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=False),
    sa.Column('severity', sa.Enum('low', 'moderate', 'high', name='severity', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['instrument_id'], ['instrument.id'], name=op.f('fk_problem_report_instrument_id_instrument')),
    sa.ForeignKeyConstraint(['reporter_id'], ['user_account.id'], name=op.f('fk_problem_report_reporter_id_user_account')),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['user_account.id'], name=op.f('fk_problem_report_resolved_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_problem_report'))
    )
    with op.batch_alter_table('problem_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_problem_report_instrument_id'), ['instrument_id'], unique=False)

    op.create_table('booking_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('old_starts_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('old_ends_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('new_starts_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('new_ends_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_booking_change_actor_id_user_account')),
    sa.ForeignKeyConstraint(['booking_id'], ['booking.id'], name=op.f('fk_booking_change_booking_id_booking')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_change'))
    )
    with op.batch_alter_table('booking_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_booking_change_booking_id'), ['booking_id'], unique=False)




    if op.get_bind().dialect.name == "postgresql":
        # The last line of defence against double booking, whatever the application does.
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            "ALTER TABLE booking ADD CONSTRAINT ex_booking_no_overlap EXCLUDE USING gist "
            "(instrument_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
            "WHERE (status IN ('pending', 'confirmed'))"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE booking DROP CONSTRAINT IF EXISTS ex_booking_no_overlap")

    with op.batch_alter_table('booking_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_booking_change_booking_id'))

    op.drop_table('booking_change')
    with op.batch_alter_table('problem_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_problem_report_instrument_id'))

    op.drop_table('problem_report')
    op.drop_table('instrument_rate')
    with op.batch_alter_table('instrument_opening_hours', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_instrument_opening_hours_instrument_id'))

    op.drop_table('instrument_opening_hours')
    with op.batch_alter_table('downtime', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_downtime_instrument_id'))

    op.drop_table('downtime')
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_index('ix_booking_user_starts')
        batch_op.drop_index('ix_booking_status_starts')
        batch_op.drop_index('ix_booking_instrument_starts')
        batch_op.drop_index('ix_booking_instrument_ends')

    op.drop_table('booking')
    with op.batch_alter_table('instrument', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_instrument_required_competence_id'))
        batch_op.drop_index(batch_op.f('ix_instrument_facility_id'))

    op.drop_table('instrument')
    op.drop_table('idempotency_key')
    op.drop_table('facility_booking_settings')
    with op.batch_alter_table('calendar_feed', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_feed_owner_id'))

    op.drop_table('calendar_feed')

