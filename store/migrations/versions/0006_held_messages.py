"""未受理留言: the held-message queue; an emergency's call number and name on the ticket

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('held_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=True),
    sa.Column('msg_type', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('attachment', sa.JSON(), nullable=False),
    sa.Column('guess', sa.JSON(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('handled_by_id', sa.Integer(), nullable=True),
    sa.Column('handled_at', sa.DateTime(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], ),
    sa.ForeignKeyConstraint(['handled_by_id'], ['staff.id'], ),
    sa.ForeignKeyConstraint(['resident_id'], ['resident.id'], ),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('held_message', schema=None) as batch_op:
        batch_op.create_index('ix_held_message_resident_id', ['resident_id'], unique=False)
        batch_op.create_index('ix_held_message_status_area', ['status', 'area_id', 'id'],
                              unique=False)
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('emergency_call', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('emergency_name', sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_column('emergency_name')
        batch_op.drop_column('emergency_call')
    with op.batch_alter_table('held_message', schema=None) as batch_op:
        batch_op.drop_index('ix_held_message_status_area')
        batch_op.drop_index('ix_held_message_resident_id')
    op.drop_table('held_message')
