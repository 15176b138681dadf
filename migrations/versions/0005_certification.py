"""certification: certificates, status lists, qualification paths and awards

Revision ID: 0005_certification
Revises: 0004_requests
Create Date: 2026-11-21 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005_certification'
down_revision = '0004_requests'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('qualification_path',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('eqf_level', sa.Integer(), nullable=True),
    sa.Column('requirements', sa.JSON(), nullable=False),
    sa.Column('award_mode', sa.Enum('automatic', 'confirmed', name='path_award_mode', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('eqf_level IS NULL OR eqf_level BETWEEN 1 AND 8', name=op.f('ck_qualification_path_eqf_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qualification_path')),
    sa.UniqueConstraint('code', name=op.f('uq_qualification_path_code'))
    )
    op.create_table('credential_status_list',
    sa.Column('issuer_key', sa.String(length=90), nullable=False),
    sa.Column('bits_sha256', sa.String(length=64), nullable=False),
    sa.Column('credential', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('issuer_key', name=op.f('pk_credential_status_list'))
    )
    op.create_table('certificate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=40), nullable=False),
    sa.Column('holder_id', sa.Integer(), nullable=False),
    sa.Column('competence_id', sa.Integer(), nullable=True),
    sa.Column('level', sa.Integer(), nullable=True),
    sa.Column('path_id', sa.Integer(), nullable=True),
    sa.Column('module_id', sa.Integer(), nullable=True),
    sa.Column('assessment_id', sa.Integer(), nullable=True),
    sa.Column('basis', sa.Enum('assessment', 'prior_learning', 'path', name='cert_basis', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=True),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('valid_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.Enum('active', 'suspended', 'revoked', 'expired', name='cert_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('status_reason', sa.String(length=500), nullable=True),
    sa.Column('status_changed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status_changed_by_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('listed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('replaces_id', sa.Integer(), nullable=True),
    sa.Column('issuer_key', sa.String(length=90), nullable=False),
    sa.Column('status_index', sa.Integer(), nullable=False),
    sa.Column('show_holder_name', sa.Boolean(), nullable=False),
    sa.CheckConstraint('(competence_id IS NOT NULL AND level IS NOT NULL AND path_id IS NULL) OR (competence_id IS NULL AND level IS NULL AND path_id IS NOT NULL)', name=op.f('ck_certificate_competence_or_path')),
    sa.CheckConstraint('level IS NULL OR level BETWEEN 1 AND 9', name=op.f('ck_certificate_level_range')),
    sa.CheckConstraint('status_index >= 0', name=op.f('ck_certificate_status_index_positive')),
    sa.CheckConstraint('valid_until IS NULL OR valid_until > issued_at', name=op.f('ck_certificate_valid_after_issue')),
    sa.ForeignKeyConstraint(['assessment_id'], ['training_assessment.id'], name=op.f('fk_certificate_assessment_id_training_assessment')),
    sa.ForeignKeyConstraint(['competence_id'], ['competence.id'], name=op.f('fk_certificate_competence_id_competence')),
    sa.ForeignKeyConstraint(['facility_id'], ['facility.id'], name=op.f('fk_certificate_facility_id_facility')),
    sa.ForeignKeyConstraint(['holder_id'], ['user_account.id'], name=op.f('fk_certificate_holder_id_user_account')),
    sa.ForeignKeyConstraint(['issued_by_id'], ['user_account.id'], name=op.f('fk_certificate_issued_by_id_user_account')),
    sa.ForeignKeyConstraint(['module_id'], ['training_module.id'], name=op.f('fk_certificate_module_id_training_module')),
    sa.ForeignKeyConstraint(['path_id'], ['qualification_path.id'], name=op.f('fk_certificate_path_id_qualification_path')),
    sa.ForeignKeyConstraint(['replaces_id'], ['certificate.id'], name=op.f('fk_certificate_replaces_id_certificate')),
    sa.ForeignKeyConstraint(['status_changed_by_id'], ['user_account.id'], name=op.f('fk_certificate_status_changed_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate')),
    sa.UniqueConstraint('issuer_key', 'status_index', name='uq_certificate_status_slot'),
    sa.UniqueConstraint('public_id', name=op.f('uq_certificate_public_id'))
    )
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificate_competence_id'), ['competence_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_facility_id'), ['facility_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_holder_id'), ['holder_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_module_id'), ['module_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_path_id'), ['path_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_valid_until'), ['valid_until'], unique=False)

    op.create_table('path_award',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('path_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'awarded', name='path_award_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('certificate_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificate.id'], name=op.f('fk_path_award_certificate_id_certificate')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_path_award_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['path_id'], ['qualification_path.id'], name=op.f('fk_path_award_path_id_qualification_path')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_path_award_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_path_award')),
    sa.UniqueConstraint('path_id', 'user_id', name='uq_path_award_once')
    )
    with op.batch_alter_table('path_award', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_path_award_path_id'), ['path_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_path_award_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('path_award', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_path_award_user_id'))
        batch_op.drop_index(batch_op.f('ix_path_award_path_id'))
    op.drop_table('path_award')
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        for name in ('valid_until', 'path_id', 'module_id', 'holder_id', 'facility_id', 'competence_id'):
            batch_op.drop_index(batch_op.f(f'ix_certificate_{name}'))
    op.drop_table('certificate')
    op.drop_table('credential_status_list')
    op.drop_table('qualification_path')
