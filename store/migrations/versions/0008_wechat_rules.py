"""wechat rules: per-openid send allowance (windows, quotas) and mass sends of notices

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('send_allowance',
    sa.Column('openid', sa.String(length=64), nullable=False),
    sa.Column('message_at', sa.DateTime(), nullable=True),
    sa.Column('message_sends', sa.Integer(), server_default='0', nullable=False),
    sa.Column('event_at', sa.DateTime(), nullable=True),
    sa.Column('event_sends', sa.Integer(), server_default='0', nullable=False),
    sa.Column('mass_month', sa.String(length=6), nullable=True),
    sa.Column('mass_sends', sa.Integer(), server_default='0', nullable=False),
    sa.Column('unreachable', sa.String(length=32), nullable=True),
    sa.PrimaryKeyConstraint('openid')
    )
    op.create_table('mass_send',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('broadcast_id', sa.Integer(), nullable=False),
    sa.Column('client_msg_id', sa.String(length=64), nullable=False),
    sa.Column('openids', sa.JSON(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('msg_id', sa.String(length=32), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('result', sa.String(length=64), nullable=True),
    sa.Column('total_count', sa.Integer(), nullable=True),
    sa.Column('filter_count', sa.Integer(), nullable=True),
    sa.Column('sent_count', sa.Integer(), nullable=True),
    sa.Column('error_count', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['broadcast_id'], ['broadcast.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('client_msg_id')
    )
    with op.batch_alter_table('mass_send', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mass_send_broadcast_id'), ['broadcast_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_mass_send_msg_id'), ['msg_id'], unique=False)


def downgrade():
    with op.batch_alter_table('mass_send', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mass_send_msg_id'))
        batch_op.drop_index(batch_op.f('ix_mass_send_broadcast_id'))
    op.drop_table('mass_send')
    op.drop_table('send_allowance')
