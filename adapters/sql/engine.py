"""Engines for SQLite, PostgreSQL and MySQL/MariaDB, and a readiness check."""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from adapters.sql.asyncpg_driver import read_first_dbapi
from adapters.sql.sqlite_driver import one_trip_dbapi
from application.errors import StorageUnavailable

SQLITE_BUSY_TIMEOUT_MS = 15_000
_RETURNED = "paycore_returned_at"
# A pooled server connection idle this long is pinged on checkout (a database restarted meanwhile, a proxy's idle
# cut): one that was returned a moment ago is not, since the ping is a round trip that cost ~0.3 ms of CPU on every
# unit of work (a create ran three). A connection that died within the window fails its statement as a
# disconnect; SQLAlchemy then invalidates the pool, so the next checkouts open fresh connections.
PING_AFTER_IDLE_S = 2.0


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers run beside the writer; writers wait for each other instead of failing."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str | URL, ping_after: float = PING_AFTER_IDLE_S, **options: Any) -> AsyncEngine:
    """An async engine for the URL: SQLite tuned for concurrent processes, servers pinging idle connections."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.get_driver_name() == "aiosqlite" and "module" not in options:
            # One trip to aiosqlite's thread per statement; this engine's writers queue in the event loop.
            options = {**options, "module": one_trip_dbapi(SQLITE_BUSY_TIMEOUT_MS / 1000)}
        engine = create_async_engine(parsed, **options)
        sa.event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() == "asyncpg" and "module" not in options:
        options = {**options, "module": read_first_dbapi()}  # a unit of work that only reads sends no BEGIN
    if parsed.get_backend_name() in ("mysql", "mariadb") and "charset" not in parsed.query:
        parsed = parsed.update_query_dict({"charset": "utf8mb4"})
    engine = create_async_engine(parsed, **options)
    _ping_when_idle(engine, ping_after)
    return engine


def _ping_when_idle(engine: AsyncEngine, idle_s: float) -> None:
    """`pool_pre_ping` for connections idle at least idle_s: a failed ping makes the pool open a new connection."""
    dialect = engine.sync_engine.dialect

    def returned(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info[_RETURNED] = time.monotonic()

    def taken(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
        if time.monotonic() - record.info.get(_RETURNED, float("-inf")) < idle_s:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as error:  # the pool discards this connection and checks out another (at most 3 tries)
            raise sa.exc.DisconnectionError(f"the pooled connection failed its ping: {error}") from error

    sa.event.listen(engine.sync_engine, "checkin", returned)
    sa.event.listen(engine.sync_engine, "checkout", taken)


async def ping(engine: AsyncEngine) -> bool:
    """Whether the database answers a trivial query."""
    try:
        async with engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))
    except (sa.exc.SQLAlchemyError, OSError, TimeoutError, StorageUnavailable):
        return False
    return True
