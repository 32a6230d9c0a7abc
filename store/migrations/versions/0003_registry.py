"""registry: grid geometry, buildings and units, ticket location, Open311 API keys

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('api_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_used_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key_hash'),
    sa.UniqueConstraint('name')
    )
    op.create_table('building',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('estate', sa.String(length=64), nullable=False),
    sa.Column('number', sa.String(length=16), nullable=False),
    sa.Column('address', sa.String(length=128), nullable=True),
    sa.Column('households', sa.Integer(), nullable=True),
    sa.Column('lng', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['grid_id'], ['area.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    with op.batch_alter_table('building', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_building_address'), ['address'], unique=False)
        batch_op.create_index(batch_op.f('ix_building_estate'), ['estate'], unique=False)
        batch_op.create_index(batch_op.f('ix_building_grid_id'), ['grid_id'], unique=False)

    op.create_table('building_unit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['building_id'], ['building.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('building_id', 'number', name='uq_building_unit_building_number'),
    sa.UniqueConstraint('code')
    )
    with op.batch_alter_table('area', schema=None) as batch_op:
        batch_op.add_column(sa.Column('households', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('geometry', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('min_lng', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('min_lat', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('max_lng', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('max_lat', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('center_lng', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('center_lat', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('wechat_qr_url', sa.String(length=255), nullable=True))
        batch_op.create_index('ix_area_center', ['center_lat', 'center_lng'], unique=False)
        batch_op.create_index('ix_area_level_bbox', ['level', 'min_lat', 'max_lat'], unique=False)

    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lat', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('lng', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('address', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('building_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_ticket_building_id', 'building', ['building_id'], ['id'])


def downgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_constraint('fk_ticket_building_id', type_='foreignkey')
        batch_op.drop_column('building_id')
        batch_op.drop_column('address')
        batch_op.drop_column('lng')
        batch_op.drop_column('lat')

    with op.batch_alter_table('area', schema=None) as batch_op:
        batch_op.drop_index('ix_area_level_bbox')
        batch_op.drop_index('ix_area_center')
        batch_op.drop_column('wechat_qr_url')
        batch_op.drop_column('center_lat')
        batch_op.drop_column('center_lng')
        batch_op.drop_column('max_lat')
        batch_op.drop_column('max_lng')
        batch_op.drop_column('min_lat')
        batch_op.drop_column('min_lng')
        batch_op.drop_column('geometry')
        batch_op.drop_column('households')

    op.drop_table('building_unit')
    with op.batch_alter_table('building', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_building_grid_id'))
        batch_op.drop_index(batch_op.f('ix_building_estate'))
        batch_op.drop_index(batch_op.f('ix_building_address'))

    op.drop_table('building')
    op.drop_table('api_key')
