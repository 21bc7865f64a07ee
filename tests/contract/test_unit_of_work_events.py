"""The unit of work, on every backend, forgets a written payment's pending events when (and only when) it commits."""

from __future__ import annotations

import pytest

from application.errors import DuplicateKey
from application.ports.storage import UnitOfWorkFactory
from domain.events import EventType, Source
from tests.contract.helpers import ORDER_NO, at, event_types, load, new_payment, store


async def test_a_commit_clears_the_events_of_the_payments_it_wrote(uow_factory: UnitOfWorkFactory) -> None:
    payment = new_payment()
    async with uow_factory() as uow:
        await uow.payments.add(payment)
        assert [e.event_type for e in payment.pending_events] == [EventType.PAYMENT_CREATED]
        await uow.commit()
    assert payment.pending_events == []

    payment.close(Source.API, at(10))
    async with uow_factory() as uow:
        await uow.payments.save(payment)
        await uow.commit()
    assert payment.pending_events == []
    assert await event_types(uow_factory) == ["payment.created", "payment.closed"]


async def test_a_unit_left_without_commit_keeps_the_events_so_a_retry_writes_them(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await store(uow_factory, new_payment())
    payment = await load(uow_factory, ORDER_NO)
    payment.close(Source.API, at(10))
    version = payment.version
    async with uow_factory() as uow:
        await uow.payments.save(payment)
    assert [e.event_type for e in payment.pending_events] == [EventType.PAYMENT_CLOSED]

    payment.version = version
    async with uow_factory() as uow:
        await uow.payments.save(payment)
        await uow.commit()
    assert payment.pending_events == []
    assert await event_types(uow_factory) == ["payment.created", "payment.closed"]


async def test_a_failed_commit_keeps_the_events(uow_factory: UnitOfWorkFactory) -> None:
    await store(uow_factory, new_payment())
    again = new_payment(amount="1.00")

    async def add_again() -> None:
        async with uow_factory() as uow:
            await uow.payments.add(again)
            await uow.commit()

    with pytest.raises(DuplicateKey):
        await add_again()
    assert [e.event_type for e in again.pending_events] == [EventType.PAYMENT_CREATED]
