"""Listing payments: keyset pagination newest first, with filters."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from application.ports.storage import UnitOfWorkFactory
from application.records import PageRequest, PaymentFilter
from domain.events import Source
from domain.payment import Payment
from domain.status import TradeStatus
from tests.contract.helpers import at, new_payment, store


@pytest.fixture
async def five_payments(uow_factory: UnitOfWorkFactory) -> list[Payment]:
    """P1..P5 created a second apart, P3 and P4 in the same microsecond; P3 is closed."""
    payments = [
        new_payment("T00000001", now=at(0)),
        new_payment("T00000002", now=at(1), payment_type="wechat"),
        new_payment("T00000003", now=at(2)),
        new_payment("T00000004", now=at(2)),
        new_payment("T00000005", now=at(3), payment_type="wechat"),
    ]
    payments[2].close(Source.API, at(2.5))
    await store(uow_factory, *payments)
    return payments


async def order_nos(uow_factory: UnitOfWorkFactory, filters: PaymentFilter, limit: int = 50) -> list[str]:
    """Every matching order_no, page by page, following the cursor."""
    found: list[str] = []
    after = None
    async with uow_factory() as uow:
        while True:
            page = await uow.payments.list(filters, PageRequest(limit=limit, after=after))
            found += [p.order_no for p in page.items]
            if not page.has_more:
                return found
            last = page.items[-1]
            after = (last.create_time, last.order_no)


def numbers(order_nos: Sequence[str]) -> list[int]:
    """T00000004 -> 4."""
    return [int(o[1:]) for o in order_nos]


@pytest.mark.usefixtures("five_payments")
async def test_payments_are_listed_newest_first_across_pages(uow_factory: UnitOfWorkFactory) -> None:
    assert numbers(await order_nos(uow_factory, PaymentFilter(), limit=2)) == [5, 4, 3, 2, 1]
    assert numbers(await order_nos(uow_factory, PaymentFilter(), limit=5)) == [5, 4, 3, 2, 1]


async def test_a_page_holds_whole_payments_and_says_whether_more_follow(
    uow_factory: UnitOfWorkFactory, five_payments: list[Payment],
) -> None:
    async with uow_factory() as uow:
        first = await uow.payments.list(PaymentFilter(), PageRequest(limit=2))
        last = await uow.payments.list(PaymentFilter(), PageRequest(limit=2, after=(at(1), "T00000002")))
    assert first.has_more
    assert [p.order_no for p in first.items] == ["T00000005", "T00000004"]
    assert first.items[0].total_amount == five_payments[4].total_amount
    assert [p.order_no for p in last.items] == ["T00000001"]
    assert not last.has_more


@pytest.mark.usefixtures("five_payments")
async def test_payments_are_filtered_by_type_status_and_creation_time(uow_factory: UnitOfWorkFactory) -> None:
    assert numbers(await order_nos(uow_factory, PaymentFilter(payment_type="alipay"), limit=1)) == [4, 3, 1]
    assert numbers(await order_nos(uow_factory, PaymentFilter(trade_status=TradeStatus.TRADE_CLOSED))) == [3]
    window = PaymentFilter(created_from=at(1), created_to=at(3))  # from inclusive, to exclusive
    assert numbers(await order_nos(uow_factory, window, limit=2)) == [4, 3, 2]
    both = PaymentFilter(payment_type="wechat", trade_status=TradeStatus.WAIT_BUYER_PAY, created_from=at(2))
    assert numbers(await order_nos(uow_factory, both)) == [5]


async def test_an_empty_store_lists_nothing(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        page = await uow.payments.list(PaymentFilter(), PageRequest())
    assert list(page.items) == []
    assert not page.has_more
