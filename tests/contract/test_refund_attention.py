"""The Sweeps contract for refunds needing an operator and refund outcomes, on every backend (memory, SQLite,
PostgreSQL, MySQL): listing and counting by status and age, the once-only attention marker, failure fields."""

from __future__ import annotations

import asyncio

from application.ports.storage import UnitOfWorkFactory
from application.refund_attention import FlagStaleRefunds
from domain.events import Source
from domain.money import Money
from domain.status import RefundStatus
from domain.updates import ProviderUpdate, UpdateKind
from tests.contract.helpers import ORDER_NO, at, load, new_payment, paid, save_and_commit, store
from tests.contract.test_sweeps import Clock


async def three_refunds(uow_factory: UnitOfWorkFactory) -> None:
    """R1 (t=100) and R2 (t=200) PROCESSING, R3 (t=300) refused by the provider."""
    await store(uow_factory, new_payment())
    payment = await load(uow_factory)
    payment.apply(paid(), Source.NOTIFY, at(61))
    for n in (1, 2, 3):
        payment.request_refund(f"R{n}", Money.of("10.00"), "", at(100 * n))
    refused = ProviderUpdate(UpdateKind.REFUND_FAILED, ORDER_NO, amount=Money.of("10.00"), refund_no="R3",
                             failure_code="ACQ.TRADE_HAS_FINISHED", failure_message="交易已完结")
    payment.apply(refused, Source.API, at(301))
    async with uow_factory() as uow:
        await save_and_commit(uow, payment)


async def test_a_refused_refund_keeps_the_providers_code_and_message(uow_factory: UnitOfWorkFactory) -> None:
    await three_refunds(uow_factory)
    refund = (await load(uow_factory)).refunds["R3"]
    assert (refund.status, refund.failure_code, refund.failure_message) == (
        RefundStatus.FAILED, "ACQ.TRADE_HAS_FINISHED", "交易已完结")
    assert (await load(uow_factory)).committed_refunds == Money.of("20.00")  # R3's amount is free again


async def test_refunds_are_listed_and_counted_by_status_and_age_oldest_first(uow_factory: UnitOfWorkFactory) -> None:
    await three_refunds(uow_factory)
    async with uow_factory() as uow:
        sweeps = uow.sweeps
        assert [r.refund_no for r in await sweeps.list_refunds(None, None, 10)] == ["R1", "R2", "R3"]
        assert [r.refund_no for r in await sweeps.list_refunds(RefundStatus.PROCESSING, at(200), 10)] == ["R1", "R2"]
        assert [r.refund_no for r in await sweeps.list_refunds(RefundStatus.PROCESSING, at(199), 10)] == ["R1"]
        first = await sweeps.list_refunds(RefundStatus.PROCESSING, None, 1)
        after = (first[0].create_time, first[0].refund_no)
        assert [r.refund_no for r in await sweeps.list_refunds(RefundStatus.PROCESSING, None, 5, after)] == ["R2"]
        assert [r.refund_no for r in await sweeps.list_refunds(RefundStatus.FAILED, None, 10)] == ["R3"]
        assert await sweeps.count_refunds(RefundStatus.PROCESSING, at(200)) == 2
        assert await sweeps.count_refunds(RefundStatus.PROCESSING, at(99)) == 0


async def test_a_stale_refund_is_flagged_once_even_by_workers_racing(uow_factory: UnitOfWorkFactory) -> None:
    await three_refunds(uow_factory)
    async with uow_factory() as uow:
        assert await uow.sweeps.unflagged_refunds(at(150), 10) == ["R1"]  # R2 is younger, R3 settled
    workers = [FlagStaleRefunds(uow_factory, Clock(at(150 + 3600)), attention_hours=1) for _ in range(6)]
    assert sum(await asyncio.gather(*(w.run_once() for w in workers))) == 1
    async with uow_factory() as uow:
        assert await uow.sweeps.unflagged_refunds(at(150), 10) == []
        assert not await uow.sweeps.flag_refund("R1", at(4000))
        assert not await uow.sweeps.flag_refund("R3", at(4000))  # settled: never flagged
        assert await uow.sweeps.unflagged_refunds(at(250), 10) == ["R2"]
