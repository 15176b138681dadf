"""report indexes: booking (instrument_id, starts_at) covers ends_at, status, user_id and
cancelled_late on PostgreSQL, so a facility's report reads its bookings by index-only scan

Revision ID: 0009_report_indexes
Revises: 0007_ops14b
Create Date: 2026-11-30 15:05:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0009_report_indexes"
down_revision = "0008_module_kind"
branch_labels = None
depends_on = None

INCLUDE = ["ends_at", "status", "user_id", "cancelled_late"]


def upgrade():
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.drop_index("ix_booking_instrument_starts")
        batch_op.create_index(
            "ix_booking_instrument_starts",
            ["instrument_id", "starts_at"],
            unique=False,
            postgresql_include=INCLUDE,
        )


def downgrade():
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.drop_index("ix_booking_instrument_starts")
        batch_op.create_index(
            "ix_booking_instrument_starts", ["instrument_id", "starts_at"], unique=False
        )
