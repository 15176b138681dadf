"""instrument waiting list (issue 14 part 5): entries, held bookings, the hold length.

A booking may now be ``held`` (a waiting-list offer keeping the time for one person) or
``released`` (an offer declined or lapsed). Holds keep the instrument like active bookings, so
the PostgreSQL exclusion constraint ``ex_booking_no_overlap`` now covers them too.

SQLite cannot alter a CHECK; rebuilding ``booking`` would drop it under its children's foreign
keys. So its CHECK is widened in place, the way SQLite's own ALTER TABLE documentation gives for
loosening a constraint (writable_schema, then a new schema_version): every stored row still holds.

Revision ID: 0014_instrument_waitlist
Revises: 0013_booking_series
Create Date: 2026-11-30 17:00:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0014_instrument_waitlist"
down_revision = "0013_booking_series"
branch_labels = None
depends_on = None

OLD = ("pending", "confirmed", "cancelled", "rejected", "no_show", "completed")
NEW = OLD + ("held", "released")
CK = "ck_booking_booking_status"


def _in(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


def _booking_statuses(old, new, blocking) -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        version = bind.exec_driver_sql("PRAGMA schema_version").scalar()
        op.execute("PRAGMA writable_schema=ON")
        op.execute(
            sa.text(
                "UPDATE sqlite_master SET sql = replace(sql, :old, :new) "
                "WHERE type = 'table' AND name = 'booking'"
            ).bindparams(old=f"status IN ({_in(old)})", new=f"status IN ({_in(new)})")
        )
        op.execute(f"PRAGMA schema_version={version + 1}")
        op.execute("PRAGMA writable_schema=OFF")
        return
    op.execute(f"ALTER TABLE booking DROP CONSTRAINT {CK}")
    op.execute(f"ALTER TABLE booking ADD CONSTRAINT {CK} CHECK (status IN ({_in(new)}))")
    op.execute("ALTER TABLE booking DROP CONSTRAINT IF EXISTS ex_booking_no_overlap")
    op.execute(
        "ALTER TABLE booking ADD CONSTRAINT ex_booking_no_overlap EXCLUDE USING gist "
        "(instrument_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
        f"WHERE (status IN ({_in(blocking)}))"
    )


def upgrade():
    _booking_statuses(OLD, NEW, ("pending", "confirmed", "held"))
    hold_ck = "ck_facility_booking_settings_hold_range"
    if op.get_bind().dialect.name == "sqlite":  # SQLite takes CHECKs only inline in ADD COLUMN
        op.execute(
            "ALTER TABLE facility_booking_settings ADD COLUMN waitlist_hold_minutes INTEGER "
            f"DEFAULT 30 NOT NULL CONSTRAINT {hold_ck} CHECK (waitlist_hold_minutes BETWEEN 5 AND 1440)"
        )
    else:
        op.add_column(
            "facility_booking_settings",
            sa.Column(
                "waitlist_hold_minutes", sa.Integer(), server_default=sa.text("30"), nullable=False
            ),
        )
        op.create_check_constraint(
            op.f(hold_ck),
            "facility_booking_settings",
            "waitlist_hold_minutes BETWEEN 5 AND 1440",
        )
    op.create_table(
        "instrument_waitlist_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instrument_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "waiting",
                "offered",
                "accepted",
                "declined",
                "expired",
                "withdrawn",
                name="waitlist_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("offered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("offer_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hold_booking_id", sa.Integer(), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "ends_at > starts_at", name=op.f("ck_instrument_waitlist_entry_ends_after_starts")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["billing_account.id"],
            name=op.f("fk_instrument_waitlist_entry_account_id_billing_account"),
        ),
        sa.ForeignKeyConstraint(
            ["hold_booking_id"],
            ["booking.id"],
            name=op.f("fk_instrument_waitlist_entry_hold_booking_id_booking"),
        ),
        sa.ForeignKeyConstraint(
            ["instrument_id"],
            ["instrument.id"],
            name=op.f("fk_instrument_waitlist_entry_instrument_id_instrument"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_instrument_waitlist_entry_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instrument_waitlist_entry")),
    )
    with op.batch_alter_table("instrument_waitlist_entry", schema=None) as batch_op:
        batch_op.create_index(
            "ix_instrument_waitlist_entry_queue",
            ["instrument_id", "status", "starts_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_instrument_waitlist_entry_user_id"), ["user_id"], unique=False
        )
        batch_op.create_index(
            "uq_instrument_waitlist_entry_open",
            ["instrument_id", "user_id", "starts_at", "ends_at"],
            unique=True,
            sqlite_where=sa.text("status IN ('waiting', 'offered')"),
            postgresql_where=sa.text("status IN ('waiting', 'offered')"),
        )


def downgrade():
    op.drop_table("instrument_waitlist_entry")
    with op.batch_alter_table("facility_booking_settings", schema=None) as batch_op:
        # the CHECK first: on SQLite it sits inline with the column it names
        batch_op.drop_constraint(
            batch_op.f("ck_facility_booking_settings_hold_range"), type_="check"
        )
        batch_op.drop_column("waitlist_hold_minutes")
    op.execute("UPDATE booking SET status = 'cancelled' WHERE status IN ('held', 'released')")
    _booking_statuses(NEW, OLD, ("pending", "confirmed"))
