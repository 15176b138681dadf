"""kiosk devices (issue 14 part 3): a facility tablet opens the facility's kiosk with a link of
its own (kiosk_device, the secret stored as SHA-256, named, revocable, last used at), and the
person checking in there proves who they are with a personal kiosk PIN they set on their profile
(user_account.kiosk_pin_hash, hashed like a password; none for existing accounts).

Revision ID: 0024_kiosk_devices
Revises: 0023_account_code_unique
Create Date: 2026-11-30 20:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0024_kiosk_devices"
down_revision = "0023_account_code_unique"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "kiosk_device",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["facility_id"], ["facility.id"], name=op.f("fk_kiosk_device_facility_id_facility")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_kiosk_device_created_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_id"],
            ["user_account.id"],
            name=op.f("fk_kiosk_device_revoked_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kiosk_device")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_kiosk_device_token_hash")),
    )
    op.create_index(op.f("ix_kiosk_device_facility_id"), "kiosk_device", ["facility_id"])
    # A plain nullable column: SQLite's own ADD COLUMN, no batch rebuild of user_account (which
    # would lose its lower(email) index, see 0019).
    op.add_column("user_account", sa.Column("kiosk_pin_hash", sa.String(200), nullable=True))


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE user_account DROP COLUMN kiosk_pin_hash")
    else:
        op.drop_column("user_account", "kiosk_pin_hash")
    op.drop_index(op.f("ix_kiosk_device_facility_id"), table_name="kiosk_device")
    op.drop_table("kiosk_device")
