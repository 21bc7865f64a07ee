"""The PostgreSQL adapter: plain SELECTs before a unit of work's first write run outside a transaction (no BEGIN,
no ROLLBACK for a unit that only read); writes and locking reads begin one as before (issue 12)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.asyncpg_driver import ReadFirstConnection, plain_read
from adapters.sql.engine import make_engine
from tests.conftest import server_url

pytestmark = pytest.mark.postgres
T = sa.Table("read_first_probe", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("name", sa.String(20), nullable=False))


@pytest.fixture
async def engine() -> AsyncIterator[AsyncEngine]:
    engine = make_engine(server_url("postgres"))
    async with engine.begin() as conn:
        await conn.run_sync(lambda c: T.drop(c, checkfirst=True))
        await conn.run_sync(T.create)
        await conn.execute(sa.insert(T).values(id=1, name="a"))
    try:
        yield engine
    finally:
        async with engine.begin() as conn:
            await conn.run_sync(lambda c: T.drop(c, checkfirst=True))
        await engine.dispose()


@pytest.fixture
def begun(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """BEGIN, COMMIT and ROLLBACK as asyncpg sends them."""
    sent: list[str] = []
    transaction = asyncpg.transaction.Transaction
    for name in ("start", "commit", "rollback"):
        original = getattr(transaction, name)

        async def counting(self: Any, _original: Any = original, _name: str = name) -> None:
            sent.append(_name)
            await _original(self)

        monkeypatch.setattr(transaction, name, counting)
    return sent


async def test_the_engine_uses_the_read_first_connection(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        assert isinstance(raw.dbapi_connection, ReadFirstConnection)


async def test_a_unit_that_only_reads_sends_no_begin_and_no_rollback(engine: AsyncEngine, begun: list[str]) -> None:
    async with engine.connect() as conn:
        names = (await conn.execute(sa.select(T.c.name))).scalars().all()
        again = (await conn.execute(sa.select(T.c.name).where(T.c.id == 1))).scalar()
    assert names == ["a"]
    assert again == "a"
    assert begun == []


async def test_a_write_after_reads_begins_the_transaction_and_rolls_back(engine: AsyncEngine,
                                                                         begun: list[str]) -> None:
    async with engine.connect() as conn:
        await conn.execute(sa.select(T.c.name))
        await conn.execute(sa.update(T).values(name="b"))
        assert (await conn.execute(sa.select(T.c.name))).scalar() == "b"  # inside the transaction now
        await conn.rollback()
        await conn.execute(sa.insert(T).values(id=2, name="c"))
        await conn.commit()
    async with engine.connect() as conn:
        assert (await conn.execute(sa.select(T.c.name).order_by(T.c.id))).scalars().all() == ["a", "c"]
    assert begun == ["start", "rollback", "start", "commit"]


async def test_a_locking_read_holds_its_lock_until_the_transaction_ends(engine: AsyncEngine) -> None:
    locked = sa.select(T.c.name).where(T.c.id == 1).with_for_update()
    async with engine.connect() as first, engine.connect() as second:
        await first.execute(locked)  # begins the transaction: the row stays locked
        with pytest.raises(sa.exc.DBAPIError, match="could not obtain lock"):
            await second.execute(locked.with_for_update(nowait=True))
        await second.rollback()
        await first.commit()
        assert (await second.execute(locked.with_for_update(nowait=True))).scalar() == "a"
        await second.commit()


def test_only_selects_without_row_locks_are_plain_reads() -> None:
    dialect = sa.create_mock_engine("postgresql+asyncpg://", executor=None).dialect
    select = sa.select(T).where(T.c.id == 1)
    assert plain_read(str(select.compile(dialect=dialect)))
    for locking in (select.with_for_update(), select.with_for_update(skip_locked=True),
                    select.with_for_update(read=True), select.with_for_update(key_share=True)):
        assert not plain_read(str(locking.compile(dialect=dialect)))
    for write in (sa.insert(T).values(id=3, name="x"), sa.update(T).values(name="x"), sa.delete(T)):
        assert not plain_read(str(write.compile(dialect=dialect)))
