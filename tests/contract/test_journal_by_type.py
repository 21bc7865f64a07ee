"""Journal entries of one type across payments (the anomalies list): newest first, paged by a keyset cursor."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from application.ports.storage import UnitOfWorkFactory
from application.records import JournalEntry, JournalPageRequest
from domain.events import EventType, Source
from domain.payment import Payment
from tests.contract.helpers import at, new_payment, paid, store


def paid_after_close(order_no: str, seconds: float) -> Payment:
    """A payment closed locally, then paid at `seconds`: its journal holds one payment.anomaly."""
    payment = new_payment(order_no, now=at(0))
    payment.close(Source.API, at(1))
    payment.apply(paid(order_no, event_id=f"N-{order_no}"), Source.NOTIFY, at(seconds))
    return payment


@pytest.fixture
async def four_anomalies(uow_factory: UnitOfWorkFactory) -> None:
    """A1..A4 paid after close at 10, 20, 20 and 30 s, and a payment paid normally."""
    normal = new_payment("T00000009", now=at(0))
    normal.apply(paid("T00000009", event_id="N-normal"), Source.NOTIFY, at(40))
    await store(uow_factory, paid_after_close("A0000001", 10), paid_after_close("A0000002", 20),
                paid_after_close("A0000003", 20), paid_after_close("A0000004", 30), normal)


async def pages(uow_factory: UnitOfWorkFactory, event_type: EventType, limit: int) -> list[list[JournalEntry]]:
    """Every page of entries of the type, following the (time, event_id) of each page's last entry."""
    found: list[list[JournalEntry]] = []
    before = None
    async with uow_factory() as uow:
        while True:
            page = await uow.payments.events_of_type(JournalPageRequest(event_type, limit, before))
            if not page:
                return found
            found.append(list(page))
            before = (page[-1].event.occurred_at, page[-1].event_id)


def order_nos(entries: Sequence[JournalEntry]) -> list[str]:
    """The order_no of each entry."""
    return [entry.event.order_no for entry in entries]


@pytest.mark.usefixtures("four_anomalies")
async def test_entries_of_one_type_come_newest_first_across_payments(uow_factory: UnitOfWorkFactory) -> None:
    (everything,) = await pages(uow_factory, EventType.PAYMENT_ANOMALY, limit=10)
    assert order_nos(everything)[0] == "A0000004"
    assert order_nos(everything)[-1] == "A0000001"
    assert sorted(order_nos(everything)[1:3]) == ["A0000002", "A0000003"]
    assert all(entry.event.event_type is EventType.PAYMENT_ANOMALY for entry in everything)
    assert everything[0].event.detail["kind"] == "paid_after_close"
    assert everything[0].event.occurred_at == at(30)


@pytest.mark.usefixtures("four_anomalies")
async def test_paging_by_the_last_entry_visits_each_entry_once_even_at_equal_times(
    uow_factory: UnitOfWorkFactory,
) -> None:
    (everything,) = await pages(uow_factory, EventType.PAYMENT_ANOMALY, limit=10)
    for limit in (1, 2, 3):
        paged = await pages(uow_factory, EventType.PAYMENT_ANOMALY, limit)
        assert [order_nos(page) for page in paged] == [order_nos(everything)[i:i + limit]
                                                        for i in range(0, 4, limit)]


@pytest.mark.usefixtures("four_anomalies")
async def test_other_types_are_listed_apart(uow_factory: UnitOfWorkFactory) -> None:
    (succeeded,) = await pages(uow_factory, EventType.PAYMENT_SUCCEEDED, limit=10)
    assert order_nos(succeeded)[0] == "T00000009"  # paid at 40 s, after every anomaly
    assert len(succeeded) == 5
    assert await pages(uow_factory, EventType.REFUND_FAILED, limit=10) == []
