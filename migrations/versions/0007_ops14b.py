"""ops14b: notification kinds and per-person e-mail preferences

Revision ID: 0007_ops14b
Revises: 0007_knowledge_transfer
Create Date: 2026-11-30 14:40:00

"""

import warnings

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0007_ops14b"
down_revision = "0007_knowledge_transfer"
branch_labels = None
depends_on = None

OLD = ("pending", "sent", "failed")
NEW = ("pending", "sent", "failed", "skipped")


def _status(values):
    return sa.Enum(
        *values, name="delivery_status", native_enum=False, create_constraint=True, length=32
    )


def _allow(values):
    """Re-create the delivery status CHECK with ``values`` (batch: SQLite rebuilds the table)."""
    in_list = ", ".join(f"'{v}'" for v in values)
    if op.get_bind().dialect.name == "sqlite":
        # Rebuilding the table reflects its neighbours; SQLite cannot reflect the expression
        # index on user_account (lower(email)), which the rebuild leaves alone anyway.
        with warnings.catch_warnings(), op.batch_alter_table("notification") as batch_op:
            warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
            batch_op.alter_column(
                "status",
                existing_type=_status(OLD if values == NEW else NEW),
                type_=_status(values),
                existing_nullable=False,
            )
        return
    op.drop_constraint(op.f("ck_notification_delivery_status"), "notification", type_="check")
    op.create_check_constraint(
        op.f("ck_notification_delivery_status"), "notification", f"status IN ({in_list})"
    )


def upgrade():
    op.create_table(
        "notification_preference",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("email", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_notification_preference_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "kind", name=op.f("pk_notification_preference")),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=32), server_default="general", nullable=False)
        )
    _allow(NEW)


def downgrade():
    # Skipped messages were never e-mailed; before kinds existed they would have been.
    op.execute("UPDATE notification SET status = 'failed' WHERE status = 'skipped'")
    op.drop_column("notification", "kind")  # SQLite >= 3.35 drops a plain column in place
    _allow(OLD)
    op.drop_table("notification_preference")
