"""inbox text search: a pg_trgm GIN index on ticket description, category and number
(PostgreSQL only)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

# The inbox searches LIKE '%words%' on the description, = on the category and LIKE 'digits%'
# on the number, OR-ed; with one trigram index over the three PostgreSQL answers with a
# BitmapOr instead of reading every ticket (= needs pg_trgm 1.6, PostgreSQL 14+). CJK text
# gets trigrams under a UTF-8 ctype (C.UTF-8 or any UTF-8 locale). pg_trgm is a trusted
# extension: the database owner may create it. The models do not declare this index (SQLite
# has none); indexes named *_trgm are left out when models and database are compared.
NAME = 'ix_ticket_search_trgm'
COLUMNS = ('description', 'category', 'number')


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    op.create_index(NAME, 'ticket', list(COLUMNS), postgresql_using='gin',
                    postgresql_ops={column: 'gin_trgm_ops' for column in COLUMNS})


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.drop_index(NAME, table_name='ticket')  # the extension stays: others may use it
