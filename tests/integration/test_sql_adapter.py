"""What only the SQL adapter promises: storage formats, the outbox row, defaults, outages, engines."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.engine import make_engine, ping
from adapters.sql.migrate import upgrade_async
from adapters.sql.tables import payment_transaction, webhook_outbox
from adapters.sql.uow import SqlUnitOfWorkFactory
from application.errors import StorageUnavailable
from application.records import PaymentConfig
from domain.events import Source
from domain.kinds import PaymentType
from tests.contract.helpers import ORDER_NO, T0, at, load, new_payment, paid, save_and_commit, store

REPO = Path(__file__).resolve().parents[2]
# Servers nobody listens for. (An unopenable SQLite file is left out: aiosqlite's failed-connect
# thread then posts to the test's closed event loop, a library race that only adds noise.)
UNREACHABLE = ["postgresql+asyncpg://postgres@127.0.0.1:1/test", "mysql+asyncmy://root@127.0.0.1:1/test"]


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on each migrated SQL backend."""
    engine = make_engine(database_url)
    yield engine
    await engine.dispose()


async def test_datetimes_are_stored_as_naive_utc_and_amounts_as_exact_decimals(engine: AsyncEngine) -> None:
    await store(SqlUnitOfWorkFactory(engine), new_payment(amount="100000000.00"))
    naive = sa.literal_column("create_time", sa.DateTime())  # read without UtcDateTime
    async with engine.connect() as conn:
        row = (await conn.execute(sa.select(naive, payment_transaction.c.total_amount)
                                  .select_from(payment_transaction))).one()
    assert row[0] == T0.replace(tzinfo=None)
    assert row[1] == Decimal("100000000.00")


async def test_a_webhook_event_leaves_a_pending_outbox_row_with_the_event_as_payload(engine: AsyncEngine) -> None:
    uow_factory = SqlUnitOfWorkFactory(engine)
    await store(uow_factory, new_payment())
    async with uow_factory() as uow:
        payment = await load(uow_factory)
        payment.apply(paid(), Source.NOTIFY, at(61))
        await save_and_commit(uow, payment)
        journal = await uow.payments.events(ORDER_NO)

    async with engine.connect() as conn:
        row = (await conn.execute(sa.select(webhook_outbox))).mappings().one()
        notify_data = await conn.scalar(sa.select(payment_transaction.c.notify_data))
    assert (row["event_id"], row["event_type"], row["status"], row["attempts"]) == (
        journal[-1].event_id, "payment.succeeded", "pending", 0)
    assert row["next_attempt_time"] == at(61)
    payload = json.loads(row["payload"])
    assert payload["id"] == journal[-1].event_id
    assert (payload["type"], payload["amount"], payload["order_no"]) == ("payment.succeeded", "99.90", ORDER_NO)
    assert "raw" not in payload
    assert notify_data is not None
    assert json.loads(notify_data) == paid().raw


async def test_a_new_default_config_takes_over_from_the_previous_default(engine: AsyncEngine) -> None:
    uow_factory = SqlUnitOfWorkFactory(engine)
    async with uow_factory() as uow:
        old = await uow.configs.add(PaymentConfig(0, PaymentType.ALIPAY, "old", is_default=True))
        await uow.configs.add(PaymentConfig(0, PaymentType.WECHAT, "wechat", is_default=True))
        new = await uow.configs.add(PaymentConfig(0, PaymentType.ALIPAY, "new", is_default=True))
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.configs.get_default("alipay") == new
        demoted = await uow.configs.get(old.config_id)
        wechat = await uow.configs.get_default("wechat")
    assert demoted is not None
    assert not demoted.is_default
    assert wechat is not None


@pytest.mark.parametrize("url", UNREACHABLE)
async def test_an_unreachable_database_is_storage_unavailable_and_not_ready(url: str) -> None:
    engine = make_engine(url)
    try:
        assert not await ping(engine)
        with pytest.raises(StorageUnavailable) as caught:
            async with SqlUnitOfWorkFactory(engine)() as uow:
                await uow.payments.get(ORDER_NO)
        assert caught.value.__cause__ is not None
    finally:
        await engine.dispose()


async def test_a_reachable_database_is_ready(engine: AsyncEngine) -> None:
    assert await ping(engine)


async def test_sqlite_runs_in_wal_mode_with_foreign_keys_enforced(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'paycore.db'}")
    try:
        async with engine.connect() as conn:
            assert await conn.scalar(sa.text("PRAGMA journal_mode")) == "wal"
            assert await conn.scalar(sa.text("PRAGMA foreign_keys")) == 1
            assert await conn.scalar(sa.text("PRAGMA busy_timeout")) > 0
    finally:
        await engine.dispose()


async def test_migrating_a_relative_sqlite_url_works_from_any_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    await upgrade_async("sqlite+aiosqlite:///./paycore.db")
    assert (tmp_path / "paycore.db").exists()


def test_the_alembic_command_line_migrates_paycore_database_url(tmp_path: Path) -> None:
    database = tmp_path / "cli.db"
    result = subprocess.run(
        [sys.executable, "-m", "alembic", "-c", str(REPO / "alembic.ini"), "upgrade", "head"],
        cwd=tmp_path, env={"PAYCORE_DATABASE_URL": f"sqlite+aiosqlite:///{database}", "PATH": ""},
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert database.exists()
