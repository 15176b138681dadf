"""training modules get a kind: course (every existing module), challenge-based learning or
placement; challenges and placements name a module of their own kind. A challenge team member
who already held the module's competence at its level when the outcome was recorded keeps a
pointer to that certificate.

Revision ID: 0008_module_kind
Revises: 0007_sso
Create Date: 2026-11-30 14:40:00

"""

from alembic import op

revision = "0008_module_kind"
down_revision = "0007_ops14b"
branch_labels = None
depends_on = None


def upgrade():
    # Existing modules are taught courses: the constant default fills them in place. The CHECK
    # is the column's own (named as the schema names enum checks), which SQLite takes in ADD
    # COLUMN and which a later DROP COLUMN removes with it, on both databases.
    op.execute(
        "ALTER TABLE training_module ADD COLUMN kind VARCHAR(32) DEFAULT 'course' NOT NULL "
        "CONSTRAINT ck_training_module_training_module_kind "
        "CHECK (kind IN ('course', 'challenge_based_learning', 'placement'))"
    )
    # A nullable column with an inline, named reference: SQLite and PostgreSQL both add it.
    op.execute(
        "ALTER TABLE challenge_team_member ADD COLUMN held_certificate_id INTEGER "
        "CONSTRAINT fk_challenge_team_member_held_certificate_id_certificate "
        "REFERENCES certificate (id)"
    )


def downgrade():
    # SQLite drops a column that a reference uses only by copying the table (batch mode).
    with op.batch_alter_table("challenge_team_member") as batch:
        batch.drop_column("held_certificate_id")
    op.drop_column("training_module", "kind")
