"""The composition root: the only module that knows every concrete class. Nothing is built at import."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from dependency_injector import containers, providers

from adapters.crypto.cashier_tokens import CashierTokens
from adapters.crypto.keys import RsaKeyInspector
from adapters.crypto.master_keys import MasterKey, MasterKeyError, load_master_keys
from adapters.crypto.secret_box import AesGcmSecretBox
from adapters.gateways.alipay.provider import PROVIDER as ALIPAY
from adapters.gateways.provider import GatewayDeps, ProviderAdapter
from adapters.gateways.registry import ConfigGatewayRegistry
from adapters.gateways.wechat.provider import PROVIDER as WECHAT
from adapters.sql.bill_matcher import SqlBillMatcher
from adapters.sql.engine import make_engine
from adapters.sql.reconciliation_records import SqlReconciliationRecords
from adapters.sql.reconciliation_runs import SqlReconciliationRuns
from adapters.sql.reconciliation_schedule import SqlReconcileSchedule
from adapters.sql.uow import SqlUnitOfWorkFactory
from adapters.webhooks.sender import HttpxWebhookSender
from adapters.webhooks.signing import StandardWebhooksSigner
from application.anomalies import Anomalies
from application.api_keys import ApiKeys
from application.apply_update import ApplyProviderUpdate
from application.attempt_followups import AttemptFollowUps
from application.clock import SystemClock
from application.close_payment import ClosePayment
from application.config_validation import ConfigRules
from application.create_payment import CreatePayment
from application.daily_reconcile import DailyReconcile
from application.deliver_webhooks import DeliverWebhooks
from application.expire_payments import ExpirePayments
from application.handle_notification import HandleNotification
from application.list_anomalies import ListAnomalies
from application.manage_configs import ManageConfigs
from application.ports.crypto import KeyInspector, SecretBox
from application.ports.storage import UnitOfWorkFactory
from application.prune_notifications import PruneNotificationLog
from application.queries import PaymentQueries
from application.reconcile import Reconcile
from application.reconciliations import Reconciliations
from application.records import PaymentConfig, PayMethodRule
from application.refund_attention import FlagStaleRefunds, ResendRefund, StaleRefunds
from application.refund_payment import RefundPayment
from application.remind_expiring import RemindExpiring
from application.renew_certificates import RenewCertificates
from application.secrets import StoredSecrets
from application.start_attempt import StartAttempt
from application.sync_payment import SyncPayment, SyncRefund
from application.sync_unpaid import CloseOpenAttempts, SyncRefunds, SyncUnpaid
from application.webhook_addresses import WebhookAddressPolicy
from application.webhook_deliveries import WebhookDeliveries
from application.webhook_secrets import RotateWebhookSecret
from entrypoints.cashier_links import CashierLinks
from entrypoints.metrics import Metrics, MetricsAnomalyAlerts
from entrypoints.observed_uow import ObservedUnitOfWorkFactory, count_events
from entrypoints.settings import Settings, SettingsError
from entrypoints.webhook_data import run_renderer, webhook_renderer

# Every provider paycore speaks to: one line each (and its import).
PROVIDERS: tuple[ProviderAdapter, ...] = (ALIPAY, WECHAT)
# What each provider offers, whichever gateway (real or fake) stands for it.
PAY_METHODS: dict[str, Sequence[PayMethodRule]] = {p.payment_type: p.pay_methods for p in PROVIDERS}


def provider_notify_url(settings: Settings, config: PaymentConfig) -> str:
    """Where the provider sends this config's notifications: its own notify_url, else paycore's endpoint."""
    return config.notify_url or f"{settings.public_url}/v1/notify/{config.payment_type}/{config.config_id}"


def open_secrets(box: SecretBox, config: PaymentConfig) -> dict[str, str]:
    """A config's secrets in clear, for building its gateway (held in memory only)."""
    return {name: box.open(sealed, config.secret_context(name)) for name, sealed in config.sealed.items()}


def gateway_registry(settings: Settings, box: SecretBox, uow: UnitOfWorkFactory,
                     adapters: Sequence[ProviderAdapter] = PROVIDERS) -> ConfigGatewayRegistry:
    """The provider adapters: one gateway per config, built from its opened secrets (tests swap the registry
    through `build_container(settings, gateways=...)`)."""

    deps = GatewayDeps(partial(open_secrets, box), partial(provider_notify_url, settings), settings.provider_timeout,
                       uow, SystemClock().now)
    return ConfigGatewayRegistry({p.payment_type: p.gateway(deps) for p in adapters},
                                 methods={p.payment_type: p.pay_methods for p in adapters},
                                 routers={p.payment_type: p.router for p in adapters})


def config_rules(keys: KeyInspector, adapters: Sequence[ProviderAdapter] = PROVIDERS) -> dict[str, ConfigRules]:
    """Each provider's config rules, by payment type."""
    return {p.payment_type: p.config_rules(keys) for p in adapters}


def bill_accounts(adapters: Sequence[ProviderAdapter] = PROVIDERS) -> dict[str, Callable[[PaymentConfig], str]]:
    """The account a config's daily bill covers, by payment type."""
    return {p.payment_type.value: p.account for p in adapters}


def make_secret_box(settings: Settings) -> AesGcmSecretBox:
    """The secret box under the configured master keys; a clear SettingsError when there are none."""
    return AesGcmSecretBox(_master_keys(settings))


def make_cashier_tokens(settings: Settings) -> CashierTokens:
    """The cashier links' signer, under a key of its own derived from the same master keys."""
    return CashierTokens(_master_keys(settings))


def _master_keys(settings: Settings) -> list[MasterKey]:
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
    return keys


class Container(containers.DeclarativeContainer):
    """Every object the entrypoints need, built on first use."""

    settings = providers.Dependency(instance_of=Settings)
    # The providers this paycore speaks to (tests add one through `build_container(settings, provider_adapters=…)`).
    provider_adapters = providers.Object(PROVIDERS)
    clock = providers.Singleton(SystemClock)
    engine = providers.Singleton(make_engine, settings.provided.database_url)
    metrics = providers.Singleton(Metrics)
    uow = providers.Singleton(ObservedUnitOfWorkFactory, providers.Singleton(SqlUnitOfWorkFactory, engine),
                              providers.Singleton(count_events, metrics))
    secret_box = providers.Singleton(make_secret_box, settings)
    cashier_tokens = providers.Singleton(make_cashier_tokens, settings)
    cashier_links = providers.Singleton(CashierLinks, settings.provided.public_url, cashier_tokens)
    gateways = providers.Singleton(gateway_registry, settings, secret_box, uow, provider_adapters)
    key_inspector = providers.Singleton(RsaKeyInspector)

    webhook_addresses = providers.Singleton(WebhookAddressPolicy, settings.provided.webhook_allowed_hosts)
    anomalies = providers.Singleton(Anomalies, gateways, providers.Singleton(MetricsAnomalyAlerts, metrics),
                                    settings.provided.refund_paid_after_close)
    attempt_followups = providers.Singleton(AttemptFollowUps, uow, gateways)
    apply_update = providers.Singleton(ApplyProviderUpdate, uow, clock, anomalies, attempt_followups)
    start_attempt = providers.Singleton(StartAttempt, uow, gateways, clock)
    create_payment = providers.Singleton(CreatePayment, uow, gateways, clock, webhook_addresses)
    close_payment = providers.Singleton(ClosePayment, uow, gateways, clock, apply_update)
    refund_payment = providers.Singleton(RefundPayment, uow, gateways, clock, apply_update)
    sync_payment = providers.Singleton(SyncPayment, uow, gateways, apply_update)
    sync_refund = providers.Singleton(SyncRefund, uow, gateways, apply_update)
    queries = providers.Singleton(PaymentQueries, uow)
    list_anomalies = providers.Singleton(ListAnomalies, uow)
    api_keys = providers.Singleton(ApiKeys, uow, clock, secret_box, webhook_addresses)
    configs = providers.Singleton(ManageConfigs, uow, secret_box, key_inspector, clock,
                                providers.Singleton(config_rules, key_inspector, provider_adapters))
    stored_secrets = providers.Singleton(StoredSecrets, uow, secret_box)
    handle_notification = providers.Singleton(HandleNotification, uow, gateways, apply_update, clock)
    reconciliations = providers.Singleton(Reconciliations, providers.Singleton(SqlReconciliationRecords, engine),
                                          clock)
    webhook_sender = providers.Singleton(HttpxWebhookSender, addresses=webhook_addresses)
    deliver_webhooks = providers.Singleton(
        DeliverWebhooks, uow, webhook_sender, clock, api_keys,
        providers.Singleton(webhook_renderer, cashier_links),
        settings.provided.webhook_retry_schedule, lease_seconds=settings.provided.worker_lease_seconds,
        signer=providers.Singleton(StandardWebhooksSigner),
        render_run=providers.Singleton(run_renderer, reconciliations))
    rotate_webhook_secret = providers.Singleton(RotateWebhookSecret, uow, clock, secret_box)
    webhook_deliveries = providers.Singleton(WebhookDeliveries, uow, clock)
    expire_payments = providers.Singleton(ExpirePayments, uow, close_payment, clock,
                                          lease_seconds=settings.provided.worker_lease_seconds)
    sync_unpaid = providers.Singleton(SyncUnpaid, uow, sync_payment, clock, settings.provided.sync_after_seconds,
                                      lease_seconds=settings.provided.worker_lease_seconds)
    sync_refunds = providers.Singleton(SyncRefunds, uow, sync_refund, clock, settings.provided.sync_after_seconds,
                                       lease_seconds=settings.provided.worker_lease_seconds)
    close_open_attempts = providers.Singleton(CloseOpenAttempts, uow, attempt_followups, apply_update, clock,
                                              settings.provided.sync_after_seconds,
                                              lease_seconds=settings.provided.worker_lease_seconds)
    remind_expiring = providers.Singleton(RemindExpiring, uow, clock, settings.provided.expiry_reminder_minutes)
    prune_notifications = providers.Singleton(PruneNotificationLog, uow, clock,
                                              settings.provided.notification_log_days)
    stale_refunds = providers.Singleton(StaleRefunds, uow, clock, settings.provided.refund_attention_hours)
    resend_refund = providers.Singleton(ResendRefund, uow, gateways, apply_update)
    flag_stale_refunds = providers.Singleton(FlagStaleRefunds, uow, clock, settings.provided.refund_attention_hours)
    reconcile = providers.Singleton(Reconcile, uow, gateways, providers.Singleton(bill_accounts, provider_adapters),
                                    providers.Singleton(SqlBillMatcher, engine),
                                    providers.Singleton(SqlReconciliationRuns, engine), clock, sync_payment)
    renew_certificates = providers.Singleton(RenewCertificates, uow, gateways)
    daily_reconcile = providers.Singleton(DailyReconcile, reconcile, providers.Singleton(SqlReconcileSchedule, engine),
                                          reconciliations, clock, settings.provided.reconcile_at)


def build_container(settings: Settings, **overrides: Any) -> Container:
    """A container for these settings; keyword overrides replace providers (tests, the demo)."""
    container = Container(settings=settings)
    for name, value in overrides.items():
        getattr(container, name).override(providers.Object(value))
    return container
