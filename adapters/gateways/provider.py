"""What the composition root needs of a provider adapter, in one record: each provider's folder exports one
(`adapters/gateways/<provider>/provider.py`) and the container lists them."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from adapters.gateways.config_wire import ConfigWire
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
class NotifyAnswer:
    """What paycore answers the provider that posted a notification, in the provider's protocol: a status and a
    text body (`media_type` text/plain), a JSON body (a mapping) or none."""

    status_code: int
    body: str | Mapping[str, Any] | None = None
    media_type: str = "text/plain"


@dataclass(frozen=True, slots=True)
class NotifyProtocol:
    """How the provider's notifications are answered and documented at `/v1/notify/<payment type>[/<config id>]`.

    `answer(acknowledged, reason, retry)` is the answer to one handled notification (`reason` a label such as
    `bad_signature`, `retry` whether a refusal may pass if the provider sends it again); `over_budget` the answer,
    unread, to an address past its budget of refused notifications (a `Retry-After` header is added);
    `document(operation, error)` writes the operation's real request body, headers and answers into the OpenAPI
    document, `error` being the schema of paycore's own error body (a bad config id, a NUL, a body too large)."""

    any_config: str  # the description of /v1/notify/<payment type>
    one_config: str  # the description of /v1/notify/<payment type>/<config id>
    answer: Callable[[bool, str, bool], NotifyAnswer]
    over_budget: NotifyAnswer
    document: Callable[[dict[str, Any], Mapping[str, Any]], None] = field(default=lambda operation, error: None)


def json_answer(status_code: int, body: Mapping[str, Any] | None = None) -> NotifyAnswer:
    """A JSON answer (or, with no body, an empty one)."""
    return NotifyAnswer(status_code, body, "application/json")


def by_app_id(config: PaymentConfig) -> str:
    """The account of a provider whose bill covers an app: its app id."""
    return config.app_id


@dataclass(frozen=True, slots=True)
class ProviderAdapter:
    """One provider: its payment type, the methods it offers, its config rules, its gateway per config, how
    its notifications find their config (given the registry's gateway per config), how they are answered, its
    config fields as the admin API takes and shows them, and which account (shared by several configs, maybe) a
    config's bill covers."""

    payment_type: PaymentType
    pay_methods: Sequence[PayMethodRule]
    config_rules: Callable[[KeyInspector], ConfigRules]
    gateway: Callable[[GatewayDeps], GatewayFor]
    router: Callable[[GatewayFor], NotificationRouter]
    notify: NotifyProtocol
    account: Callable[[PaymentConfig], str] = by_app_id  # the provider account a config's daily bill covers
    config_wire: ConfigWire = field(default_factory=ConfigWire)
