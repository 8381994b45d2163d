"""the earliest time an inactivity flag of a moment can fall due (the tick reads only those moments)

NULL means "not worked out yet": the next tick evaluates the moment and stores it (after this upgrade,
the first tick evaluates every moment inactive for longer than a subscription's days once).

Revision ID: 0020n
Revises: 0019i
Create Date: 2026-12-07 03:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020n'
down_revision = '0019i'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('enrollment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_inactivity_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('enrollment', schema=None) as batch_op:
        batch_op.drop_column('next_inactivity_at')
