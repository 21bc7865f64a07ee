"""How many statements the hot paths send: each one costs a trip and SQLAlchemy's work per request."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.engine import make_engine
from adapters.sql.uow import SqlUnitOfWorkFactory
from domain.events import Source
from tests.contract.helpers import at, load, new_payment, paid, store


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on each migrated SQL backend."""
    engine = make_engine(database_url)
    yield engine
    await engine.dispose()


def counting(engine: AsyncEngine) -> list[str]:
    """The SELECTs the engine sends from now on."""
    sent: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            sent.append(statement)

    sa.event.listen(engine.sync_engine, "before_cursor_execute", note)
    return sent


async def test_an_unpaid_payment_is_read_in_one_select(engine: AsyncEngine) -> None:
    uow_factory = SqlUnitOfWorkFactory(engine)
    await store(uow_factory, new_payment())
    sent = counting(engine)

    payment = await load(uow_factory)

    assert (payment.refunds, payment.seen_event_ids) == ({}, set())
    assert len(sent) == 1


async def test_a_paid_payment_is_read_with_its_refunds_and_the_provider_events_it_applied(
        engine: AsyncEngine) -> None:
    payment = new_payment()
    payment.apply(paid(), Source.NOTIFY, at(61))
    await store(SqlUnitOfWorkFactory(engine), payment)
    sent = counting(engine)

    payment = await load(SqlUnitOfWorkFactory(engine))

    assert payment.seen_event_ids == {"N-paid-1"}
    assert len(sent) == 3  # the row, its refunds, its applied provider event ids
