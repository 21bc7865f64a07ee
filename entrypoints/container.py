"""The composition root: the only module that knows every concrete class. Nothing is built at import."""

from __future__ import annotations

from typing import Any

from dependency_injector import containers, providers

from adapters.crypto.keys import RsaKeyInspector
from adapters.crypto.master_keys import MasterKeyError, load_master_keys
from adapters.crypto.secret_box import AesGcmSecretBox
from adapters.gateways.fake import FakeGateway
from adapters.gateways.registry import StaticGatewayRegistry
from adapters.sql.engine import make_engine
from adapters.sql.uow import SqlUnitOfWorkFactory
from application.api_keys import ApiKeys
from application.apply_update import ApplyProviderUpdate
from application.clock import SystemClock
from application.close_payment import ClosePayment
from application.create_payment import CreatePayment
from application.handle_notification import HandleNotification
from application.manage_configs import ManageConfigs
from application.queries import PaymentQueries
from application.refund_payment import RefundPayment
from application.secrets import StoredSecrets
from application.sync_payment import SyncPayment, SyncRefund
from entrypoints.settings import Settings, SettingsError


def gateway_registry(settings: Settings) -> StaticGatewayRegistry:
    """The provider adapters. Until the real ones land, only the offline fake (when asked for)."""
    if settings.fake_providers:
        return StaticGatewayRegistry({"alipay": FakeGateway("alipay"), "wechat": FakeGateway("wechat")})
    return StaticGatewayRegistry()


def make_secret_box(settings: Settings) -> AesGcmSecretBox:
    """The secret box under the configured master keys; a clear SettingsError when there are none."""
    try:
        keys = load_master_keys(settings.master_keys, settings.master_key_file)
    except MasterKeyError as e:
        raise SettingsError(str(e)) from e
    if not keys:
        raise SettingsError(
            "no master key: paycore encrypts payment secrets at rest and needs PAYCORE_MASTER_KEYS "
            "(id:base64key, the first one encrypts) or PAYCORE_MASTER_KEY_FILE. Make one with "
            "`paycore keys generate`, keep it outside the database, and set it before starting."
        )
    return AesGcmSecretBox(keys)


class Container(containers.DeclarativeContainer):
    """Every object the entrypoints need, built on first use."""

    settings = providers.Dependency(instance_of=Settings)
    clock = providers.Singleton(SystemClock)
    engine = providers.Singleton(make_engine, settings.provided.database_url)
    uow = providers.Singleton(SqlUnitOfWorkFactory, engine)
    gateways = providers.Singleton(gateway_registry, settings)
    secret_box = providers.Singleton(make_secret_box, settings)
    key_inspector = providers.Singleton(RsaKeyInspector)

    apply_update = providers.Singleton(ApplyProviderUpdate, uow, clock)
    create_payment = providers.Singleton(CreatePayment, uow, gateways, clock)
    close_payment = providers.Singleton(ClosePayment, uow, gateways, clock, apply_update)
    refund_payment = providers.Singleton(RefundPayment, uow, gateways, clock, apply_update)
    sync_payment = providers.Singleton(SyncPayment, uow, gateways, apply_update)
    sync_refund = providers.Singleton(SyncRefund, uow, gateways, apply_update)
    queries = providers.Singleton(PaymentQueries, uow)
    api_keys = providers.Singleton(ApiKeys, uow, clock, secret_box)
    configs = providers.Singleton(ManageConfigs, uow, secret_box, key_inspector, clock)
    stored_secrets = providers.Singleton(StoredSecrets, uow, secret_box)
    handle_notification = providers.Singleton(HandleNotification, uow, gateways, apply_update, clock)


def build_container(settings: Settings, **overrides: Any) -> Container:
    """A container for these settings; keyword overrides replace providers (tests, the demo)."""
    container = Container(settings=settings)
    for name, value in overrides.items():
        getattr(container, name).override(providers.Object(value))
    return container
