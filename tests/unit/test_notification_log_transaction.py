"""An accepted notification is logged in the transaction that applies it: one unit of work, one commit, all or
nothing (a refused one is logged on its own, since nothing else is written for it)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from adapters.memory.store import MemoryStore
from adapters.memory.uow import MemoryUnitOfWork, MemoryUnitOfWorkFactory
from application.errors import NotificationRejected, StorageUnavailable
from application.handle_notification import HandleNotification
from application.records import RawNotification
from domain.status import TradeStatus
from tests.unit.harness import ALIPAY, App, build_app, order


class CountingUnitOfWork(MemoryUnitOfWork):
    """Counts its commits on the factory; fails them while the factory says so."""

    def __init__(self, store: MemoryStore, factory: CountingFactory) -> None:
        super().__init__(store)
        self._factory = factory

    async def commit(self) -> None:
        self._factory.commits += 1
        if self._factory.failing:
            raise StorageUnavailable("the database went away")
        await super().commit()


class CountingFactory(MemoryUnitOfWorkFactory):
    """Units of work that are counted."""

    units = commits = 0
    failing = False

    def __call__(self) -> CountingUnitOfWork:
        self.units += 1
        return CountingUnitOfWork(self.store, self)


def paid(order_no: str = "T20261124001", **changes: str) -> RawNotification:
    """A fake-signed payment notification for the order."""
    fields = {"sign": "fake-ok", "amount": "99.90", "order_no": order_no, "app_id": ALIPAY.app_id, **changes}
    return RawNotification(urlencode(fields).encode(), {}, fields)


async def counted_app() -> tuple[App, CountingFactory, HandleNotification]:
    """An app with one unpaid order, the counters at zero."""
    factory = CountingFactory()
    app = build_app(factory)
    await app.create(order())
    factory.units = factory.commits = 0
    return app, factory, HandleNotification(app.uow, app.gateways, app.apply, app.clock)


def outcomes(app: App) -> list[str]:
    return [r.outcome for r in app.store.notifications]


async def test_an_applied_notification_and_its_log_record_are_one_commit() -> None:
    app, factory, handle = await counted_app()

    result = await handle("alipay", None, paid())

    assert result.payment.status is TradeStatus.TRADE_SUCCESS
    assert outcomes(app) == ["applied"]
    assert (factory.units, factory.commits) == (2, 1)  # the read that routes it, then the apply that logs it


async def test_a_repeated_notification_is_logged_in_one_commit_and_changes_nothing_else() -> None:
    app, factory, handle = await counted_app()
    await handle("alipay", None, paid())
    factory.units = factory.commits = 0

    result = await handle("alipay", None, paid())

    assert result.outcome.value == "already_applied"
    assert outcomes(app) == ["applied", "already_applied"]
    assert (factory.units, factory.commits) == (2, 1)


async def test_a_failed_commit_writes_neither_the_payment_nor_its_log_record() -> None:
    app, factory, handle = await counted_app()
    factory.failing = True

    with pytest.raises(StorageUnavailable):
        await handle("alipay", None, paid())

    assert (await app.stored("T20261124001")).status is TradeStatus.WAIT_BUYER_PAY
    assert outcomes(app) == []


async def test_a_refused_notification_is_still_logged_although_the_apply_wrote_nothing() -> None:
    app, _, handle = await counted_app()

    with pytest.raises(NotificationRejected):
        await handle("alipay", None, paid(amount="1.00"))

    assert outcomes(app) == ["rejected"]
    assert (await app.stored("T20261124001")).status is TradeStatus.WAIT_BUYER_PAY
