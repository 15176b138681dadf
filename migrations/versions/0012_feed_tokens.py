"""one table of secret calendar addresses (issue 10): a person's training feed becomes a
calendar_feed of kind 'training' on that person, and training_feed_token goes.

Every token keeps its SHA-256 digest, so the addresses people subscribed to keep working
(/training/feeds/<token>.ics); revoked ones stay revoked. The kind is stored as its value with
a named CHECK (no native PostgreSQL enum type: ``innocore.db.enum_column``), so adding
'training' is a new CHECK on both databases. The rows get new ids in calendar_feed; audit
events of their creation keep naming the old table and id.

Revision ID: 0012_feed_tokens
Revises: 0011_challenge_account
Create Date: 2026-11-30 17:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0012_feed_tokens"
down_revision = "0011_challenge_account"
branch_labels = None
depends_on = None

CHECK = "ck_calendar_feed_feed_kind"
OLD_KINDS = ("user", "instrument", "facility")
NEW_KINDS = (*OLD_KINDS, "training")


def _kinds(kinds) -> str:
    return "kind IN (" + ", ".join(f"'{k}'" for k in kinds) + ")"


def _calendar_feed(kinds) -> sa.Table:
    """calendar_feed as 0002_instruments made it, with the CHECK naming ``kinds``: SQLite
    rebuilds the table from this, so nothing is reflected (see 0010_operations)."""
    return sa.Table(
        "calendar_feed",
        sa.MetaData(),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(_kinds(kinds), name=CHECK),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["user_account.id"], name="fk_calendar_feed_owner_id_user_account"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_calendar_feed"),
        sa.UniqueConstraint("token_hash", name="uq_calendar_feed_token_hash"),
        sa.Index("ix_calendar_feed_owner_id", "owner_id"),
    )


def _allow(kinds) -> None:
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table(
            "calendar_feed", recreate="always", copy_from=_calendar_feed(kinds)
        ):
            pass
    else:
        # op.f: the name is final, not one for the naming convention to build on
        op.drop_constraint(op.f(CHECK), "calendar_feed", type_="check")
        op.create_check_constraint(op.f(CHECK), "calendar_feed", _kinds(kinds))


def upgrade():
    _allow(NEW_KINDS)
    op.execute(
        "INSERT INTO calendar_feed (owner_id, kind, target_id, token_hash, created_at, revoked_at) "
        "SELECT user_id, 'training', user_id, token_hash, created_at, revoked_at "
        "FROM training_feed_token ORDER BY id"
    )
    op.drop_index("ix_training_feed_token_user_id", table_name="training_feed_token")
    op.drop_table("training_feed_token")


def downgrade():
    op.create_table(
        "training_feed_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name="fk_training_feed_token_user_id_user_account"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_training_feed_token"),
        sa.UniqueConstraint("token_hash", name="uq_training_feed_token_token_hash"),
    )
    op.create_index(
        "ix_training_feed_token_user_id", "training_feed_token", ["user_id"], unique=False
    )
    op.execute(
        "INSERT INTO training_feed_token (user_id, token_hash, created_at, revoked_at) "
        "SELECT owner_id, token_hash, created_at, revoked_at FROM calendar_feed "
        "WHERE kind = 'training' ORDER BY id"
    )
    op.execute("DELETE FROM calendar_feed WHERE kind = 'training'")
    _allow(OLD_KINDS)
