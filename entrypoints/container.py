"""The composition root: the only module that knows every concrete class. Nothing is built at import."""

from __future__ import annotations

from typing import Any

from dependency_injector import containers, providers

from adapters.gateways.fake import FakeGateway
from adapters.gateways.registry import StaticGatewayRegistry
from adapters.sql.engine import make_engine
from adapters.sql.uow import SqlUnitOfWorkFactory
from application.api_keys import ApiKeys
from application.apply_update import ApplyProviderUpdate
from application.clock import SystemClock
from application.close_payment import ClosePayment
from application.create_payment import CreatePayment
from application.queries import PaymentQueries
from application.refund_payment import RefundPayment
from application.sync_payment import SyncPayment, SyncRefund
from entrypoints.settings import Settings


def gateway_registry(settings: Settings) -> StaticGatewayRegistry:
    """The provider adapters. Until the real ones land, only the offline fake (when asked for)."""
    if settings.fake_providers:
        return StaticGatewayRegistry({"alipay": FakeGateway("alipay"), "wechat": FakeGateway("wechat")})
    return StaticGatewayRegistry()


class Container(containers.DeclarativeContainer):
    """Every object the entrypoints need, built on first use."""

    settings = providers.Dependency(instance_of=Settings)
    clock = providers.Singleton(SystemClock)
    engine = providers.Singleton(make_engine, settings.provided.database_url)
    uow = providers.Singleton(SqlUnitOfWorkFactory, engine)
    gateways = providers.Singleton(gateway_registry, settings)

    apply_update = providers.Singleton(ApplyProviderUpdate, uow, clock)
    create_payment = providers.Singleton(CreatePayment, uow, gateways, clock)
    close_payment = providers.Singleton(ClosePayment, uow, gateways, clock, apply_update)
    refund_payment = providers.Singleton(RefundPayment, uow, gateways, clock, apply_update)
    sync_payment = providers.Singleton(SyncPayment, uow, gateways, apply_update)
    sync_refund = providers.Singleton(SyncRefund, uow, gateways, apply_update)
    queries = providers.Singleton(PaymentQueries, uow)
    api_keys = providers.Singleton(ApiKeys, uow, clock)


def build_container(settings: Settings, **overrides: Any) -> Container:
    """A container for these settings; keyword overrides replace providers (tests, the demo)."""
    container = Container(settings=settings)
    for name, value in overrides.items():
        getattr(container, name).override(providers.Object(value))
    return container
