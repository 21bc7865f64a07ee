"""NotificationLog contract: append, read by order, and prune the oldest, on every backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from application.ports.storage import UnitOfWorkFactory
from application.records import NotificationRecord

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def record(order_no: str, days_ago: int) -> NotificationRecord:
    """A rejected notification received days_ago days before T0."""
    return NotificationRecord("alipay", None, order_no, "rejected", "bad_signature", "{}",
                              T0 - timedelta(days=days_ago))


async def test_purge_deletes_the_oldest_records_before_the_moment_a_batch_at_a_time(
        uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        for order_no, days in (("OLD3", 300), ("OLD2", 200), ("NEW1", 10), ("OLD1", 100), ("NEW2", 1)):
            await uow.notifications.add(record(order_no, days))
        await uow.commit()
    cutoff = T0 - timedelta(days=90)

    async with uow_factory() as uow:
        assert await uow.notifications.purge(cutoff, 2) == 2
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.notifications.purge(cutoff, 2) == 1
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.notifications.purge(cutoff, 2) == 0
        left = [r.order_no for name in ("OLD1", "OLD2", "OLD3", "NEW1", "NEW2")
                for r in await uow.notifications.for_order(name)]
    assert left == ["NEW1", "NEW2"]


async def test_a_purge_without_a_commit_deletes_nothing(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await uow.notifications.add(record("OLD1", 100))
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.notifications.purge(T0, 10) == 1
    async with uow_factory() as uow:
        assert len(await uow.notifications.for_order("OLD1")) == 1
