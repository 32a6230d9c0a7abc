"""The migrations build exactly the schema the models describe, and can be undone."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from store import Database
from store.models import Base, compared_with_models


def differences(connection) -> list:
    context = MigrationContext.configure(connection, opts={"include_object": compared_with_models})
    return compare_metadata(context, Base.metadata)


def test_the_migrated_schema_matches_the_models(schema):
    db = Database(schema)
    with db.engine.connect() as connection:
        assert differences(connection) == []
        indexes = {index["name"] for index in inspect(connection).get_indexes("ticket")}
    assert ("ix_ticket_search_trgm" in indexes) == (not db.is_sqlite)
    db.dispose()


def test_every_migration_can_be_undone_and_redone(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'cycle.db'}")
    db.upgrade()
    db.downgrade("base")
    db.upgrade()
    with db.engine.connect() as connection:
        assert differences(connection) == []
    db.dispose()
