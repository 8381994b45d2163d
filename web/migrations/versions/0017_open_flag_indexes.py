"""partial indexes on the open (unhandled) flags: Att göra in order, counts and the oldest per moment

Revision ID: 0014f
Revises: 0014p
Create Date: 2026-12-06 22:35:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014f'
down_revision = '0014p'
branch_labels = None
depends_on = None

#: web.models.events.OPEN_FLAG when this revision was written
OPEN_FLAG = "handled_at IS NULL"


def upgrade():
    with op.batch_alter_table('flag', schema=None) as batch_op:
        batch_op.create_index('ix_flag_open_raised', ['raised_at', 'id'], unique=False,
                              postgresql_where=sa.text(OPEN_FLAG), sqlite_where=sa.text(OPEN_FLAG))
        batch_op.create_index('ix_flag_open_enrollment', ['enrollment_id', 'raised_at'], unique=False,
                              postgresql_where=sa.text(OPEN_FLAG), sqlite_where=sa.text(OPEN_FLAG))


def downgrade():
    with op.batch_alter_table('flag', schema=None) as batch_op:
        batch_op.drop_index('ix_flag_open_enrollment')
        batch_op.drop_index('ix_flag_open_raised')
