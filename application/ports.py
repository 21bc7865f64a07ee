"""The ports the use cases need, as small Protocols, and the plain records that cross them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from types import TracebackType
from typing import Any, Protocol, Self

from domain.checkout import Checkout
from domain.events import DomainEvent, EventType
from domain.kinds import PaymentType, PayMethod
from domain.payment import Payment
from domain.refund import Refund
from domain.status import RefundStatus, TradeStatus
from domain.updates import ProviderUpdate

# -- records ------------------------------------------------------------------------------------


SECRET_FIELDS = ("private_key", "api_key", "api_v3_key")


@dataclass(frozen=True, slots=True)
class PaymentConfig:
    """A payment config as stored: public fields in clear, secrets only as ciphertext in `sealed`."""

    config_id: int
    payment_type: PaymentType
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
    public_key: str = ""
    alipay_public_key: str = ""
    cert_serial_no: str = ""
    private_cert_path: str = ""
    wechat_public_key: str = ""
    wechat_public_key_id: str = ""
    wechat_platform_cert: str = ""
    # Certificate mode (公钥证书模式): the app's public-key certificate, the provider's (every one it has used, as
    # it rotates them) and the provider's root certificates, PEM.
    app_cert: str = ""
    alipay_cert: str = ""
    alipay_root_cert: str = ""
    # The ids of the provider keys that sign this config's notifications (e.g. a public key id and platform
    # certificates' serials), derived when the config is stored: a notification finds its configs by them.
    key_ids: tuple[str, ...] = ()
    remark: str = ""
    create_by: str = ""
    update_by: str = ""
    create_time: datetime | None = None
    update_time: datetime | None = None
    sealed: Mapping[str, str] = field(default_factory=dict)  # a SECRET_FIELDS name → its ciphertext

    def secret_context(self, name: str) -> str:
        """The associated data binding a secret's ciphertext to this row and field."""
        return f"ai_write_payment_config:{self.config_id}:{name}"


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
class JournalPageRequest:
    """Keyset pagination over one event type's journal entries: strictly before `before` (time, event_id), newest
    first."""

    event_type: EventType
    limit: int = 50
    before: tuple[datetime, str] | None = None


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


@dataclass(frozen=True, slots=True)
class NotificationRecord:
    """One received provider notification in the raw log: what came, and what paycore made of it."""

    payment_type: str
    config_id: int | None
    order_no: str | None
    outcome: str  # applied | already_applied | rejected
    reason: str | None
    raw: str
    received_at: datetime


class DeliveryStatus(StrEnum):
    """Where a webhook delivery stands; only PENDING ones are ever sent."""

    PENDING = "pending"  # waiting for its (next) attempt
    DELIVERED = "delivered"  # the business system answered 2xx
    FAILED = "failed"  # the retry schedule ran out: no longer holds the payment's later webhooks; may be resent
    SKIPPED = "skipped"  # nowhere to send it: no notify_url and no webhook_url


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """One webhook in the outbox: a journal event the business system is told about."""

    delivery_id: int
    event_id: str
    order_no: str
    event_type: str
    refund_no: str | None
    created: datetime  # when the event happened
    status: DeliveryStatus
    attempts: int  # HTTP attempts made so far
    next_attempt_time: datetime
    url: str | None = None  # where the last attempt went
    last_status_code: int | None = None
    last_error: str | None = None
    delivered_time: datetime | None = None


@dataclass(frozen=True, slots=True)
class DeliveryOutcome:
    """What an attempt came to: DELIVERED, PENDING (again, at next_attempt_time), FAILED or SKIPPED."""

    status: DeliveryStatus
    at: datetime
    attempts: int  # the message's attempt count including this one
    next_attempt_time: datetime | None = None
    url: str | None = None
    status_code: int | None = None
    error: str | None = None
    latency_seconds: float | None = None
    snippet: str = ""  # the start of the answer (at most SNIPPET_CHARS)


SNIPPET_CHARS = 200


@dataclass(frozen=True, slots=True)
class DeliveryAttempt:
    """One HTTP attempt of a delivery, kept for good: a resend adds to the history, never resets it."""

    attempt: int  # 1, 2, … over the delivery's whole life, resends included
    outcome: DeliveryStatus  # the delivery's status right after this attempt
    at: datetime
    url: str | None
    status_code: int | None  # None: no answer (network error, timeout)
    latency_ms: int | None
    snippet: str  # the start of the answer, at most SNIPPET_CHARS characters
    error: str | None


@dataclass(frozen=True, slots=True)
class SweepClaim:
    """A row leased to a compensation job: its order_no or refund_no, and the provider calls made for it so far."""

    key: str
    attempts: int


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
        and none behind a pending one (a failed one, out of retries, holds nothing back)."""

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


# -- providers -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RawNotification:
    """A provider's notification exactly as received."""

    body: bytes
    headers: Mapping[str, str]  # names in lower case
    form: Mapping[str, str] = field(default_factory=dict)  # the parsed form, for form-encoded notifications


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


class NotificationVerifier(Protocol):
    """Turns a provider notification into a verified fact, or refuses it."""

    async def verify_notification(self, raw: RawNotification, config: PaymentConfig) -> ProviderUpdate:
        """Check signature, freshness and origin, decrypt; NotificationRejected(reason) when it must not count."""


class BillSource(Protocol):
    """A provider's daily bill, as it serves it (reconciliation, issue 14, builds on it)."""

    async def download_bill(self, bill_date: date) -> bytes:
        """The day's trade bill, raw; ProviderError if the provider has none or it does not check out."""


class Gateway(PaymentGateway, RefundGateway, NotificationVerifier, BillSource, Protocol):
    """Every capability of one provider adapter: what adapters implement; use cases ask the registry for one."""


@dataclass(frozen=True, slots=True)
class NotificationRoute:
    """What an unverified notification names: its order in clear, or the key that signed it (the order encrypted)."""

    order_no: str | None = None
    key_ids: tuple[str, ...] = ()  # the ids under which the configs trusting that key are indexed


class NotificationRouter(Protocol):
    """Finds the payment a provider's notification is about, so that it is verified with that payment's config.

    Several configs may share one provider account (an app id, a merchant's public key), so a
    notification is never matched to a config by its account: only the order it names decides.
    """

    def route(self, raw: RawNotification) -> NotificationRoute:
        """What the notification names; NotificationRejected for what is refused on sight (no lookup, no network)."""

    async def order_of(self, raw: RawNotification, candidates: Sequence[PaymentConfig]) -> str:
        """For a route by key: the order_no inside, once the notification verifies and decrypts with one of the
        candidates' keys (each distinct key tried once); NotificationRejected otherwise."""


@dataclass(frozen=True, slots=True)
class PayMethodRule:
    """A pay method a provider offers, and whether the provider needs the payer's id there (`openid`)."""

    method: PayMethod
    needs_openid: bool = False


class GatewayRegistry(Protocol):
    """Finds the gateway adapter for a config."""

    def payments(self, config: PaymentConfig) -> PaymentGateway:
        """Create, query and close for the config; GatewayNotAvailable if paycore has no adapter for its type."""

    def refunds(self, config: PaymentConfig) -> RefundGateway:
        """Refunds for the config; GatewayNotAvailable as above."""

    def verifier(self, config: PaymentConfig) -> NotificationVerifier:
        """Verifies the config's notifications; GatewayNotAvailable as above."""

    def bills(self, config: PaymentConfig) -> BillSource:
        """The config's daily bills; GatewayNotAvailable as above."""

    def pay_methods(self, payment_type: PaymentType) -> Sequence[PayMethodRule]:
        """The pay methods the type's provider offers (none for a type paycore has no adapter for)."""

    def router(self, payment_type: str) -> NotificationRouter:
        """How the type's notifications find their payment; GatewayNotAvailable if paycore has no such gateway."""


class SecretBox(Protocol):
    """Authenticated encryption of secrets at rest under rotating master keys."""

    def seal(self, plaintext: str, context: str) -> str:
        """Ciphertext under the newest master key, carrying its key id, bound to `context`."""

    def open(self, sealed: str, context: str) -> str:
        """The plaintext; SecretUnreadable (naming the key id) for a missing key, wrong key or other context."""

    def is_current(self, sealed: str) -> bool:
        """Whether the ciphertext is under the newest master key."""

    def fingerprint(self, secret: str) -> str:
        """`sha256:<hex>`, an HMAC of a symmetric secret: comparable, not guessable."""


class KeyInspector(Protocol):
    """Parses and normalises RSA key material; raises InvalidKeyMaterial with a reason a person can act on."""

    def private_key(self, text: str, *, pkcs8: bool) -> str:
        """A PEM, PKCS#1 or PKCS#8 or bare base64 private key, as PEM in the form asked for."""

    def public_key(self, text: str) -> str:
        """A PEM or bare base64 public key, or an X.509 certificate, as SubjectPublicKeyInfo PEM."""

    def public_key_of(self, private_key_pem: str) -> str:
        """The public half of a private key, as SubjectPublicKeyInfo PEM."""

    def fingerprint(self, key_pem: str) -> str:
        """`sha256:<hex>` of the public key's DER (of a private key's public half)."""

    def certificate_serials(self, pem_text: str) -> list[str]:
        """The serials of the PEM certificates in the text, as upper-case hex; InvalidKeyMaterial if unreadable."""


@dataclass(frozen=True, slots=True)
class SendResult:
    """How one webhook POST went: a status code, or the network error that prevented one."""

    status_code: int | None
    latency_seconds: float
    snippet: str = ""  # the first 200 characters of the answer
    error: str | None = None


class WebhookSigner(Protocol):
    """The signature headers of one webhook, one signature per secret in each header."""

    def headers(self, event_id: str, timestamp: int, body: bytes, secrets: Sequence[str]) -> dict[str, str]:
        """Headers to send with the body."""


class WebhookSender(Protocol):
    """POSTs a webhook to the business system; network errors come back in the result, never raised."""

    async def send(self, url: str, body: bytes, headers: Mapping[str, str]) -> SendResult:
        """One attempt."""


class Clock(Protocol):
    """The time, so tests can move it."""

    def now(self) -> datetime:
        """An aware UTC datetime."""
