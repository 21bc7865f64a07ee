"""The lock that orders paycore's processes writing one SQLite file: held from a write transaction's first write
to its end, and only then; taken by another process's writer in the kernel, not in SQLite's busy handler."""

from __future__ import annotations

import asyncio
import fcntl
import gc
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.engine import make_engine
from adapters.sql.sqlite_gate import ProcessLock
from adapters.sql.sqlite_trips import deferred
from tests.integration.sqlite_probe import T, engine

__all__ = ["engine"]  # fixtures


@pytest.fixture
def other_process(tmp_path: Path) -> Iterator[int]:
    """An open file description of the lock as another process would hold one."""
    fd = os.open(tmp_path / "driver.db-paycore-lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        yield fd
    finally:
        os.close(fd)


def free(fd: int) -> bool:
    """Whether another process could take the lock now (and it is left free)."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    fcntl.flock(fd, fcntl.LOCK_UN)
    return True


async def test_held_from_the_first_write_to_the_commit_or_rollback_and_not_by_reads(
        engine: AsyncEngine, other_process: int) -> None:
    async with engine.connect() as conn:
        await conn.execute(sa.select(T))
        assert free(other_process)  # a read takes nothing
        await conn.execute(sa.insert(T).values(name="a"))
        assert not free(other_process)
        await conn.execute(sa.select(T))
        assert not free(other_process)  # still inside the write transaction
        await conn.commit()
        assert free(other_process)
        await conn.execute(sa.insert(T).values(name="b"))
        assert not free(other_process)
        await conn.rollback()
        assert free(other_process)


async def test_a_deferred_write_takes_it_only_for_the_trip_that_sends_it(engine: AsyncEngine,
                                                                        other_process: int) -> None:
    async with engine.connect() as conn:
        await conn.execute(deferred(sa.insert(T)), {"name": "a"})
        assert free(other_process)  # nothing written yet: nothing held
        await conn.commit()
        assert free(other_process)
    async with engine.connect() as conn:
        assert (await conn.execute(sa.select(T.c.name))).scalars().all() == ["a"]


async def test_a_writer_waits_for_another_process_that_holds_it_and_goes_on_when_it_is_free(
        engine: AsyncEngine, other_process: int) -> None:
    fcntl.flock(other_process, fcntl.LOCK_EX)  # another process is writing
    async with engine.connect() as conn:
        writing = asyncio.create_task(conn.execute(sa.insert(T).values(name="a")))
        try:
            # SQLite's own lock is free: without the processes' lock the INSERT would be done long before this.
            done, _ = await asyncio.wait({writing}, timeout=0.3)
            assert not done
        finally:
            fcntl.flock(other_process, fcntl.LOCK_UN)  # ... and done
        await asyncio.wait_for(writing, 5)
        assert not free(other_process)
        await conn.commit()
    assert free(other_process)


def test_two_descriptions_of_the_lock_exclude_each_other(tmp_path: Path) -> None:
    first, second = ProcessLock.beside(str(tmp_path / "x.db")), ProcessLock.beside(str(tmp_path / "x.db"))
    assert first is not None
    assert second is not None
    first.take()
    fd = os.open(tmp_path / "x.db-paycore-lock", os.O_RDWR)
    try:
        assert not free(fd)
        first.give_back()
        assert free(fd)
    finally:
        os.close(fd)


def test_in_memory_and_uri_databases_have_none() -> None:
    assert ProcessLock.beside(":memory:") is None
    assert ProcessLock.beside("") is None
    assert ProcessLock.beside("file:x.db?mode=ro") is None


def test_a_hold_given_back_before_its_trip_took_it_is_never_left_held(tmp_path: Path) -> None:
    lock = ProcessLock.beside(str(tmp_path / "x.db"))
    assert lock is not None
    fd = os.open(tmp_path / "x.db-paycore-lock", os.O_RDWR)
    try:
        late = lock.hold()
        late.give_back()  # its transaction ended (a cancelled request) before its trip ran
        late.take()  # the trip runs after all
        assert free(fd)
        held = lock.hold()
        held.take()
        assert not free(fd)
        held.give_back()
        assert free(fd)
    finally:
        os.close(fd)


async def test_an_engine_disposed_and_gone_leaves_no_lock_file_open(tmp_path: Path) -> None:
    database = tmp_path / "many.db"

    def open_on_lock() -> int:
        lock = f"{database}-paycore-lock"
        return sum(os.readlink(f"/proc/self/fd/{fd}") == lock for fd in os.listdir("/proc/self/fd")
                   if os.path.exists(f"/proc/self/fd/{fd}"))

    for _ in range(3):  # a process that makes engines one after another (tests, the CLI's commands)
        made = make_engine(f"sqlite+aiosqlite:///{database}")
        async with made.begin() as conn:
            await conn.execute(sa.text("select 1"))
        assert open_on_lock() == 1
        await made.dispose()
        del made, conn
        gc.collect()
    assert open_on_lock() == 0
