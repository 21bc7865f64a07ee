"""The storage ports: repositories, the outbox, the sweeps and the unit of work over them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from application.records import (
    ApiKey,
    DeliveryAttempt,
    DeliveryOutcome,
    DeliveryStatus,
    IdempotencyRecord,
    JournalEntry,
    JournalPageRequest,
    NotificationRecord,
    OutboxMessage,
    Page,
    PageRequest,
    PaymentConfig,
    PaymentFilter,
    SweepClaim,
)
from domain.events import DomainEvent
from domain.payment import Payment
from domain.refund import Refund
from domain.status import RefundStatus


class PaymentRepository(Protocol):
    """Payments with their refunds and journal; save() is optimistic on the version."""

    async def add(self, payment: Payment) -> None:
        """Insert a new payment; DuplicateKey (here or by the unit of work's commit) if its order_no exists."""

    async def get(self, order_no: str) -> Payment | None:
        """The payment with its refunds and seen provider event ids, or None."""

    async def get_by_provider_order_no(self, out_trade_no: str) -> Payment | None:
        """The payment one of whose attempts its provider knows by this order number (out_trade_no), or None."""

    async def get_by_refund_no(self, refund_no: str) -> Payment | None:
        """The payment that owns this refund, or None."""

    async def save(self, payment: Payment) -> None:
        """Persist changes and pending events; ConcurrencyConflict if the version moved."""

    async def list(self, filters: PaymentFilter, page: PageRequest) -> Page:
        """Payments matching the filters, newest first."""

    async def events(self, order_no: str) -> Sequence[JournalEntry]:
        """The journal of one payment, oldest first."""

    async def events_of_type(self, request: JournalPageRequest) -> Sequence[JournalEntry]:
        """Journal entries of one type across every payment, newest first, at most `limit` of them."""


class ConfigRepository(Protocol):
    """Payment configs; deleted ones (del_flag "2") are invisible except to `list(include_deleted=True)`."""

    async def get(self, config_id: int, include_deleted: bool = False) -> PaymentConfig | None:
        """A config that is not deleted (or, with include_deleted, one that is), or None."""

    async def by_key(self, payment_type: str, key_ids: Sequence[str], limit: int = 20) -> Sequence[PaymentConfig]:
        """The configs of the type, disabled and deleted ones included, that trust one of these provider key ids:
        an indexed lookup, newest first, at most `limit`."""

    async def get_default(self, payment_type: str) -> PaymentConfig | None:
        """The default config of the type, or None."""

    async def add(self, config: PaymentConfig) -> PaymentConfig:
        """Insert a config (a new default takes over in the same transaction); returns it with its id."""

    async def update(self, config: PaymentConfig) -> None:
        """Write every field of an existing config, sealed secrets included; a new default takes over."""

    async def delete(self, config_id: int, by: str) -> bool:
        """Soft-delete (del_flag "2", no longer default); False if there is no such live config."""

    async def list(self, include_deleted: bool = False) -> Sequence[PaymentConfig]:
        """Configs by id."""

    async def reseal(self, config_id: int, sealed: Mapping[str, str]) -> None:
        """Replace the ciphertexts of a config, deleted or not (key rotation)."""


class IdempotencyStore(Protocol):
    """Idempotency-Key records."""

    async def get(self, owner: str, key: str) -> IdempotencyRecord | None:
        """The record for this caller's key, or None."""

    async def add(self, record: IdempotencyRecord) -> None:
        """Insert; DuplicateKey (here or by the unit of work's commit) if the key is taken."""


class ApiKeyRepository(Protocol):
    """API keys."""

    async def add(self, key: ApiKey) -> None:
        """Insert a key."""

    async def get(self, key_id: str) -> ApiKey | None:
        """The key (revoked or not), or None."""

    async def list(self) -> Sequence[ApiKey]:
        """Every key, newest first."""

    async def revoke(self, key_id: str) -> bool:
        """Revoke (a revoked key stays revoked); False if there is no such key; LastAdminKey, and nothing
        changed, when it is the last active admin key, also against another revocation at the same moment."""

    async def reseal(self, key_id: str, webhook_secret: str) -> None:
        """Replace the key's sealed webhook secret (key rotation)."""

    async def set_webhook_secrets(self, key_id: str, current: str, previous: str | None,
                                  previous_until: datetime | None) -> bool:
        """Store the sealed current webhook secret and the previous one still signing until then; False if no key.
        They read back in `extra` as webhook_secret, previous_webhook_secret and previous_secret_until."""


class NotificationLog(Protocol):
    """Every provider notification received, kept raw, duplicates and rejects included."""

    async def add(self, record: NotificationRecord) -> None:
        """Append one record."""

    async def for_order(self, order_no: str) -> Sequence[NotificationRecord]:
        """The records naming an order, oldest first."""

    async def purge(self, received_before: datetime, limit: int) -> int:
        """Delete up to `limit` of the oldest records received before that moment; how many went."""


class Outbox(Protocol):
    """The webhook outbox: written with the journal, leased out to senders, in order per payment."""

    async def claim(self, now: datetime, limit: int, lease_seconds: float, worker_id: str) -> Sequence[OutboxMessage]:
        """Lease due messages to this worker, never leased twice: of each payment only its oldest pending one,
        and none behind a pending one (a failed one, out of retries, holds nothing back); a message of no payment
        (order_no None: a reconciliation run's) waits for none and holds none back."""

    async def record(self, delivery_id: int, worker_id: str, outcome: DeliveryOutcome) -> bool:
        """Store an attempt's outcome (and, unless SKIPPED, its DeliveryAttempt record) and end the lease;
        False, storing nothing, if the lease is no longer this worker's."""

    async def get(self, delivery_id: int) -> OutboxMessage | None:
        """One message, or None."""

    async def list(self, status: DeliveryStatus | None, limit: int,
                   before: int | None = None) -> Sequence[OutboxMessage]:
        """Messages newest first (by delivery_id), with ids below `before` when given."""

    async def retry(self, delivery_id: int, now: datetime) -> bool:
        """Make a FAILED message pending again, due now, its attempt count and history kept; False if not failed."""

    async def attempts(self, delivery_id: int) -> Sequence[DeliveryAttempt]:
        """The delivery's attempts, oldest first."""

    async def enqueue(self, event_id: str, event: DomainEvent) -> None:
        """Queue a webhook for an event that is not a state change and so is not journaled (payment.expiring)."""


class Sweeps(Protocol):
    """The compensation jobs' work: scheduled rows leased to one worker at a time, so several can run at once."""

    async def claim_expired(self, now: datetime, limit: int, lease_seconds: float,
                            worker_id: str) -> Sequence[SweepClaim]:
        """Lease unpaid payments past their expire_time whose next look (after a failed close) is due."""

    async def claim_unpaid(self, now: datetime, created_before: datetime, limit: int, lease_seconds: float,
                           worker_id: str) -> Sequence[SweepClaim]:
        """Lease unpaid, unexpired payments due for a provider query: first when created before `created_before`,
        then at their next_sync_time."""

    async def claim_open_attempts(self, now: datetime, paid_before: datetime, limit: int, lease_seconds: float,
                                  worker_id: str) -> Sequence[SweepClaim]:
        """Lease paid payments with attempts still open at their providers (a close after the payment failed):
        first when paid before `paid_before`, then at their next_sync_time."""

    async def release_payment(self, order_no: str, worker_id: str, next_time: datetime, attempts: int) -> bool:
        """End this worker's lease and schedule the next look; False if the lease is no longer this worker's."""

    async def claim_refunds(self, now: datetime, created_before: datetime, limit: int, lease_seconds: float,
                            worker_id: str) -> Sequence[SweepClaim]:
        """Lease PROCESSING refunds due for a provider query, scheduled like claim_unpaid."""

    async def release_refund(self, refund_no: str, worker_id: str, next_time: datetime, attempts: int) -> bool:
        """End this worker's lease on a refund and schedule the next look."""

    async def expiring(self, now: datetime, until: datetime, limit: int) -> Sequence[str]:
        """Unpaid payments not yet reminded whose expire_time is after now and no later than `until`."""

    async def mark_reminded(self, order_no: str, now: datetime) -> bool:
        """Set the payment's reminder marker; False if it is set already or the payment is no longer unpaid."""

    async def list_refunds(self, status: RefundStatus | None, created_before: datetime | None, limit: int,
                           after: tuple[datetime, str] | None = None) -> Sequence[Refund]:
        """Refunds of a status (any when None) created at or before `created_before` (any when None), oldest first
        by (create_time, refund_no), strictly after `after`: the operators' view of refunds needing attention."""

    async def count_refunds(self, status: RefundStatus, created_before: datetime) -> int:
        """How many refunds of the status were created at or before `created_before`."""

    async def unflagged_refunds(self, created_before: datetime, limit: int) -> Sequence[str]:
        """PROCESSING refunds created at or before `created_before` not yet flagged for operators, oldest first."""

    async def flag_refund(self, refund_no: str, now: datetime) -> bool:
        """Set the refund's attention marker; False if it is set already or the refund is no longer PROCESSING."""


class UnitOfWork(Protocol):
    """One transaction over every repository; rolls back unless committed."""

    payments: PaymentRepository
    configs: ConfigRepository
    idempotency: IdempotencyStore
    api_keys: ApiKeyRepository
    notifications: NotificationLog
    outbox: Outbox
    sweeps: Sweeps

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    async def commit(self) -> None:
        """Make every change durable at once."""


class UnitOfWorkFactory(Protocol):
    """Makes a fresh unit of work."""

    def __call__(self) -> UnitOfWork: ...
