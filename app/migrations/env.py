"""Alembic environment: the URL comes from the caller (app.migrate) or DATABASE_URL."""
from alembic import context

from app import config as app_config
from app.db import get_engine
from app.models import Base

url = context.config.get_main_option("sqlalchemy.url") or app_config.database_url()


def run_migrations_online() -> None:
    engine = get_engine(url)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    context.configure(url=url, target_metadata=Base.metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
