"""The ports the use cases need, as small Protocols, and the plain records that cross them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self

from domain.checkout import Checkout
from domain.events import DomainEvent
from domain.payment import Payment
from domain.refund import Refund
from domain.status import TradeStatus
from domain.updates import ProviderUpdate

# -- records ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PaymentConfig:
    """The non-secret part of a payment config that the use cases need."""

    config_id: int
    payment_type: str
    config_name: str
    app_id: str = ""
    mch_id: str = ""
    seller_id: str = ""
    notify_url: str = ""
    return_url: str = ""
    gateway_url: str = ""
    is_sandbox: bool = False
    is_default: bool = False
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """A stored journal event with its id."""

    event_id: str
    event: DomainEvent


@dataclass(frozen=True, slots=True)
class PaymentFilter:
    """Filters for listing payments; None means any."""

    trade_status: TradeStatus | None = None
    payment_type: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None


@dataclass(frozen=True, slots=True)
class PageRequest:
    """Keyset pagination: items strictly after `after` (create_time, order_no), newest first."""

    limit: int = 50
    after: tuple[datetime, str] | None = None


@dataclass(frozen=True, slots=True)
class Page:
    """A page of payments and whether more follow."""

    items: Sequence[Payment]
    has_more: bool


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    """What a request with an Idempotency-Key did, to answer its retries the same way."""

    owner: str
    key: str
    request_hash: str
    order_no: str
    create_time: datetime


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A business system's or operator's key; only a hash of the secret is kept."""

    key_id: str
    name: str
    scope: str
    secret_hash: str
    create_time: datetime
    webhook_url: str | None = None
    revoked: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


# -- repositories and unit of work -------------------------------------------------------------


class PaymentRepository(Protocol):
    """Payments with their refunds and journal; save() is optimistic on the version."""

    async def add(self, payment: Payment) -> None:
        """Insert a new payment; DuplicateKey if its order_no exists."""

    async def get(self, order_no: str) -> Payment | None:
        """The payment with its refunds and seen provider event ids, or None."""

    async def get_by_refund_no(self, refund_no: str) -> Payment | None:
        """The payment that owns this refund, or None."""

    async def save(self, payment: Payment) -> None:
        """Persist changes and pending events; ConcurrencyConflict if the version moved."""

    async def list(self, filters: PaymentFilter, page: PageRequest) -> Page:
        """Payments matching the filters, newest first."""

    async def events(self, order_no: str) -> Sequence[JournalEntry]:
        """The journal of one payment, oldest first."""


class ConfigRepository(Protocol):
    """Payment configs (read side, as the payment use cases need them)."""

    async def get(self, config_id: int) -> PaymentConfig | None:
        """A config that is not deleted, or None."""

    async def get_default(self, payment_type: str) -> PaymentConfig | None:
        """The default config of the type, or None."""

    async def add(self, config: PaymentConfig) -> PaymentConfig:
        """Insert a config; returns it with its id."""


class IdempotencyStore(Protocol):
    """Idempotency-Key records."""

    async def get(self, owner: str, key: str) -> IdempotencyRecord | None:
        """The record for this caller's key, or None."""

    async def add(self, record: IdempotencyRecord) -> None:
        """Insert; DuplicateKey if the key is taken."""


class ApiKeyRepository(Protocol):
    """API keys."""

    async def add(self, key: ApiKey) -> None:
        """Insert a key."""

    async def get(self, key_id: str) -> ApiKey | None:
        """The key (revoked or not), or None."""

    async def list(self) -> Sequence[ApiKey]:
        """Every key, newest first."""

    async def revoke(self, key_id: str) -> bool:
        """Revoke; False if there is no such key."""


class UnitOfWork(Protocol):
    """One transaction over every repository; rolls back unless committed."""

    payments: PaymentRepository
    configs: ConfigRepository
    idempotency: IdempotencyStore
    api_keys: ApiKeyRepository

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    async def commit(self) -> None:
        """Make every change durable at once."""


class UnitOfWorkFactory(Protocol):
    """Makes a fresh unit of work."""

    def __call__(self) -> UnitOfWork: ...


# -- providers -----------------------------------------------------------------------------------


class PaymentGateway(Protocol):
    """Creates, queries and closes payments at a provider; translates, never decides."""

    async def create(self, payment: Payment, config: PaymentConfig) -> Checkout:
        """Register or sign the order at the provider; how the payer pays."""

    async def query(self, payment: Payment, config: PaymentConfig) -> ProviderUpdate | None:
        """The provider's view of the order; None if it does not know it."""

    async def close(self, payment: Payment, config: PaymentConfig) -> ProviderUpdate:
        """Close at the provider: CLOSED, or PAID if the buyer paid first."""


class RefundGateway(Protocol):
    """Refunds at a provider; the refund_no makes a retried call safe."""

    async def refund(self, payment: Payment, refund: Refund, config: PaymentConfig) -> ProviderUpdate:
        """Ask for a refund: REFUND_SUCCEEDED, REFUND_PROCESSING or REFUND_FAILED."""

    async def query_refund(self, payment: Payment, refund: Refund, config: PaymentConfig) -> ProviderUpdate:
        """The refund's current state at the provider."""


class Gateway(PaymentGateway, RefundGateway, Protocol):
    """Both halves of a provider adapter."""


class GatewayRegistry(Protocol):
    """Finds the gateway adapter for a config."""

    def for_config(self, config: PaymentConfig) -> Gateway:
        """The adapter; GatewayNotAvailable if paycore has none for its payment type."""


class Clock(Protocol):
    """The time, so tests can move it."""

    def now(self) -> datetime:
        """An aware UTC datetime."""
