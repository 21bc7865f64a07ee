"""A server connection idle in the pool is pinged before use; one returned a moment ago is not (issue 12)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from adapters.sql.engine import make_engine
from tests.conftest import server_url

SERVER_BACKENDS = [pytest.param("postgres", marks=pytest.mark.postgres),
                   pytest.param("mysql", marks=pytest.mark.mysql)]
OWN_ID = {"postgres": "SELECT pg_backend_pid()", "mysql": "SELECT CONNECTION_ID()"}
KILL = {"postgres": "SELECT pg_terminate_backend({})", "mysql": "KILL {}"}


async def _kill_pooled_connection(url: str, backend: str, ping_after: float) -> str | None:
    """Use an engine's one connection, kill it from outside while it sits in the pool, use the engine again:
    None if the second use worked, else the error it met."""
    engine, killer = make_engine(url, ping_after=ping_after, pool_size=1), make_engine(url)
    try:
        async with engine.connect() as conn:
            victim = await conn.scalar(sa.text(OWN_ID[backend]))
        async with killer.connect() as conn:
            await conn.execute(sa.text(KILL[backend].format(int(victim))))
            await conn.commit()
        try:
            async with engine.connect() as conn:
                await conn.execute(sa.text("SELECT 1"))
        except sa.exc.DBAPIError as error:
            return str(error)
        return None
    finally:
        await engine.dispose()
        await killer.dispose()


@pytest.mark.parametrize("backend", SERVER_BACKENDS)
async def test_a_connection_killed_while_idle_is_replaced_by_the_ping(backend: str) -> None:
    assert await _kill_pooled_connection(server_url(backend), backend, ping_after=0.0) is None


@pytest.mark.parametrize("backend", SERVER_BACKENDS)
async def test_a_connection_returned_a_moment_ago_is_not_pinged(backend: str) -> None:
    # Within the window the dead connection is used as it is: its statement fails (and the pool is invalidated).
    assert await _kill_pooled_connection(server_url(backend), backend, ping_after=3600.0) is not None
