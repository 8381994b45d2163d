"""access_log.hits: how many patients a search or an identified export returned (a read of many records)

Revision ID: 0014p
Revises: 0014u
Create Date: 2026-12-06 21:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014p'
down_revision = '0014u'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hits', sa.Integer(), nullable=True))
        batch_op.create_index('ix_access_log_unit_hits_at', ['care_unit_id', 'at'], unique=False,
                              postgresql_where=sa.text('hits IS NOT NULL'), sqlite_where=sa.text('hits IS NOT NULL'))


def downgrade():
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.drop_index('ix_access_log_unit_hits_at')
        batch_op.drop_column('hits')
