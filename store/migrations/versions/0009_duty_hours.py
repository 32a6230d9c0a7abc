"""duty officers (值班): optional daily hours on a staff member's duty, e.g. 08:00-20:00;
who accepted and who resolved a ticket (the assessment credits them); the phone a resident
gave (shown to the ticket's owner only)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('staff') as batch:
        batch.add_column(sa.Column('duty_hours', sa.String(length=11), nullable=True))
    with op.batch_alter_table('ticket') as batch:
        batch.add_column(sa.Column('resident_phone', sa.String(length=20), nullable=True))
        for column in ('accepted_by_id', 'resolved_by_id'):
            batch.add_column(sa.Column(column, sa.Integer(), nullable=True))
            batch.create_foreign_key(f'fk_ticket_{column}', 'staff', [column], ['id'])


def downgrade():
    with op.batch_alter_table('ticket') as batch:
        for column in ('accepted_by_id', 'resolved_by_id'):
            batch.drop_constraint(f'fk_ticket_{column}', type_='foreignkey')
            batch.drop_column(column)
        batch.drop_column('resident_phone')
    with op.batch_alter_table('staff') as batch:
        batch.drop_column('duty_hours')
