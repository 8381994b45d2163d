"""security: server-side sessions (web_session) and the audit of account events (audit_event)

Revision ID: 0003s
Revises: 0002
Create Date: 2026-11-30 00:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003s'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('web_session',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('user_key', sa.String(length=40), nullable=True),
    sa.Column('data', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_web_session'))
    )
    with op.batch_alter_table('web_session', schema=None) as batch_op:
        batch_op.create_index('ix_web_session_user_key', ['user_key'], unique=False)

    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('actor_key', sa.String(length=40), nullable=True),
    sa.Column('actor_name', sa.String(length=120), nullable=True),
    sa.Column('subject_key', sa.String(length=40), nullable=True),
    sa.Column('subject_name', sa.String(length=120), nullable=True),
    sa.Column('care_unit_id', sa.Integer(), nullable=True),
    sa.Column('what', sa.String(length=255), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event'))
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index('ix_audit_event_unit_at', ['care_unit_id', 'at'], unique=False)
        batch_op.create_index('ix_audit_event_subject', ['subject_key'], unique=False)


def downgrade():
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_event_subject')
        batch_op.drop_index('ix_audit_event_unit_at')

    op.drop_table('audit_event')
    with op.batch_alter_table('web_session', schema=None) as batch_op:
        batch_op.drop_index('ix_web_session_user_key')

    op.drop_table('web_session')
