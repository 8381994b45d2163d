"""a second index on a unit's moments by status, with the moment id and the patient id: the overview's counts
of the moments with unhandled events merge it with the open flags' index, and its name filter joins the unit's
moments to the matching patients, from the indexes alone (no visit to the moments' rows). The index without
them stays: its equal keys are deduplicated (a sixth of the size), so a tab's plain count reads it faster.

Revision ID: 0021o
Revises: 0020n
Create Date: 2026-12-07 09:30:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0021o'
down_revision = '0020n'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('enrollment', schema=None) as batch_op:
        batch_op.create_index('ix_enrollment_unit_status_ids', ['care_unit_id', 'status', 'id', 'patient_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('enrollment', schema=None) as batch_op:
        batch_op.drop_index('ix_enrollment_unit_status_ids')
