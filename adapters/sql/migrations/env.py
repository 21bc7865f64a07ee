"""Alembic environment: async engines for SQLite, PostgreSQL and MySQL/MariaDB."""

from __future__ import annotations

import asyncio
import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection

from adapters.sql.engine import make_engine
from adapters.sql.tables import metadata

DEFAULT_URL = "sqlite+aiosqlite:///./paycore.db"

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = metadata


def database_url() -> str:
    """The URL set on the Config (migrate.py sets it), else PAYCORE_DATABASE_URL, else the default."""
    return config.get_main_option("sqlalchemy.url") or os.environ.get("PAYCORE_DATABASE_URL") or DEFAULT_URL


def run_migrations_offline() -> None:
    """Emit SQL to stdout instead of running it."""
    url = database_url()
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=url.startswith("sqlite"), dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def do_run_migrations(connection: Connection) -> None:
    """Run the migrations on one connection, in one transaction where the database allows."""
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations() -> None:
    """Connect with the service's own engine settings and migrate."""
    engine = make_engine(database_url())
    try:
        async with engine.connect() as connection:
            await connection.run_sync(do_run_migrations)
    finally:
        await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_async_migrations())
