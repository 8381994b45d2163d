"""the time the next self-starting mätbatteri of a moment falls due (the tick reads only those moments)

Revision ID: 0011b
Revises: 0010i
Create Date: 2026-11-30 02:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011b'
down_revision = '0010i'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('enrollment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_battery_at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_enrollment_next_battery_at'), ['next_battery_at'], unique=False)


def downgrade():
    with op.batch_alter_table('enrollment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enrollment_next_battery_at'))
        batch_op.drop_column('next_battery_at')
