"""ops14b: notification kinds and e-mail preferences; facility documents and their acceptance

Revision ID: 0007_ops14b
Revises: 0007_knowledge_transfer
Create Date: 2026-11-30 14:40:00

"""

import warnings

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0007_ops14b"
down_revision = "0007_sso"
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
    _documents_up()


def _documents_up():
    """Facility documents, their versions and acceptances."""
    op.create_table(
        "facility_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("instrument_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "rules",
                "safety",
                name="document_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["facility_id"], ["facility.id"], name=op.f("fk_facility_document_facility_id_facility")
        ),
        sa.ForeignKeyConstraint(
            ["instrument_id"],
            ["instrument.id"],
            name=op.f("fk_facility_document_instrument_id_instrument"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_facility_document")),
    )
    with op.batch_alter_table("facility_document", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_facility_document_facility_id"), ["facility_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_facility_document_instrument_id"), ["instrument_id"], unique=False
        )

    op.create_table(
        "document_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=True),
        sa.Column("file_name", sa.String(length=200), nullable=True),
        sa.Column("file_type", sa.String(length=100), nullable=True),
        sa.Column("file_data", sa.LargeBinary(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "body_text IS NOT NULL OR file_name IS NOT NULL",
            name=op.f("ck_document_version_has_content"),
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["facility_document.id"],
            name=op.f("fk_document_version_document_id_facility_document"),
        ),
        sa.ForeignKeyConstraint(
            ["published_by_id"],
            ["user_account.id"],
            name=op.f("fk_document_version_published_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_version")),
        sa.UniqueConstraint(
            "document_id", "number", name=op.f("uq_document_version_document_id_number")
        ),
    )
    op.create_table(
        "document_acceptance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_document_acceptance_user_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["document_version.id"],
            name=op.f("fk_document_acceptance_version_id_document_version"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_acceptance")),
        sa.UniqueConstraint(
            "user_id", "version_id", name=op.f("uq_document_acceptance_user_id_version_id")
        ),
    )
    with op.batch_alter_table("document_acceptance", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_document_acceptance_user_id"), ["user_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_document_acceptance_version_id"), ["version_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("document_acceptance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_acceptance_version_id"))
        batch_op.drop_index(batch_op.f("ix_document_acceptance_user_id"))

    op.drop_table("document_acceptance")
    op.drop_table("document_version")
    with op.batch_alter_table("facility_document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_facility_document_instrument_id"))
        batch_op.drop_index(batch_op.f("ix_facility_document_facility_id"))

    op.drop_table("facility_document")
    # Skipped messages were never e-mailed; before kinds existed they would have been.
    op.execute("UPDATE notification SET status = 'failed' WHERE status = 'skipped'")
    op.drop_column("notification", "kind")  # SQLite >= 3.35 drops a plain column in place
    _allow(OLD)
    op.drop_table("notification_preference")
