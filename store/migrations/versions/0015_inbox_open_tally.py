"""the inbox's tab counts from an index alone: the open tickets by grid and status, carrying
what 超时, 特急 and 我的 look at (INCLUDE on PostgreSQL; a plain partial index on SQLite)

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

OPEN = "status IN ('new', 'assigned', 'accepted', 'reopened')"


def upgrade():
    with op.batch_alter_table('ticket') as batch:
        batch.create_index('ix_ticket_open_tally', ['grid_id', 'status'], unique=False,
                           postgresql_include=['area_id', 'urgency', 'assignee_id',
                                               'resolve_by', 'accept_by'],
                           postgresql_where=sa.text(OPEN), sqlite_where=sa.text(OPEN))


def downgrade():
    with op.batch_alter_table('ticket') as batch:
        batch.drop_index('ix_ticket_open_tally')
