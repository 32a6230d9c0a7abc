"""pushes that can wait for the day (a rating, a praise, a ticket taken off someone) are kept
through the quiet hours in notice_for_day and sent in the morning

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'notice_for_day',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=True),
        sa.Column('to_openid', sa.String(length=64), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('purpose', sa.String(length=32), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('send_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id']),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_notice_for_day_send_at', 'notice_for_day', ['send_at'], unique=False)


def downgrade():
    op.drop_index('ix_notice_for_day_send_at', table_name='notice_for_day')
    op.drop_table('notice_for_day')
