"""workflow: Dagar kvar stores "no time limit" as NULL; Inställningar per unit with an audit trail

Revision ID: 0007w
Revises: 0005p
Create Date: 2026-11-27 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007w'
down_revision = '0005p'
branch_labels = None
depends_on = None


def upgrade():
    # 0 used to mean "no limit"; from now on NULL means no limit and 0 means no days left
    with op.batch_alter_table('enrollment_module', schema=None) as batch_op:
        batch_op.alter_column('days', existing_type=sa.Integer(), nullable=True)
    op.execute("UPDATE enrollment_module SET days = NULL WHERE days = 0")

    op.create_table('unit_setting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('care_unit_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('program_id', sa.String(length=64), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['care_unit_id'], ['care_unit.id'], name=op.f('fk_unit_setting_care_unit_id_care_unit'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['staff_user.id'], name=op.f('fk_unit_setting_updated_by_id_staff_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_setting')),
    sa.UniqueConstraint('care_unit_id', 'key', 'program_id', name=op.f('uq_unit_setting_care_unit_id_key_program_id'))
    )
    with op.batch_alter_table('unit_setting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_setting_care_unit_id'), ['care_unit_id'], unique=False)

    op.create_table('unit_setting_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('care_unit_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('program_id', sa.String(length=64), nullable=False),
    sa.Column('old_value', sa.JSON(), nullable=True),
    sa.Column('new_value', sa.JSON(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['care_unit_id'], ['care_unit.id'], name=op.f('fk_unit_setting_change_care_unit_id_care_unit'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['staff_user.id'], name=op.f('fk_unit_setting_change_user_id_staff_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_setting_change'))
    )
    with op.batch_alter_table('unit_setting_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_setting_change_care_unit_id'), ['care_unit_id'], unique=False)


def downgrade():
    with op.batch_alter_table('unit_setting_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_setting_change_care_unit_id'))
    op.drop_table('unit_setting_change')
    with op.batch_alter_table('unit_setting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_setting_care_unit_id'))
    op.drop_table('unit_setting')

    op.execute("UPDATE enrollment_module SET days = 0 WHERE days IS NULL")
    with op.batch_alter_table('enrollment_module', schema=None) as batch_op:
        batch_op.alter_column('days', existing_type=sa.Integer(), nullable=False)
