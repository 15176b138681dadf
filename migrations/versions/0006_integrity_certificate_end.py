"""integrity: a facility chooses whether bookings whose user's certificate ended are cancelled

Revision ID: 0006_integrity_certificate_end
Revises: 0006_outbox_leases
Create Date: 2026-11-30 11:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0006_integrity_certificate_end"
down_revision = '0006_outbox_leases'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN with a constant default: SQLite and PostgreSQL both take it in place.
    op.add_column(
        "facility_booking_settings",
        sa.Column(
            "cancel_on_certificate_end", sa.Boolean(), nullable=False, server_default=sa.false()
        ),
    )


def downgrade():
    op.drop_column("facility_booking_settings", "cancel_on_certificate_end")
