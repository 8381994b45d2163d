"""partial indexes for the open urgent flags and for Att göra's order (urgent first, then the oldest); the id
in the index on a clinician's moments (their open flags counted from the indexes alone)

Revision ID: 0019i
Revises: 0018r
Create Date: 2026-12-07 00:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019i'
down_revision = '0018r'
branch_labels = None
depends_on = None

#: web.models.events.OPEN_FLAG and OPEN_URGENT when this revision was written
OPEN_FLAG = "handled_at IS NULL"
OPEN_URGENT = {"postgresql": "handled_at IS NULL AND urgent IS true", "sqlite": "handled_at IS NULL AND urgent IS 1"}


def upgrade():
    op.create_index('ix_flag_open_urgent', 'flag', ['enrollment_id'], unique=False,
                    postgresql_where=sa.text(OPEN_URGENT["postgresql"]), sqlite_where=sa.text(OPEN_URGENT["sqlite"]))
    op.create_index('ix_flag_open_worklist', 'flag', [sa.text('urgent DESC'), 'raised_at', 'id'],
                    unique=False, postgresql_where=sa.text(OPEN_FLAG), sqlite_where=sa.text(OPEN_FLAG))
    with op.batch_alter_table('enrollment', schema=None) as batch_op:
        batch_op.drop_index('ix_enrollment_unit_clinician_status')
        batch_op.create_index('ix_enrollment_unit_clinician_status', ['care_unit_id', 'clinician_id', 'status', 'id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('enrollment', schema=None) as batch_op:
        batch_op.drop_index('ix_enrollment_unit_clinician_status')
        batch_op.create_index('ix_enrollment_unit_clinician_status', ['care_unit_id', 'clinician_id', 'status'],
                              unique=False)
    op.drop_index('ix_flag_open_worklist', table_name='flag')
    op.drop_index('ix_flag_open_urgent', table_name='flag')
