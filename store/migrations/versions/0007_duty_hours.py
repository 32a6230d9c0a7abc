"""duty officers (值班): optional daily hours on a staff member's duty, e.g. 08:00-20:00

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op


revision = '0007'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('staff') as batch:
        batch.add_column(sa.Column('duty_hours', sa.String(length=11), nullable=True))


def downgrade():
    with op.batch_alter_table('staff') as batch:
        batch.drop_column('duty_hours')
