"""What the composition root needs of a provider adapter, in one record: each provider's folder exports one
(`adapters/gateways/<provider>/provider.py`) and the container lists them."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from application.config_validation import ConfigRules
from application.ports.crypto import KeyInspector
from application.ports.providers import Gateway, NotificationRouter
from application.ports.storage import UnitOfWorkFactory
from application.records import PaymentConfig, PayMethodRule
from domain.kinds import PaymentType

GatewayFor = Callable[[PaymentConfig], Gateway]


@dataclass(frozen=True, slots=True)
class GatewayDeps:
    """What building a config's gateway may use: its opened secrets, where its notifications go, the provider
    timeout, and storage and a clock for the keys the provider rotates to."""

    secrets: Callable[[PaymentConfig], Mapping[str, str]]
    notify_url: Callable[[PaymentConfig], str]
    timeout: float
    uow: UnitOfWorkFactory
    now: Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class ProviderAdapter:
    """One provider: its payment type, the methods it offers, its config rules, its gateway per config, how
    its notifications find their config (given the registry's gateway per config) and which account (shared by
    several configs, maybe) a config's bill covers."""

    payment_type: PaymentType
    pay_methods: Sequence[PayMethodRule]
    config_rules: Callable[[KeyInspector], ConfigRules]
    gateway: Callable[[GatewayDeps], GatewayFor]
    router: Callable[[GatewayFor], NotificationRouter]
    account: Callable[[PaymentConfig], str]  # the provider account a config's daily bill covers
