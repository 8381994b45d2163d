"""the earliest time a moment's reminder timed from an answered date can be due (the tick reads only those)

NULL means "not worked out yet": the next tick evaluates the moment and stores it.

Revision ID: 0018r
Revises: 0014f
Create Date: 2026-12-07 00:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018r'
down_revision = '0014f'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('enrollment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_anchored_reminder_at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_enrollment_next_anchored_reminder_at'), ['next_anchored_reminder_at'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('enrollment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enrollment_next_anchored_reminder_at'))
        batch_op.drop_column('next_anchored_reminder_at')
