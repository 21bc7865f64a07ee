"""On SQLite, which has no decimal type, amounts are stored as exact text, never as floats."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from adapters.sql.engine import make_engine
from adapters.sql.migrate import upgrade_async
from adapters.sql.uow import SqlUnitOfWorkFactory
from tests.contract.helpers import new_payment


async def test_sqlite_keeps_amounts_as_exact_two_decimal_text(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'money.db'}"
    await upgrade_async(url)
    engine = make_engine(url)
    try:
        async with SqlUnitOfWorkFactory(engine)() as uow:
            await uow.payments.add(new_payment(amount="100000000.00"))
            await uow.payments.add(new_payment("T20261124002", amount="0.10"))
            await uow.commit()
        async with engine.connect() as conn:
            rows = (await conn.execute(sa.text(
                "select order_no, typeof(total_amount), total_amount from ai_write_payment_transaction "
                "order by order_no"))).all()
            events = (await conn.execute(sa.text("select distinct typeof(amount) from paycore_payment_event"))).all()
        async with SqlUnitOfWorkFactory(engine)() as uow:
            loaded = await uow.payments.get("T20261124002")
    finally:
        await engine.dispose()
    assert [tuple(r) for r in rows] == [("T20261124001", "text", "100000000.00"), ("T20261124002", "text", "0.10")]
    assert [tuple(e) for e in events] == [("text",)]
    assert loaded is not None
    assert loaded.total_amount.fen == 10
