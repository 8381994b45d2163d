"""patient language: the language the patient reads the program and the patient pages in

Revision ID: 0009l
Revises: 0008u
Create Date: 2026-11-30 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009l'
down_revision = '0008u'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('patient', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), server_default='sv', nullable=False))


def downgrade():
    with op.batch_alter_table('patient', schema=None) as batch_op:
        batch_op.drop_column('language')
