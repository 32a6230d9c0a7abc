"""办服务: service teams and their coverage, members, service orders, the teams each order
was published to, and members' claims with their check-in, check-out and minutes

Revision ID: 0012
Revises: 0010
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('service_team',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    with op.batch_alter_table('service_team', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_team_area_id'), ['area_id'], unique=False)

    op.create_table('service_team_area',
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], ),
    sa.ForeignKeyConstraint(['team_id'], ['service_team.id'], ),
    sa.PrimaryKeyConstraint('team_id', 'area_id')
    )
    with op.batch_alter_table('service_team_area', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_team_area_area_id'), ['area_id'], unique=False)

    op.create_table('team_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('leader', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('joined_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], ),
    sa.ForeignKeyConstraint(['team_id'], ['service_team.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('team_id', 'staff_id', name='uq_team_member')
    )
    with op.batch_alter_table('team_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_team_member_staff_id'), ['staff_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_team_member_team_id'), ['team_id'], unique=False)

    op.create_table('service_order',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('people_needed', sa.Integer(), nullable=False),
    sa.Column('minutes_expected', sa.Integer(), nullable=False),
    sa.Column('scheduled_at', sa.DateTime(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('placed_by_id', sa.Integer(), nullable=True),
    sa.Column('placed_at', sa.DateTime(), nullable=True),
    sa.Column('claim_by', sa.DateTime(), nullable=True),
    sa.Column('claim_breached_at', sa.DateTime(), nullable=True),
    sa.Column('full_at', sa.DateTime(), nullable=True),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('done_at', sa.DateTime(), nullable=True),
    sa.Column('result', sa.Text(), nullable=True),
    sa.Column('reported_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['placed_by_id'], ['staff.id'], ),
    sa.ForeignKeyConstraint(['reported_by_id'], ['staff.id'], ),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('ticket_id')
    )
    with op.batch_alter_table('service_order', schema=None) as batch_op:
        batch_op.create_index('ix_service_order_status_claim_by', ['status', 'claim_by'], unique=False)

    op.create_table('service_claim',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('claimed_at', sa.DateTime(), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
    sa.Column('check_in_at', sa.DateTime(), nullable=True),
    sa.Column('check_in_lat', sa.Float(), nullable=True),
    sa.Column('check_in_lng', sa.Float(), nullable=True),
    sa.Column('check_out_at', sa.DateTime(), nullable=True),
    sa.Column('check_out_lat', sa.Float(), nullable=True),
    sa.Column('check_out_lng', sa.Float(), nullable=True),
    sa.Column('minutes', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['order_id'], ['service_order.id'], ),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], ),
    sa.ForeignKeyConstraint(['team_id'], ['service_team.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('order_id', 'staff_id', name='uq_service_claim')
    )
    with op.batch_alter_table('service_claim', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_claim_order_id'), ['order_id'], unique=False)
        batch_op.create_index('ix_service_claim_staff_in', ['staff_id', 'check_in_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_claim_team_id'), ['team_id'], unique=False)

    op.create_table('service_publication',
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['service_order.id'], ),
    sa.ForeignKeyConstraint(['team_id'], ['service_team.id'], ),
    sa.PrimaryKeyConstraint('order_id', 'team_id')
    )
    with op.batch_alter_table('service_publication', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_publication_team_id'), ['team_id'], unique=False)



def downgrade():
    with op.batch_alter_table('service_publication', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_publication_team_id'))

    op.drop_table('service_publication')
    with op.batch_alter_table('service_claim', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_claim_team_id'))
        batch_op.drop_index('ix_service_claim_staff_in')
        batch_op.drop_index(batch_op.f('ix_service_claim_order_id'))

    op.drop_table('service_claim')
    with op.batch_alter_table('service_order', schema=None) as batch_op:
        batch_op.drop_index('ix_service_order_status_claim_by')

    op.drop_table('service_order')
    with op.batch_alter_table('team_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_team_member_team_id'))
        batch_op.drop_index(batch_op.f('ix_team_member_staff_id'))

    op.drop_table('team_member')
    with op.batch_alter_table('service_team_area', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_team_area_area_id'))

    op.drop_table('service_team_area')
    with op.batch_alter_table('service_team', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_team_area_id'))

    op.drop_table('service_team')
