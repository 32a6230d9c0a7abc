"""outbox.claimed_by: which delivery worker holds a claim, so a dead worker's claims are
handed back within a minute instead of waiting out CLAIM_TIMEOUT

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox') as batch:
        batch.add_column(sa.Column('claimed_by', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox') as batch:
        batch.drop_column('claimed_by')
