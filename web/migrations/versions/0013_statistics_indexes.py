"""indexes for Statistik at a region's size: submitted forms by form (Fagerström's first score from the
index alone) and the modules that count in the programflöde

Revision ID: 0013s
Revises: 0012n
Create Date: 2026-11-30 04:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013s'
down_revision = '0012n'
branch_labels = None
depends_on = None

#: web.models.enrollment.COUNTED_MODULES when this revision was written
COUNTED_MODULES = "activated_at IS NOT NULL OR state IN ('completed', 'current')"


def upgrade():
    with op.batch_alter_table('form_response', schema=None) as batch_op:
        batch_op.create_index('ix_form_response_form_status',
                              ['form_id', 'status', 'enrollment_id', 'submitted_at', 'id'], unique=False,
                              postgresql_include=['score'])
    with op.batch_alter_table('enrollment_module', schema=None) as batch_op:
        batch_op.create_index('ix_enrollment_module_counted', ['enrollment_id'], unique=False,
                              postgresql_include=['module_id', 'state', 'activated_at', 'completed_at'],
                              postgresql_where=sa.text(COUNTED_MODULES), sqlite_where=sa.text(COUNTED_MODULES))


def downgrade():
    with op.batch_alter_table('enrollment_module', schema=None) as batch_op:
        batch_op.drop_index('ix_enrollment_module_counted')
    with op.batch_alter_table('form_response', schema=None) as batch_op:
        batch_op.drop_index('ix_form_response_form_status')
