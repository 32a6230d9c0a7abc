"""the phone pages: who found a patrol ticket (巡查上报), and photos' thumbnails

Revision ID: 0014
Revises: 0010
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op


revision = '0014'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ticket') as batch:
        batch.add_column(sa.Column('found_by_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_ticket_found_by_id', 'staff', ['found_by_id'], ['id'])
    with op.batch_alter_table('photo') as batch:
        batch.add_column(sa.Column('thumbnail', sa.LargeBinary(), nullable=True))


def downgrade():
    with op.batch_alter_table('photo') as batch:
        batch.drop_column('thumbnail')
    with op.batch_alter_table('ticket') as batch:
        batch.drop_constraint('fk_ticket_found_by_id', type_='foreignkey')
        batch.drop_column('found_by_id')
