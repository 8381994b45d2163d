"""moving moments to a new program version: the version each submitted answer was given under

Revision ID: 0008u
Revises: 0007w
Create Date: 2026-12-01 10:00:00.000000

Submissions stored before this revision were all given under their moment's version and form id
(moments never moved), so both columns are filled from there.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008u'
down_revision = '0007w'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('form_response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('program_digest', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('given_form_id', sa.String(length=64), nullable=True))
    op.execute(
        "UPDATE form_response SET given_form_id = form_id, program_digest = "
        "(SELECT enrollment.program_digest FROM enrollment WHERE enrollment.id = form_response.enrollment_id) "
        "WHERE status = 'submitted'"
    )


def downgrade():
    with op.batch_alter_table('form_response', schema=None) as batch_op:
        batch_op.drop_column('given_form_id')
        batch_op.drop_column('program_digest')
