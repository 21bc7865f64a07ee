"""Shared fixtures: every storage backend, migrated and empty, behind one UnitOfWorkFactory."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import cast

import pytest
import sqlalchemy as sa

from adapters.memory.uow import MemoryUnitOfWorkFactory
from adapters.sql.engine import make_engine
from adapters.sql.migrate import upgrade_async
from adapters.sql.tables import metadata
from adapters.sql.uow import SqlUnitOfWorkFactory
from application.ports.storage import UnitOfWorkFactory

SERVERS = {
    "postgres": ("PAYCORE_TEST_POSTGRES_URL", "PostgreSQL"),
    "mysql": ("PAYCORE_TEST_MYSQL_URL", "MySQL"),
}
SQL_BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    pytest.param("mysql", id="mysql", marks=pytest.mark.mysql),
]
_migrated: set[str] = set()  # server databases reset and migrated in this session


def server_url(backend: str) -> str:
    """The test server's URL from the environment, or skip the test."""
    env, name = SERVERS[backend]
    url = os.environ.get(env)
    if not url:
        pytest.skip(f"set {env} to run against {name}")
    return url


async def run_on(url: str, *statements: sa.Executable) -> None:
    """Run statements in one transaction on a short-lived engine."""
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            for statement in statements:
                await conn.execute(statement)
    finally:
        await engine.dispose()


async def drop_everything(url: str) -> None:
    """Drop every table of the database, alembic_version included."""
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_drop_reflected)
    finally:
        await engine.dispose()
    _migrated.discard(url)


def _drop_reflected(conn: sa.Connection) -> None:
    found = sa.MetaData()
    found.reflect(conn)
    found.drop_all(conn)


async def blank_database(backend: str, tmp_path: Path) -> str:
    """A database with no tables at all."""
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'paycore.db'}"
    url = server_url(backend)
    await drop_everything(url)
    return url


async def migrated_database(backend: str, tmp_path: Path) -> str:
    """A database at the head revision with empty tables; servers are rebuilt once per session."""
    if backend != "sqlite" and (url := server_url(backend)) in _migrated:
        await run_on(url, *(sa.delete(t) for t in reversed(metadata.sorted_tables)))
        return url
    url = await blank_database(backend, tmp_path)
    await upgrade_async(url)
    if backend != "sqlite":
        _migrated.add(url)
    return url


@pytest.fixture(params=SQL_BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each SQL backend, migrated to head and empty."""
    return await migrated_database(request.param, tmp_path)


@pytest.fixture(params=SQL_BACKENDS)
async def blank_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each SQL backend with no tables at all."""
    return await blank_database(request.param, tmp_path)


@pytest.fixture(params=[pytest.param("memory", id="memory"), *SQL_BACKENDS])
async def uow_factory(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[UnitOfWorkFactory]:
    """A unit-of-work factory over each backend: in-memory, SQLite, PostgreSQL, MySQL."""
    if request.param == "memory":
        # MemoryUnitOfWork types its repositories as concrete classes, which the invariant
        # attributes of the UnitOfWork protocol reject; it is a UnitOfWorkFactory at runtime.
        yield cast(UnitOfWorkFactory, MemoryUnitOfWorkFactory())
        return
    engine = make_engine(await migrated_database(request.param, tmp_path))
    try:
        yield SqlUnitOfWorkFactory(engine)
    finally:
        await engine.dispose()
