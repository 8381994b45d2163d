"""identity: HSA-id for OpenID Connect logins, TOTP second factor, the session's level of assurance

Revision ID: 0010i
Revises: 0006i
Create Date: 2026-11-27 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010i'
down_revision = '0006i'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hsa_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('totp_enabled_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('totp_recovery', sa.Text(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_staff_user_hsa_id'), ['hsa_id'])
    with op.batch_alter_table('web_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('auth_level', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('auth_acr', sa.String(length=255), nullable=True))


def downgrade():
    with op.batch_alter_table('web_session', schema=None) as batch_op:
        batch_op.drop_column('auth_acr')
        batch_op.drop_column('auth_level')
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_staff_user_hsa_id'), type_='unique')
        batch_op.drop_column('totp_recovery')
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_enabled_at')
        batch_op.drop_column('totp_secret')
        batch_op.drop_column('hsa_id')
