"""Racing writers of one payment, each in its own unit of work (real separate sessions on SQL)."""

from __future__ import annotations

import asyncio
from datetime import datetime

from application.apply_update import ApplyProviderUpdate, Outcome
from application.errors import ConcurrencyConflict
from application.ports.storage import UnitOfWorkFactory
from application.records import PaymentConfig
from domain.events import Source
from domain.kinds import PaymentType
from domain.status import TradeStatus
from tests.contract.helpers import (
    ORDER_NO,
    at,
    event_types,
    load,
    new_payment,
    outbox_event_ids,
    paid,
    save_and_commit,
    store,
)

CONFIG = PaymentConfig(config_id=101, payment_type=PaymentType.ALIPAY, config_name="main")


class FixedClock:
    """A clock stopped at one instant."""

    def now(self) -> datetime:
        return at(61)


async def test_two_writers_saving_one_payment_at_once_one_wins_and_the_other_conflicts(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await store(uow_factory, new_payment())
    async with uow_factory() as first, uow_factory() as second:
        closing, paying = await first.payments.get(ORDER_NO), await second.payments.get(ORDER_NO)
        assert closing is not None
        assert paying is not None
        closing.close(Source.API, at(10))
        paying.apply(paid(), Source.NOTIFY, at(61))
        results = await asyncio.gather(save_and_commit(first, closing), save_and_commit(second, paying),
                                       return_exceptions=True)

    assert sorted(type(r).__name__ for r in results) == ["ConcurrencyConflict", "NoneType"]
    winner = closing if results[0] is None else paying
    stored = await load(uow_factory)
    assert (stored.version, stored.status) == (1, winner.status)
    expected = "payment.closed" if winner is closing else "payment.succeeded"
    assert await event_types(uow_factory) == ["payment.created", expected]
    assert len(await outbox_event_ids(uow_factory)) == 1


async def test_the_loser_of_a_race_reloads_and_its_change_is_not_lost(uow_factory: UnitOfWorkFactory) -> None:
    await store(uow_factory, new_payment())

    async def append_to_body(label: str) -> str:
        for _ in range(10):
            try:
                async with uow_factory() as uow:
                    payment = await uow.payments.get(ORDER_NO)
                    assert payment is not None
                    payment.body = f"{payment.body}+{label}"
                    await save_and_commit(uow, payment)
                    return label
            except ConcurrencyConflict:
                continue
        raise AssertionError("never won")

    await asyncio.gather(*(append_to_body(str(n)) for n in range(4)))
    stored = await load(uow_factory)
    assert stored.version == 4
    assert sorted(stored.body.split("+")[1:]) == ["0", "1", "2", "3"]


async def test_one_provider_event_applied_by_racing_writers_is_journaled_once(uow_factory: UnitOfWorkFactory) -> None:
    await store(uow_factory, new_payment())
    apply = ApplyProviderUpdate(uow_factory, FixedClock())

    results = await asyncio.gather(*(apply(paid(), CONFIG, Source.NOTIFY) for _ in range(3)))

    assert sorted(r.outcome for r in results) == [Outcome.ALREADY_APPLIED, Outcome.ALREADY_APPLIED, Outcome.APPLIED]
    stored = await load(uow_factory)
    assert (stored.version, stored.status) == (1, TradeStatus.TRADE_SUCCESS)
    assert await event_types(uow_factory) == ["payment.created", "payment.succeeded"]
    assert len(await outbox_event_ids(uow_factory)) == 1
