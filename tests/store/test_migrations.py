"""The migrations build exactly the schema the models describe, and can be undone."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from store import Database
from store.models import Base


def test_the_migrated_schema_matches_the_models(schema):
    db = Database(schema)
    with db.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    db.dispose()


def test_every_migration_can_be_undone_and_redone(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'cycle.db'}")
    db.upgrade()
    db.downgrade("base")
    db.upgrade()
    with db.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    db.dispose()
