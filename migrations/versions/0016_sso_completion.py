"""sso completion: client secrets sealed at rest (Fernet, key created once in the instance folder
as ``sso_secret.key``; the column widens to hold the ciphertext and every stored secret is
sealed); providers' published documents kept for every worker (sso_provider_document); SAML
IdP metadata by URL (sso_connection.idp_metadata_url); a connection can be switched off
(sso_connection.enabled; existing ones stay on)

Revision ID: 0016_sso_completion
Revises: 0015_account_approval
Create Date: 2026-11-30 16:50:00

"""

import warnings
from pathlib import Path

import sqlalchemy as sa
from alembic import op
from cryptography.fernet import Fernet
from flask import current_app

from innocore.files import create_once

revision = "0016_sso_completion"
down_revision = "0015_account_approval"
branch_labels = None
depends_on = None

PREFIX = "fernet:"  # as innocore.sso.vault.PREFIX (kept here: migrations do not follow the code)


def _fernet() -> Fernet:
    path = Path(current_app.instance_path) / "sso_secret.key"
    return Fernet(create_once(path, Fernet.generate_key()).strip())


def _rows(connection):
    table = sa.table("sso_connection", sa.column("id"), sa.column("client_secret"))
    return table, connection.execute(sa.select(table.c.id, table.c.client_secret)).all()


def _widen(old: int, new: int) -> None:
    # SQLite rebuilds the table and reflects its neighbours; it cannot reflect the expression
    # indexes on organisation/user_account (lower(...)), which the rebuild leaves alone anyway.
    with warnings.catch_warnings(), op.batch_alter_table("sso_connection") as batch_op:
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
        batch_op.alter_column(
            "client_secret",
            existing_type=sa.String(old),
            type_=sa.String(new),
            existing_nullable=False,
        )


def upgrade():
    with warnings.catch_warnings(), op.batch_alter_table("sso_connection") as batch_op:
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
        batch_op.add_column(
            sa.Column("idp_metadata_url", sa.String(1000), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("enabled", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    op.create_table(
        "sso_provider_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sso_provider_document")),
        sa.UniqueConstraint("url", name=op.f("uq_sso_provider_document_url")),
    )
    _widen(500, 1000)
    connection = op.get_bind()
    table, rows = _rows(connection)
    plain = [(i, s) for i, s in rows if s and not s.startswith(PREFIX)]
    if not plain:
        return
    fernet = _fernet()
    for row_id, secret in plain:
        sealed = PREFIX + fernet.encrypt(secret.encode()).decode()
        connection.execute(
            sa.update(table).where(table.c.id == row_id).values(client_secret=sealed)
        )


def downgrade():
    connection = op.get_bind()
    table, rows = _rows(connection)
    sealed = [(i, s) for i, s in rows if s and s.startswith(PREFIX)]
    if sealed:
        fernet = _fernet()
        for row_id, secret in sealed:
            plain = fernet.decrypt(secret.removeprefix(PREFIX).encode()).decode()
            connection.execute(
                sa.update(table).where(table.c.id == row_id).values(client_secret=plain)
            )
    _widen(1000, 500)
    with warnings.catch_warnings(), op.batch_alter_table("sso_connection") as batch_op:
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
        batch_op.drop_column("enabled")
        batch_op.drop_column("idp_metadata_url")
    op.drop_table("sso_provider_document")
