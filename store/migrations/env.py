"""Alembic environment: the engine comes from store.db.Database.alembic_config()."""
from alembic import context

from store.models import Base

config = context.config
engine = config.attributes["engine"]


def include_object(obj, name, type_, reflected, compare_to):
    """PostgreSQL's trigram search indexes (*_trgm, 0005) live in the migrations only."""
    return not (type_ == "index" and reflected and compare_to is None
                and (name or "").endswith("_trgm"))


with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=engine.dialect.name == "sqlite",
                      include_object=include_object)
    context.run_migrations()
