"""Alembic environment: the engine comes from store.db.Database.alembic_config()."""
from alembic import context

from store.models import Base, compared_with_models

config = context.config
engine = config.attributes["engine"]

with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=engine.dialect.name == "sqlite",
                      include_object=compared_with_models)
    context.run_migrations()
