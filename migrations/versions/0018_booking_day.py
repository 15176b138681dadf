"""booking day rollup (issue 15): the bookings of each instrument starting on each UTC day,
per billing account (0: none), summed (booked count and seconds, used seconds, no-shows, late
cancellations, earliest start or check-in, latest end or check-out), kept exact by triggers on
booking in the same transaction as every booking write; the network report reads it instead of a
million bookings. Filled from the existing bookings.

Booked and used read as the live reports read them (``instruments/reports.py``): booked =
confirmed, completed and no-show (a waiting-list hold, ``held`` or ``released``, is not a booking
until accepted); used = check-in to check-out (to the booked end while nobody checked out) where
a confirmed booking records a check-in, else the booked time of a completed booking (0017_usage).
The triggers watch every column these read, check-in and check-out included.

Revision ID: 0018_booking_day
Revises: 0017_usage
Create Date: 2026-11-30 17:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018_booking_day'
down_revision = '0017_usage'
branch_labels = None
depends_on = None

# What one booking row adds (sign +1) or takes away (-1). R is NEW or OLD.
BOOKED = "('confirmed', 'completed', 'no_show')"
WATCHED = ("instrument_id, starts_at, ends_at, status, cancelled_late, account_id, "
           "checked_in_at, checked_out_at")


def _sql(r, dialect):
    """The SQL pieces of one booking row ``r`` (``NEW.``, ``OLD.`` or ``''`` for the table):
    its UTC day and the day's end, its seconds, used seconds, late flag, earliest begin (start or
    check-in) and latest end (end or check-out)."""
    if dialect == 'sqlite':
        day = f"date({r}starts_at) || ' 00:00:00.000000'"
        end = f"date({r}starts_at, '+1 day') || ' 00:00:00.000000'"

        def epoch(col):
            return f"CAST(strftime('%s', {col}) AS INTEGER)"

        late = f"{r}cancelled_late = 1"
        least, greatest = 'min', 'max'
    else:
        day = f"(date_trunc('day', {r}starts_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')"
        end = f"({day} + interval '1 day')"

        def epoch(col):
            return f"CAST(FLOOR(date_part('epoch', {col})) AS BIGINT)"

        late = f"{r}cancelled_late"
        least, greatest = 'LEAST', 'GREATEST'
    secs = f"({epoch(f'{r}ends_at')} - {epoch(f'{r}starts_at')})"
    # As instruments.reports._used_seconds over a period holding the whole use (nothing clipped).
    actual_end = f"COALESCE({r}checked_out_at, {r}ends_at)"
    used = (f"(CASE WHEN {r}checked_in_at IS NOT NULL AND {r}status = 'confirmed' "
            f"THEN {epoch(actual_end)} - {epoch(f'{r}checked_in_at')} "
            f"WHEN {r}status = 'completed' THEN {secs} ELSE 0 END)")
    # SQLite's min()/max() of several values is NULL when one is: COALESCE first.
    begins = f"{least}({r}starts_at, COALESCE({r}checked_in_at, {r}starts_at))"
    ends = f"{greatest}({r}ends_at, COALESCE({r}checked_out_at, {r}ends_at))"
    return day, end, secs, used, late, begins, ends


def _parts(r, sign, dialect):
    """The upsert adding (sign +1) or taking away (-1) one booking row's part; R is NEW or OLD."""
    day, end, secs, used, late, begins, ends = _sql(f'{r}.', dialect)
    booked = f"{r}.status IN {BOOKED}"
    values = [
        f"{r}.instrument_id", day, f"COALESCE({r}.account_id, 0)", end,
        f"{sign} * (CASE WHEN {booked} THEN 1 ELSE 0 END)",
        f"{sign} * (CASE WHEN {booked} THEN {secs} ELSE 0 END)",
        f"{sign} * {used}",
        f"{sign} * (CASE WHEN {r}.status = 'no_show' THEN 1 ELSE 0 END)",
        f"{sign} * (CASE WHEN {r}.status = 'cancelled' AND {late} THEN 1 ELSE 0 END)",
        begins, ends,
    ]
    least, greatest = ('min', 'max') if dialect == 'sqlite' else ('LEAST', 'GREATEST')
    return (
        "INSERT INTO booking_day (instrument_id, day_start, account_key, day_end, booked_count, "
        "booked_seconds, used_seconds, no_shows, late_cancellations, min_begins_at, max_ends_at) "
        f"VALUES ({', '.join(values)}) "
        "ON CONFLICT (instrument_id, day_start, account_key) DO UPDATE SET "
        "booked_count = booking_day.booked_count + excluded.booked_count, "
        "booked_seconds = booking_day.booked_seconds + excluded.booked_seconds, "
        "used_seconds = booking_day.used_seconds + excluded.used_seconds, "
        "no_shows = booking_day.no_shows + excluded.no_shows, "
        "late_cancellations = booking_day.late_cancellations + excluded.late_cancellations, "
        f"min_begins_at = {least}(booking_day.min_begins_at, excluded.min_begins_at), "
        f"max_ends_at = {greatest}(booking_day.max_ends_at, excluded.max_ends_at)"
    )


def upgrade():
    dialect = op.get_bind().dialect.name
    op.create_table('booking_day',
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('day_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('account_key', sa.Integer(), nullable=False),
    sa.Column('day_end', sa.DateTime(timezone=True), nullable=False),
    sa.Column('booked_count', sa.Integer(), nullable=False),
    sa.Column('booked_seconds', sa.BigInteger(), nullable=False),
    sa.Column('used_seconds', sa.BigInteger(), nullable=False),
    sa.Column('no_shows', sa.Integer(), nullable=False),
    sa.Column('late_cancellations', sa.Integer(), nullable=False),
    sa.Column('min_begins_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('max_ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['instrument_id'], ['instrument.id'], name=op.f('fk_booking_day_instrument_id_instrument'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('instrument_id', 'day_start', 'account_key', name=op.f('pk_booking_day'))
    )
    with op.batch_alter_table('booking_day', schema=None) as batch_op:
        batch_op.create_index('ix_booking_day_day_start', ['day_start'], unique=False)

    if dialect == 'sqlite':
        op.execute("CREATE TRIGGER booking_day_insert AFTER INSERT ON booking BEGIN "
                   f"{_parts('NEW', 1, dialect)}; END")
        op.execute("CREATE TRIGGER booking_day_delete AFTER DELETE ON booking BEGIN "
                   f"{_parts('OLD', -1, dialect)}; END")
        op.execute(f"CREATE TRIGGER booking_day_update AFTER UPDATE OF {WATCHED} ON booking "
                   f"BEGIN {_parts('OLD', -1, dialect)}; {_parts('NEW', 1, dialect)}; END")
    else:
        op.execute(
            "CREATE FUNCTION booking_day_apply() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF TG_OP IN ('UPDATE', 'DELETE') THEN {_parts('OLD', -1, dialect)}; END IF; "
            f"IF TG_OP IN ('UPDATE', 'INSERT') THEN {_parts('NEW', 1, dialect)}; END IF; "
            "RETURN NULL; END $$")
        op.execute("CREATE TRIGGER booking_day_insert_delete AFTER INSERT OR DELETE ON booking "
                   "FOR EACH ROW EXECUTE FUNCTION booking_day_apply()")
        changed = ' OR '.join(f'OLD.{c} IS DISTINCT FROM NEW.{c}'
                              for c in WATCHED.split(', '))
        op.execute(f"CREATE TRIGGER booking_day_update AFTER UPDATE OF {WATCHED} ON booking "
                   f"FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION booking_day_apply()")

    # The bookings already there, summed the way the triggers add them up.
    day, end, secs, used, late, begins, ends = _sql('', dialect)
    booked = f"status IN {BOOKED}"
    op.execute(
        "INSERT INTO booking_day (instrument_id, day_start, account_key, day_end, booked_count, "
        "booked_seconds, used_seconds, no_shows, late_cancellations, min_begins_at, max_ends_at) "
        f"SELECT instrument_id, {day}, COALESCE(account_id, 0), MIN({end}), "
        f"SUM(CASE WHEN {booked} THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN {booked} THEN {secs} ELSE 0 END), "
        f"SUM({used}), "
        "SUM(CASE WHEN status = 'no_show' THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN status = 'cancelled' AND {late} THEN 1 ELSE 0 END), "
        f"MIN({begins}), MAX({ends}) "
        f"FROM booking GROUP BY instrument_id, {day}, COALESCE(account_id, 0)"
    )


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        for name in ('insert', 'delete', 'update'):
            op.execute(f'DROP TRIGGER IF EXISTS booking_day_{name}')
    else:
        op.execute('DROP TRIGGER IF EXISTS booking_day_insert_delete ON booking')
        op.execute('DROP TRIGGER IF EXISTS booking_day_update ON booking')
        op.execute('DROP FUNCTION IF EXISTS booking_day_apply()')
    with op.batch_alter_table('booking_day', schema=None) as batch_op:
        batch_op.drop_index('ix_booking_day_day_start')
    op.drop_table('booking_day')
