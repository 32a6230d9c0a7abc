"""ticket lifecycle

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('resident', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state', sa.JSON(), nullable=False, server_default='{}'))

    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bind_code', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('bind_code_expires_at', sa.DateTime(), nullable=True))
        batch_op.create_unique_constraint('uq_staff_bind_code', ['bind_code'])

    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rating_comment', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('rated_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('escalation_level', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('accept_breached_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('reply_breached_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('resolve_breached_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('extended_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('extension_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('urge_count', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('return_visit_at', sa.DateTime(), nullable=True))
        batch_op.create_index('ix_ticket_resident_created', ['resident_id', 'created_at'], unique=False)
        batch_op.create_index('ix_ticket_status_accept_by', ['status', 'accept_by'], unique=False)


def downgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_status_accept_by')
        batch_op.drop_index('ix_ticket_resident_created')
        batch_op.drop_column('return_visit_at')
        batch_op.drop_column('urge_count')
        batch_op.drop_column('extension_reason')
        batch_op.drop_column('extended_at')
        batch_op.drop_column('resolve_breached_at')
        batch_op.drop_column('reply_breached_at')
        batch_op.drop_column('accept_breached_at')
        batch_op.drop_column('escalation_level')
        batch_op.drop_column('rated_at')
        batch_op.drop_column('rating_comment')

    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_constraint('uq_staff_bind_code', type_='unique')
        batch_op.drop_column('bind_code_expires_at')
        batch_op.drop_column('bind_code')

    with op.batch_alter_table('resident', schema=None) as batch_op:
        batch_op.drop_column('state')

