"""usage as it happened (issue 14 part 3): check-in and check-out of bookings, no-show rule.

Bookings record when their user checked in and out, who recorded it and how (booking page, QR
code, kiosk, API, staff, or unbooked use logged by staff). A facility's booking settings say
when check-in opens, after how many minutes a booking not checked in becomes a no-show (empty:
never, the default, so an upgrade changes nothing), whether charges follow the actual use and
whether a no-show costs a flat fee instead of a share of the booked time.

The PostgreSQL exclusion constraint ``ex_booking_no_overlap`` already covers only pending and
confirmed bookings (0002), so a no-show releases its slot like a cancellation; nothing changes.

Revision ID: 0017_usage
Revises: 0016_sso_completion
Create Date: 2026-11-30 16:50:00

"""
import warnings

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0017_usage"
down_revision = "0016_sso_completion"
branch_labels = None
depends_on = None

CHECK = 'ck_booking_checked_out_after_in'
CHECK_SQL = ('checked_out_at IS NULL OR (checked_in_at IS NOT NULL AND '
             'checked_out_at >= checked_in_at)')


def _add_user_column(name):
    # No batch on SQLite (see 0010_operations): its ADD COLUMN takes the foreign key inline.
    fk = f'fk_booking_{name}_user_account'
    if op.get_bind().dialect.name == 'sqlite':
        op.execute(f'ALTER TABLE booking ADD COLUMN {name} INTEGER '
                   f'CONSTRAINT {fk} REFERENCES user_account (id)')
    else:
        op.add_column('booking', sa.Column(name, sa.Integer(), nullable=True))
        op.create_foreign_key(op.f(fk), 'booking', 'user_account', [name], ['id'])


def upgrade():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    op.add_column('booking', sa.Column('checked_in_at', sa.DateTime(timezone=True), nullable=True))
    _add_user_column('checked_in_by_id')
    op.add_column('booking', sa.Column('checked_in_via', sa.String(length=20), nullable=True))
    if sqlite:  # SQLite takes CHECKs only inline in ADD COLUMN
        op.execute('ALTER TABLE booking ADD COLUMN checked_out_at DATETIME '
                   f'CONSTRAINT {CHECK} CHECK ({CHECK_SQL})')
    else:
        op.add_column('booking', sa.Column('checked_out_at', sa.DateTime(timezone=True), nullable=True))
        op.create_check_constraint(op.f(CHECK), 'booking', CHECK_SQL)
    _add_user_column('checked_out_by_id')
    op.add_column('booking', sa.Column('checked_out_via', sa.String(length=20), nullable=True))

    table = 'facility_booking_settings'
    if sqlite:
        op.execute(f'ALTER TABLE {table} ADD COLUMN checkin_opens_minutes INTEGER NOT NULL '
                   'DEFAULT 15 CONSTRAINT ck_facility_booking_settings_checkin_opens_range '
                   'CHECK (checkin_opens_minutes BETWEEN 0 AND 1440)')
        op.execute(f'ALTER TABLE {table} ADD COLUMN no_show_grace_minutes INTEGER '
                   'CONSTRAINT ck_facility_booking_settings_no_show_grace_range '
                   'CHECK (no_show_grace_minutes IS NULL OR no_show_grace_minutes BETWEEN 1 AND 1440)')
    else:
        op.add_column(table, sa.Column('checkin_opens_minutes', sa.Integer(), server_default='15', nullable=False))
        op.add_column(table, sa.Column('no_show_grace_minutes', sa.Integer(), nullable=True))
        op.create_check_constraint(op.f('ck_facility_booking_settings_checkin_opens_range'), table,
                                   'checkin_opens_minutes BETWEEN 0 AND 1440')
        op.create_check_constraint(op.f('ck_facility_booking_settings_no_show_grace_range'), table,
                                   'no_show_grace_minutes IS NULL OR no_show_grace_minutes BETWEEN 1 AND 1440')
    op.add_column(table, sa.Column('no_show_since', sa.DateTime(timezone=True), nullable=True))
    op.add_column(table, sa.Column('charge_actual_use', sa.Boolean(), server_default=sa.false(), nullable=False))
    if sqlite:
        op.execute(f'ALTER TABLE {table} ADD COLUMN no_show_fee NUMERIC(10, 2) '
                   'CONSTRAINT ck_facility_booking_settings_no_show_fee_positive '
                   'CHECK (no_show_fee IS NULL OR no_show_fee >= 0)')
    else:
        op.add_column(table, sa.Column('no_show_fee', sa.Numeric(10, 2), nullable=True))
        op.create_check_constraint(op.f('ck_facility_booking_settings_no_show_fee_positive'), table,
                                   'no_show_fee IS NULL OR no_show_fee >= 0')


def downgrade():
    # Rebuilding the tables on SQLite reflects their neighbours; SQLite cannot reflect the
    # expression indexes of organisation and user_account (see 0007_ops14b), which stay as they are.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
        _downgrade()


def _downgrade():
    with op.batch_alter_table('facility_booking_settings', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_facility_booking_settings_no_show_fee_positive'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_facility_booking_settings_no_show_grace_range'), type_='check')
        batch_op.drop_column('no_show_fee')
        batch_op.drop_constraint(batch_op.f('ck_facility_booking_settings_checkin_opens_range'), type_='check')
        batch_op.drop_column('charge_actual_use')
        batch_op.drop_column('no_show_since')
        batch_op.drop_column('no_show_grace_minutes')
        batch_op.drop_column('checkin_opens_minutes')
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f(CHECK), type_='check')
        if op.get_bind().dialect.name != 'sqlite':  # SQLite reflects inline foreign keys unnamed;
            # the rebuilt table leaves them out with their columns
            batch_op.drop_constraint(batch_op.f('fk_booking_checked_out_by_id_user_account'), type_='foreignkey')
            batch_op.drop_constraint(batch_op.f('fk_booking_checked_in_by_id_user_account'), type_='foreignkey')
        for name in ('checked_out_via', 'checked_out_by_id', 'checked_out_at',
                     'checked_in_via', 'checked_in_by_id', 'checked_in_at'):
            batch_op.drop_column(name)
