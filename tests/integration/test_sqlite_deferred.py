"""Deferred statements of the one-trip SQLite adapter: INSERTs and version-checked UPDATEs sent with the
connection's next trip or its COMMIT, their errors raised there, nothing of a failed transaction kept."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.errors import storage_errors
from adapters.sql.sqlite_trips import RowsChanged, deferred
from application.errors import ConcurrencyConflict
from tests.integration.sqlite_probe import T, engine, gate_of, trips
from tests.waiting import until

__all__ = ["engine", "trips"]  # fixtures


DEFERRED_INSERT = deferred(sa.insert(T))


async def test_deferred_inserts_travel_with_the_commit(engine: AsyncEngine, trips: list[str]) -> None:
    async with engine.connect() as conn:
        await conn.execute(DEFERRED_INSERT, {"name": "a"})
        await conn.execute(DEFERRED_INSERT, [{"name": "b"}, {"name": "c"}])
        assert trips == []  # nothing sent yet
        await conn.commit()
    assert trips[-1] == "commit_pending"  # the second's (the first trips are its connection being opened)
    async with engine.connect() as conn:
        assert (await conn.execute(sa.select(T.c.name).order_by(T.c.id))).scalars().all() == ["a", "b", "c"]


async def test_deferred_inserts_go_before_the_next_statement_in_its_trip(engine: AsyncEngine,
                                                                        trips: list[str]) -> None:
    async with engine.connect() as conn:
        await conn.execute(DEFERRED_INSERT, {"name": "a"})
        seen = (await conn.execute(sa.select(T.c.name))).scalars().all()  # the same transaction sees it
        updated = await conn.execute(sa.update(T).where(T.c.name == "a").values(name="a!"))
        await conn.commit()
    assert seen == ["a"]
    assert updated.rowcount == 1
    assert trips == ["run_statement", "run_statement", "commit"]


async def test_a_deferred_insert_s_error_is_raised_by_the_commit_and_nothing_is_written(
        engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(sa.insert(T).values(name="a"))
    async with engine.connect() as conn:
        await conn.execute(DEFERRED_INSERT, {"name": "b"})
        await conn.execute(DEFERRED_INSERT, {"name": "a"})  # taken
        await conn.execute(DEFERRED_INSERT, {"name": "c"})
        with pytest.raises(sa.exc.IntegrityError):
            await conn.commit()
    async with engine.connect() as conn:  # the gate is free again and nothing of that transaction remains
        await asyncio.wait_for(conn.execute(sa.insert(T).values(name="d")), 2)
        await conn.commit()
        assert (await conn.execute(sa.select(T.c.name).order_by(T.c.id))).scalars().all() == ["a", "d"]


async def test_a_deferred_insert_holds_no_gate_until_it_travels_and_a_rolled_back_one_never_does(
        engine: AsyncEngine, trips: list[str]) -> None:
    async with engine.connect() as first:
        await first.execute(DEFERRED_INSERT, {"name": "a"})  # kept on the connection: nothing written yet
        async with engine.connect() as second:  # so another writer goes on meanwhile
            await second.execute(DEFERRED_INSERT, {"name": "b"})
            await asyncio.wait_for(second.commit(), 2)
        await first.rollback()
    assert "rollback" not in trips  # the first connection's ROLLBACK did not travel: it had sent nothing
    assert trips[-1] == "commit_pending"  # the second's (the first trips are its connection being opened)
    async with engine.connect() as conn:
        assert (await conn.execute(sa.select(T.c.name))).scalars().all() == ["b"]


async def test_deferred_statements_travelling_with_a_commit_wait_for_the_gate_like_any_writer(
        engine: AsyncEngine, trips: list[str]) -> None:
    async with engine.connect() as first:
        await first.execute(sa.insert(T).values(name="a"))  # sent: first holds the write gate until its COMMIT

        async def second_writer() -> None:
            async with engine.connect() as second:
                await second.execute(DEFERRED_INSERT, {"name": "b"})
                await second.commit()

        task = asyncio.create_task(second_writer())
        await until(lambda: gate_of(engine).waiting == 1)  # the second writer at the gate
        assert not task.done()
        assert "commit_pending" not in trips  # waiting in the event loop, not in SQLite's busy handler
        await first.commit()
        await asyncio.wait_for(task, 2)
    assert trips[-1] == "commit_pending"
    async with engine.connect() as conn:
        assert (await conn.execute(sa.select(T.c.name).order_by(T.c.id))).scalars().all() == ["a", "b"]


def test_deferred_inserts_are_plain_inserts_on_other_databases() -> None:
    for url in ("postgresql+asyncpg://", "mysql+asyncmy://"):
        dialect = sa.create_mock_engine(url, executor=None).dialect
        assert "deferred" not in str(DEFERRED_INSERT.compile(dialect=dialect))
    sqlite_dialect = sa.create_mock_engine("sqlite+aiosqlite://", executor=None).dialect
    assert str(DEFERRED_INSERT.compile(dialect=sqlite_dialect)).startswith("INSERT /* deferred */ INTO t")


DEFERRED_RENAME = deferred(sa.update(T).where(T.c.name == sa.bindparam("old")).values(name=sa.bindparam("new")))


async def test_a_deferred_update_travels_with_the_commit_and_must_change_one_row(engine: AsyncEngine,
                                                                                trips: list[str]) -> None:
    async with engine.begin() as conn:
        await conn.execute(sa.insert(T), [{"name": "a"}, {"name": "b"}])
    trips.clear()
    async with engine.connect() as conn:
        await conn.execute(DEFERRED_RENAME, {"old": "a", "new": "a!"})
        await conn.execute(DEFERRED_INSERT, {"name": "c"})
        await conn.commit()
    assert trips[-1] == "commit_pending"  # the second's (the first trips are its connection being opened)
    async with engine.connect() as conn:
        await conn.execute(DEFERRED_INSERT, {"name": "d"})
        await conn.execute(DEFERRED_RENAME, {"old": "gone", "new": "x"})  # changes no row: a lost version check
        with pytest.raises(sa.exc.DatabaseError) as raised:
            await conn.commit()
        assert isinstance(raised.value.orig, RowsChanged)
    async with engine.connect() as conn:  # nothing of the failed transaction, and the gate is free
        await asyncio.wait_for(conn.execute(sa.insert(T).values(name="e")), 2)
        await conn.commit()
        assert (await conn.execute(sa.select(T.c.name).order_by(T.c.id))).scalars().all() == ["a!", "b", "c", "e"]


async def test_a_lost_deferred_update_is_a_concurrency_conflict(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(DEFERRED_RENAME, {"old": "gone", "new": "x"})
        with pytest.raises(ConcurrencyConflict), storage_errors("committing"):
            await conn.commit()
