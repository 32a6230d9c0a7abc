"""Open311 API keys get an area (a grid, community or street; none: the whole district) and
the right to read personal data; keys made before keep the whole district and, as before,
read unmasked

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('api_key') as batch:
        batch.add_column(sa.Column('area_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('personal_data', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column('created_by_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_api_key_area_id', 'area', ['area_id'], ['id'])
        batch.create_foreign_key('fk_api_key_created_by_id', 'staff', ['created_by_id'], ['id'])
    # Existing keys were issued by the operator (griddesk api-key create) and read everything
    # unmasked: they keep working exactly so; new keys are masked unless given the right.
    op.execute(sa.text("UPDATE api_key SET personal_data = :yes").bindparams(yes=True))


def downgrade():
    with op.batch_alter_table('api_key') as batch:
        batch.drop_constraint('fk_api_key_created_by_id', type_='foreignkey')
        batch.drop_constraint('fk_api_key_area_id', type_='foreignkey')
        batch.drop_column('created_by_id')
        batch.drop_column('personal_data')
        batch.drop_column('area_id')
