"""indexes for the overview at a region's size: patients by name, a unit's moments by clinician and status

Revision ID: 0006i
Revises: 0009l
Create Date: 2026-11-30 01:40:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0006i'
down_revision = '0009l'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('patient', schema=None) as batch_op:
        batch_op.create_index('ix_patient_name', ['last_name', 'first_name'], unique=False)
    with op.batch_alter_table('enrollment', schema=None) as batch_op:
        batch_op.create_index('ix_enrollment_unit_clinician_status', ['care_unit_id', 'clinician_id', 'status'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('enrollment', schema=None) as batch_op:
        batch_op.drop_index('ix_enrollment_unit_clinician_status')
    with op.batch_alter_table('patient', schema=None) as batch_op:
        batch_op.drop_index('ix_patient_name')
