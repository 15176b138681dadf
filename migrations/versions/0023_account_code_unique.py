"""account code unique: one owner (a research group or a company) never has two billing accounts
of the same code, told apart by case only (unique indexes on owner and lower(code)). Existing
duplicates keep the oldest account's code; each later one gets its id appended (``GR-1 (#7)``),
so the upgrade never fails on old data and no charge loses its account.

Revision ID: 0023_account_code_unique
Revises: 0020_languages
Create Date: 2026-11-30 20:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0023_account_code_unique"
down_revision = "0021_fee_approvals"
branch_labels = None
depends_on = None

INDEXES = (
    ("uq_billing_account_group_code", "group_id"),
    ("uq_billing_account_company_code", "company_id"),
)


def _rename_duplicates(conn) -> None:
    rows = conn.execute(
        sa.text("SELECT id, group_id, company_id, code FROM billing_account ORDER BY id")
    ).all()
    seen = set()
    for row in rows:
        key = (row.group_id, row.company_id, row.code.lower())
        if key in seen:
            suffix = f" (#{row.id})"
            conn.execute(
                sa.text("UPDATE billing_account SET code = :code WHERE id = :id"),
                {"code": row.code[: 80 - len(suffix)] + suffix, "id": row.id},
            )
        seen.add(key)


def upgrade():
    _rename_duplicates(op.get_bind())
    for name, owner in INDEXES:
        op.create_index(name, "billing_account", [owner, sa.text("lower(code)")], unique=True)


def downgrade():
    for name, _owner in INDEXES:
        op.drop_index(name, table_name="billing_account")
