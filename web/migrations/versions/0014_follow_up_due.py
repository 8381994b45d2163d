"""stat_record: when each follow-up of a purged moment counts in the ITT denominator (Russell Standard)

`fuN_due_at_purge`: the follow-up already counted when the moment was purged; else `fuN_due_on`, the day
it falls due ('YYYY-MM-DD'). Rows purged before this revision kept no stop day: their follow-ups are
taken as due 90/180/365 days after the first day of the month after the start month (the quit date is
not before the start; docs/statistics.md).

Revision ID: 0014r
Revises: 0013s
Create Date: 2026-12-06 21:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014r'
down_revision = '0013s'
branch_labels = None
depends_on = None

#: follow-up month → days after the quit date (programs/tobakshjalpen.yaml batteries) when this was written
DAYS = {3: 90, 6: 180, 12: 365}


def upgrade():
    with op.batch_alter_table('stat_record', schema=None) as batch_op:
        for months in DAYS:
            batch_op.add_column(sa.Column(f'fu{months}_due_at_purge', sa.Boolean(), nullable=False,
                                          server_default=sa.false()))
            batch_op.add_column(sa.Column(f'fu{months}_due_on', sa.String(length=10), nullable=True))
    sqlite = op.get_bind().dialect.name == 'sqlite'
    for months, days in DAYS.items():
        if sqlite:
            day = f"date(started_month || '-01', '+1 month', '+{days} days')"
        else:
            day = f"to_char(CAST(CAST(started_month || '-01' AS date) + interval '1 month' AS date) + {days}, 'YYYY-MM-DD')"
        op.execute(f"UPDATE stat_record SET fu{months}_due_on = {day}")


def downgrade():
    with op.batch_alter_table('stat_record', schema=None) as batch_op:
        for months in reversed(list(DAYS)):
            batch_op.drop_column(f'fu{months}_due_on')
            batch_op.drop_column(f'fu{months}_due_at_purge')
