"""the deadline that applies now as a column the database keeps (accept_by while a ticket
waits to be taken, resolve_by after), and the inbox's first-page index on it instead of
resolve_by: what is late or due soonest comes first, still read in index order

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

OPEN = "status IN ('new', 'assigned', 'accepted', 'reopened')"
DUE_NOW = ("CASE WHEN status IN ('new', 'assigned', 'reopened') THEN accept_by"
           " ELSE resolve_by END")


def upgrade():
    # STORED on PostgreSQL (its only kind: the table is rewritten once), VIRTUAL on SQLite
    # (which adds no stored column to a table; its index stores the values)
    stored = True if op.get_bind().dialect.name == "postgresql" else None
    op.add_column('ticket', sa.Column('due_at', sa.DateTime(),
                                      sa.Computed(DUE_NOW, persisted=stored), nullable=True))
    with op.batch_alter_table('ticket') as batch:
        batch.drop_index('ix_ticket_open_due')
        batch.create_index('ix_ticket_open_due', ['due_at', 'id'], unique=False,
                           postgresql_where=sa.text(OPEN), sqlite_where=sa.text(OPEN))


def downgrade():
    with op.batch_alter_table('ticket') as batch:
        batch.drop_index('ix_ticket_open_due')
        batch.create_index('ix_ticket_open_due', ['resolve_by', 'id'], unique=False,
                           postgresql_where=sa.text(OPEN), sqlite_where=sa.text(OPEN))
    with op.batch_alter_table('ticket') as batch:
        batch.drop_column('due_at')
