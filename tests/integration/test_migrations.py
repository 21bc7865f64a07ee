"""The Alembic migrations: every step reversible, and head equal to the tables the code uses."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from adapters.sql.engine import make_engine
from adapters.sql.migrate import downgrade_async, revisions, upgrade_async
from adapters.sql.tables import metadata


async def table_names(url: str) -> set[str]:
    """The tables in the database."""
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda sync: sa.inspect(sync).get_table_names()))
    finally:
        await engine.dispose()


async def schema_differences(url: str) -> list[Any]:
    """What autogenerate would change to make the database match tables.py."""
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(lambda sync: compare_metadata(MigrationContext.configure(sync), metadata))
    finally:
        await engine.dispose()


def test_the_revisions_form_one_line_starting_at_the_initial_one() -> None:
    assert revisions()[0] == "0001"


async def test_every_revision_upgrades_downgrades_one_step_and_upgrades_again(blank_database_url: str) -> None:
    for revision in revisions():
        await upgrade_async(blank_database_url, revision)
        await downgrade_async(blank_database_url, "-1")
        await upgrade_async(blank_database_url, revision)
    assert await table_names(blank_database_url) >= set(metadata.tables)

    await downgrade_async(blank_database_url, "base")
    assert await table_names(blank_database_url) <= {"alembic_version"}


async def test_the_migrated_schema_matches_the_tables_of_the_code(database_url: str) -> None:
    assert await schema_differences(database_url) == []
