"""The use cases wired to in-memory storage, fake gateways and a clock the test moves."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, cast

from adapters.crypto.master_keys import MasterKey
from adapters.crypto.secret_box import AesGcmSecretBox
from adapters.gateways.fake import FakeGateway
from adapters.gateways.registry import StaticGatewayRegistry
from adapters.memory.store import MemoryStore
from adapters.memory.uow import MemoryPayments, MemoryUnitOfWork, MemoryUnitOfWorkFactory
from application.anomalies import Anomalies, AnomalyAlerts
from application.api_keys import ApiKeys
from application.apply_update import ApplyProviderUpdate, ApplyResult
from application.attempt_followups import AttemptFollowUps
from application.close_payment import ClosePayment
from application.create_payment import CreatePayment, CreatePaymentCommand
from application.errors import ConcurrencyConflict
from application.ports.providers import BillSource, NotificationVerifier, PaymentGateway, RefundGateway
from application.queries import PaymentQueries
from application.records import JournalEntry, PaymentConfig
from application.refund_payment import RefundPayment
from application.start_attempt import StartAttempt
from application.sync_payment import SyncPayment, SyncRefund
from domain.events import EventType, Source
from domain.kinds import PaymentType, PayMethod
from domain.money import Money
from domain.payment import Payment
from domain.updates import ProviderUpdate
from entrypoints.container import PAY_METHODS
from tests.unit.builders import PAID_AT, T0

ALIPAY = PaymentConfig(101, PaymentType.ALIPAY, "Alipay main", app_id="2021000000000001",
                       settings={"seller_id": "2088000000000001"},
                       return_url="https://shop.example/return", is_default=True)
WECHAT = PaymentConfig(102, PaymentType.WECHAT, "WeChat main", app_id="wx0000000000000001",
                       settings={"mch_id": "1900000001"},
                       is_default=True)


class FakeClock:
    """A clock that stands still until the test moves it."""

    def __init__(self, now: datetime = T0) -> None:
        self._now = now

    def now(self) -> datetime:
        """The current fake time."""
        return self._now

    def advance(self, **delta: float) -> datetime:
        """Move time forward; returns the new now."""
        self._now += timedelta(**delta)
        return self._now


@dataclass
class App:
    """Every payment use case over one store, two fake providers and one clock."""

    uow: MemoryUnitOfWorkFactory
    clock: FakeClock
    alipay: FakeGateway
    wechat: FakeGateway
    gateways: StaticGatewayRegistry
    create: CreatePayment
    close: ClosePayment
    refund: RefundPayment
    apply: ApplyProviderUpdate
    sync: SyncPayment
    sync_refund: SyncRefund
    queries: PaymentQueries
    api_keys: ApiKeys
    start: StartAttempt

    @property
    def store(self) -> MemoryStore:
        """The committed state."""
        return self.uow.store

    async def journal(self, order_no: str) -> list[EventType]:
        """The journal's event types, oldest first."""
        return [entry.event.event_type for entry in await self.entries(order_no)]

    async def entries(self, order_no: str) -> list[JournalEntry]:
        """The journal, oldest first."""
        return list(await self.queries.events(order_no))

    async def stored(self, order_no: str) -> Payment:
        """The committed payment."""
        return await self.queries.get(order_no)

    async def notify(self, update: ProviderUpdate, config: PaymentConfig = ALIPAY) -> ApplyResult:
        """Deliver a provider notification."""
        return await self.apply(update, config, Source.NOTIFY)

    async def create_paid(self, order_no: str = "T20261124001", total: str = "99.90") -> Payment:
        """A payment the buyer has paid and whose notification was applied."""
        await self.create(order(order_no=order_no, total_amount=Money.from_yuan(total)))
        self.clock.advance(minutes=5)
        return (await self.notify(self.alipay.pay(order_no, paid_at=PAID_AT))).payment


class OnlyCapability:
    """One capability of a gateway and nothing else: asking it for another port's method is an AttributeError."""

    def __init__(self, inner: object, port: type) -> None:
        self._inner, self._names = inner, {n for n in dir(port) if not n.startswith("_")}

    def __getattr__(self, name: str) -> Any:
        if name not in self._names:
            raise AttributeError(f"{name} is not part of the capability this use case asked for")
        return getattr(self._inner, name)


class NarrowRegistry(StaticGatewayRegistry):
    """Hands out each capability alone, so a use case that asked for the wrong one fails its tests."""

    def payments(self, config: PaymentConfig) -> PaymentGateway:
        return cast(PaymentGateway, OnlyCapability(self.for_config(config), PaymentGateway))

    def refunds(self, config: PaymentConfig) -> RefundGateway:
        return cast(RefundGateway, OnlyCapability(self.for_config(config), RefundGateway))

    def verifier(self, config: PaymentConfig) -> NotificationVerifier:
        return cast(NotificationVerifier, OnlyCapability(self.for_config(config), NotificationVerifier))

    def bills(self, config: PaymentConfig) -> BillSource:
        return cast(BillSource, OnlyCapability(self.for_config(config), BillSource))


def test_secret_box() -> AesGcmSecretBox:
    """A secret box under a fixed test master key."""
    return AesGcmSecretBox([MasterKey("test", bytes(range(32)))])


def build_app(uow: MemoryUnitOfWorkFactory | None = None, configs: tuple[PaymentConfig, ...] = (ALIPAY, WECHAT),
              refunds_settle_at_once: bool = True, refund_paid_after_close: bool = False,
              alerts: AnomalyAlerts | None = None) -> App:
    """A fresh app; pass a factory to share or instrument storage."""
    uow = uow or MemoryUnitOfWorkFactory()
    for config in configs:
        uow.store.configs[config.config_id] = config
    clock = FakeClock()
    alipay = FakeGateway("alipay", refunds_settle_at_once=refunds_settle_at_once)
    wechat = FakeGateway("wechat", refunds_settle_at_once=refunds_settle_at_once)
    gateways = NarrowRegistry({"alipay": alipay, "wechat": wechat}, methods=PAY_METHODS)
    apply = ApplyProviderUpdate(uow, clock, Anomalies(gateways, alerts, refund_paid_after_close),
                                AttemptFollowUps(uow, gateways))
    return App(
        uow=uow, clock=clock, alipay=alipay, wechat=wechat, gateways=gateways,
        create=CreatePayment(uow, gateways, clock), close=ClosePayment(uow, gateways, clock, apply),
        refund=RefundPayment(uow, gateways, clock, apply), apply=apply, sync=SyncPayment(uow, gateways, apply),
        sync_refund=SyncRefund(uow, gateways, apply), queries=PaymentQueries(uow),
        api_keys=ApiKeys(uow, clock, test_secret_box()), start=StartAttempt(uow, gateways, clock),
    )


def order(**changes: Any) -> CreatePaymentCommand:
    """A valid Alipay PC order; keyword arguments change fields."""
    base = CreatePaymentCommand(order_no="T20261124001", payment_type=PaymentType.ALIPAY, pay_method=PayMethod.PC,
                                subject="Thesis polishing", total_amount=Money.from_yuan("99.90"))
    return replace(base, **changes)


class InterleavingPayments(MemoryPayments):
    """Lets every other task run between loading a payment and using it."""

    async def get(self, order_no: str) -> Payment | None:
        payment = await super().get(order_no)
        await asyncio.sleep(0)
        return payment


class InterleavingUnitOfWork(MemoryUnitOfWork):
    """Yields before committing and counts the commits that lost the version check."""

    def __init__(self, store: MemoryStore, factory: InterleavingUnitOfWorkFactory) -> None:
        super().__init__(store)
        self.payments = InterleavingPayments(store, self._staged, self._written)
        self._factory = factory

    async def commit(self) -> None:
        await asyncio.sleep(0)
        try:
            await super().commit()
        except ConcurrencyConflict:
            self._factory.conflicts += 1
            raise


class InterleavingUnitOfWorkFactory(MemoryUnitOfWorkFactory):
    """Units of work whose transactions overlap, like concurrent requests on a database."""

    conflicts = 0

    def __call__(self) -> InterleavingUnitOfWork:
        return InterleavingUnitOfWork(self.store, self)
