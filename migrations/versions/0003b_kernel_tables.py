"""kernel tables from a kernel revision (issue 10): company invitations and the ledger's charging
policies, which 0004_requests used to create although the kernel owns them
(innocore.membership.companies, innocore.ledger).

This revision stands just before 0004_requests, so a database at any revision gets them
exactly once: one at 0004_requests or later already has them (the old 0004 made them) and never
runs this; an empty one, or one at 0001 to 0003, runs this and then the new 0004, which no
longer makes them. It still checks that a table is absent before making it, for a database whose
recorded revisions say less than it holds. Going down, this revision (not 0004) drops them.

The ledger's ``charge`` table stays in 0004_requests: it refers to ``instrument`` and
``service``, so it cannot be made before them.

Revision ID: 0003b_kernel_tables
Revises: 0003_training
Create Date: 2026-11-30 17:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0003b_kernel_tables"
down_revision = "0003_training"
branch_labels = None
depends_on = None


def _absent(table: str) -> bool:
    return not sa.inspect(op.get_bind()).has_table(table)


def upgrade():
    if _absent("charge_policy"):
        op.create_table(
            "charge_policy",
            sa.Column("facility_id", sa.Integer(), nullable=False),
            sa.Column("currency", sa.String(length=3), nullable=False),
            sa.Column("late_cancel_share", sa.Numeric(precision=4, scale=3), nullable=False),
            sa.Column("no_show_share", sa.Numeric(precision=4, scale=3), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
            sa.CheckConstraint(
                "late_cancel_share BETWEEN 0 AND 1", name=op.f("ck_charge_policy_late_share_range")
            ),
            sa.CheckConstraint(
                "no_show_share BETWEEN 0 AND 1", name=op.f("ck_charge_policy_no_show_share_range")
            ),
            sa.ForeignKeyConstraint(
                ["facility_id"], ["facility.id"], name=op.f("fk_charge_policy_facility_id_facility")
            ),
            sa.PrimaryKeyConstraint("facility_id", name=op.f("pk_charge_policy")),
        )
    if _absent("company_invitation"):
        op.create_table(
            "company_invitation",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("organisation_id", sa.Integer(), nullable=False),
            sa.Column("email", sa.String(length=254), nullable=False),
            sa.Column("token_hash", sa.String(length=64), nullable=False),
            sa.Column("invited_by_id", sa.Integer(), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("accepted_by_id", sa.Integer(), nullable=True),
            sa.ForeignKeyConstraint(
                ["accepted_by_id"],
                ["user_account.id"],
                name=op.f("fk_company_invitation_accepted_by_id_user_account"),
            ),
            sa.ForeignKeyConstraint(
                ["invited_by_id"],
                ["user_account.id"],
                name=op.f("fk_company_invitation_invited_by_id_user_account"),
            ),
            sa.ForeignKeyConstraint(
                ["organisation_id"],
                ["organisation.id"],
                name=op.f("fk_company_invitation_organisation_id_organisation"),
            ),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_company_invitation")),
            sa.UniqueConstraint("token_hash", name=op.f("uq_company_invitation_token_hash")),
        )
        op.create_index(
            op.f("ix_company_invitation_organisation_id"),
            "company_invitation",
            ["organisation_id"],
            unique=False,
        )


def downgrade():
    op.drop_index(op.f("ix_company_invitation_organisation_id"), table_name="company_invitation")
    op.drop_table("company_invitation")
    op.drop_table("charge_policy")
