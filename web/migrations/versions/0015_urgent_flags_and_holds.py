"""urgent flags (told at once, escalated to Behörighetsadmin when left unhandled) and holds released by hand

Revision ID: 0014u
Revises: 0014r
Create Date: 2026-12-06 21:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014u'
down_revision = '0014r'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('flag', schema=None) as batch_op:
        batch_op.add_column(sa.Column('urgent', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('escalated_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('hold_released_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('hold_released_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_flag_hold_released_by_id_staff_user'), 'staff_user',
                                    ['hold_released_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('flag', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_flag_hold_released_by_id_staff_user'), type_='foreignkey')
        batch_op.drop_column('hold_released_by_id')
        batch_op.drop_column('hold_released_at')
        batch_op.drop_column('escalated_at')
        batch_op.drop_column('urgent')
