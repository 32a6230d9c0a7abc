"""ticket indexes for the console at a million tickets: a scope's period ((grid_id,
created_at), (area_id, created_at), replacing the single-column grid_id and area_id indexes,
and resident_id's, which (resident_id, created_at) already serves), the first-reply clock
(status, first_reply_by), and partial indexes: the open tickets by due time and by
assignee, and the tickets held away from their grid by area and status

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

OPEN = "status IN ('new', 'assigned', 'accepted', 'reopened')"
AWAY = "grid_id IS NULL OR area_id != grid_id"


def upgrade():
    with op.batch_alter_table('ticket') as batch:
        batch.create_index('ix_ticket_grid_created', ['grid_id', 'created_at'], unique=False)
        batch.create_index('ix_ticket_area_created', ['area_id', 'created_at'], unique=False)
        batch.create_index('ix_ticket_status_first_reply_by', ['status', 'first_reply_by'],
                           unique=False)
        batch.create_index('ix_ticket_open_due', ['resolve_by', 'id'], unique=False,
                           postgresql_where=sa.text(OPEN), sqlite_where=sa.text(OPEN))
        batch.create_index('ix_ticket_open_assignee', ['assignee_id'], unique=False,
                           postgresql_where=sa.text(OPEN), sqlite_where=sa.text(OPEN))
        batch.create_index('ix_ticket_away_area_status', ['area_id', 'status'], unique=False,
                           postgresql_where=sa.text(AWAY), sqlite_where=sa.text(AWAY))
        batch.drop_index('ix_ticket_grid_id')
        batch.drop_index('ix_ticket_area_id')
        batch.drop_index('ix_ticket_resident_id')


def downgrade():
    with op.batch_alter_table('ticket') as batch:
        batch.create_index('ix_ticket_resident_id', ['resident_id'], unique=False)
        batch.create_index('ix_ticket_area_id', ['area_id'], unique=False)
        batch.create_index('ix_ticket_grid_id', ['grid_id'], unique=False)
        batch.drop_index('ix_ticket_away_area_status')
        batch.drop_index('ix_ticket_open_assignee')
        batch.drop_index('ix_ticket_open_due')
        batch.drop_index('ix_ticket_status_first_reply_by')
        batch.drop_index('ix_ticket_area_created')
        batch.drop_index('ix_ticket_grid_created')
