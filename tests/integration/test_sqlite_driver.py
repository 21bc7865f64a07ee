"""The one-trip SQLite adapter: same results and errors as the stock one, fewer trips to aiosqlite's thread,
and one engine's writers taking turns in the event loop."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from adapters.sql.sqlite_driver import OneTripConnection, one_trip_dbapi
from tests.integration.sqlite_probe import T, engine, gate_of, trips
from tests.waiting import until

__all__ = ["engine", "trips"]  # fixtures


async def test_the_engine_uses_the_one_trip_connection(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        assert isinstance(raw.dbapi_connection, OneTripConnection)


async def test_rows_rowcount_and_lastrowid_are_those_of_sqlite(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        inserted = await conn.execute(sa.insert(T).values(name="a"))
        await conn.execute(sa.insert(T), [{"name": "b"}, {"name": "c"}])
        updated = await conn.execute(sa.update(T).where(T.c.name != "a").values(name=T.c.name + "!"))
        returned = (await conn.execute(sa.insert(T).values(name="d").returning(T.c.id, T.c.name))).all()
    async with engine.connect() as conn:
        rows = (await conn.execute(sa.select(T).order_by(T.c.id))).all()
        first = (await conn.execute(sa.select(T.c.name).order_by(T.c.id))).scalar()
        none = (await conn.execute(sa.select(T).where(T.c.id == 99))).first()
    assert inserted.inserted_primary_key == (1,)
    assert updated.rowcount == 2
    assert [tuple(r) for r in returned] == [(4, "d")]
    assert [tuple(r) for r in rows] == [(1, "a"), (2, "b!"), (3, "c!"), (4, "d")]
    assert first == "a"
    assert none is None


async def test_a_rolled_back_write_is_gone_and_errors_are_sqlite_s(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(sa.insert(T).values(name="a"))
        await conn.rollback()
        assert (await conn.execute(sa.select(sa.func.count()).select_from(T))).scalar() == 0
        await conn.execute(sa.insert(T).values(name="a"))
        await conn.commit()
        with pytest.raises(sa.exc.IntegrityError):
            await conn.execute(sa.insert(T).values(name="a"))
        await conn.rollback()
    async with engine.connect() as conn:
        assert (await conn.execute(sa.select(T.c.name))).scalars().all() == ["a"]


async def test_one_trip_per_statement_and_none_to_end_a_read(engine: AsyncEngine, trips: list[str]) -> None:
    async with engine.connect() as conn:
        await conn.execute(sa.select(T))
        await conn.rollback()
    assert trips == ["run_statement"]
    trips.clear()
    async with engine.connect() as conn:
        await conn.execute(sa.insert(T).values(name="a"))
        await conn.execute(sa.insert(T), [{"name": "b"}, {"name": "c"}])
        await conn.commit()
    assert trips == ["run_statement", "run_statement", "commit"]
    trips.clear()
    async with engine.connect() as conn:
        await conn.execute(sa.insert(T).values(name="z"))
    assert trips == ["run_statement", "rollback"]  # closing with an open transaction still rolls it back


async def test_writers_of_one_engine_take_turns_until_commit(engine: AsyncEngine, trips: list[str]) -> None:
    order: list[str] = []
    sent_after_read: list[int] = []
    async with engine.connect() as first:
        await first.execute(sa.insert(T).values(name="a"))  # first holds the write gate from here

        async def second_writer() -> None:
            async with engine.connect() as second:
                await second.execute(sa.select(T))  # reads do not wait
                order.append("second read")
                sent_after_read.append(len(trips))
                await second.execute(sa.insert(T).values(name="b"))
                order.append("second wrote")
                await second.commit()

        task = asyncio.create_task(second_writer())
        await until(lambda: gate_of(engine).waiting == 1)  # the second writer at the gate
        assert sent_after_read == [len(trips)]  # the second INSERT waits in the event loop, not in SQLite
        order.append("first commits")
        await first.commit()
    await task
    assert order == ["second read", "first commits", "second wrote"]


async def test_a_rollback_or_close_lets_the_next_writer_in(engine: AsyncEngine) -> None:
    async with engine.connect() as first:
        await first.execute(sa.insert(T).values(name="a"))
        await first.rollback()
        await first.execute(sa.insert(T).values(name="b"))
    async with engine.connect() as second:  # first closed inside its transaction: rolled back, gate free
        await asyncio.wait_for(second.execute(sa.insert(T).values(name="c")), 2)
        await second.commit()
        with pytest.raises(sa.exc.IntegrityError):
            await second.execute(sa.insert(T).values(name="c"))  # a failed write inside the transaction
        await second.rollback()
    async with engine.connect() as third:
        await asyncio.wait_for(third.execute(sa.insert(T).values(name="d")), 2)
        await third.commit()
        assert (await third.execute(sa.select(T.c.name).order_by(T.c.name))).scalars().all() == ["c", "d"]


async def test_a_writer_that_waits_too_long_fails_like_sqlite(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'gate.db'}"
    engine = create_async_engine(url, module=one_trip_dbapi(gate_timeout=0.2))
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text("create table t (id integer primary key, name text not null unique)"))
        async with engine.connect() as first, engine.connect() as second:
            await first.execute(sa.insert(T).values(name="a"))
            with pytest.raises(sa.exc.OperationalError, match="database is locked"):
                await second.execute(sa.insert(T).values(name="b"))
            await second.rollback()
            await first.commit()
            await second.execute(sa.insert(T).values(name="b"))
            await second.commit()
    finally:
        await engine.dispose()


async def test_writers_on_two_event_loops_sharing_the_engine_do_not_stall(engine: AsyncEngine,
                                                                      trips: list[str]) -> None:
    # The API and the in-process worker can run on different loops (the test client does that): each
    # loop queues its own writers, and SQLite's lock orders the loops.
    holding, release = threading.Event(), threading.Event()

    async def hold() -> None:
        async with engine.connect() as conn:
            await conn.execute(sa.insert(T).values(name="a"))
            holding.set()
            await asyncio.to_thread(release.wait, 5)
            await conn.commit()

    thread = threading.Thread(target=asyncio.run, args=(hold(),))
    thread.start()
    try:
        assert await asyncio.to_thread(holding.wait, 5)
        async with engine.connect() as first, engine.connect() as second:
            sent = len(trips)
            blocked = asyncio.create_task(first.execute(sa.insert(T).values(name="b")))  # in SQLite's busy handler
            await until(lambda: len(trips) > sent)
            queued = asyncio.create_task(second.execute(sa.insert(T).values(name="c")))  # in this loop's gate
            await until(lambda: gate_of(engine).waiting == 1)
            assert not blocked.done()
            release.set()  # the other loop's writer commits
            await asyncio.wait_for(blocked, 2)
            await first.commit()
            await asyncio.wait_for(queued, 2)
            await second.commit()
            names = (await second.execute(sa.select(T.c.name).order_by(T.c.name))).scalars().all()
        assert names == ["a", "b", "c"]
    finally:
        release.set()
        thread.join(5)
