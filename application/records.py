"""The plain records that cross the ports: configs, journal entries, pages, keys, notifications, deliveries."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from domain.events import DomainEvent, EventType
from domain.kinds import PaymentType, PayMethod
from domain.payment import Payment
from domain.status import TradeStatus

# The secret every config has (the app's or merchant's private key); each provider adds its own (ConfigRules.secrets).
PRIVATE_KEY = "private_key"


@dataclass(frozen=True, slots=True)
class PaymentConfig:
    """A payment config as stored: public fields in clear, secrets only as ciphertext in `sealed`."""

    config_id: int
    payment_type: PaymentType
    config_name: str
    app_id: str = ""
    notify_url: str = ""
    return_url: str = ""
    gateway_url: str = ""
    is_sandbox: bool = False
    is_default: bool = False
    enabled: bool = True
    public_key: str = ""
    # The provider's own settings (its merchant and account ids, public keys, certificates), named and checked by
    # its adapter's ConfigRules; a setting never given is absent (`setting` reads it as "").
    settings: Mapping[str, str] = field(default_factory=dict)
    # The ids of the provider keys that sign this config's notifications (e.g. a public key id and platform
    # certificates' serials), derived when the config is stored: a notification finds its configs by them.
    key_ids: tuple[str, ...] = ()
    remark: str = ""
    create_by: str = ""
    update_by: str = ""
    create_time: datetime | None = None
    update_time: datetime | None = None
    # A secret's name (PRIVATE_KEY, or one of the provider's ConfigRules.secrets) → its ciphertext.
    sealed: Mapping[str, str] = field(default_factory=dict)
    deleted: bool = False  # soft-deleted: listed only with include_deleted, it still settles its payments

    def secret_context(self, name: str) -> str:
        """The associated data binding a secret's ciphertext to this row and field."""
        return f"ai_write_payment_config:{self.config_id}:{name}"

    def setting(self, name: str) -> str:
        """One of the provider's own settings, "" when not given."""
        return self.settings.get(name, "")

    def with_setting(self, name: str, value: str) -> PaymentConfig:
        """This config with one of the provider's settings changed ("" takes it out)."""
        settings = {k: v for k, v in {**self.settings, name: value}.items() if v}
        return dataclasses.replace(self, settings=settings)


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
    """One webhook in the outbox: a journal event the business system is told about, or a reconciliation run's end
    an admin key is told about."""

    delivery_id: int
    event_id: str
    order_no: str | None  # None: a webhook of no payment (a reconciliation run's), to api_key_id
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
    api_key_id: str | None = None  # the key a webhook of no payment goes to (a payment's goes by the payment)
    run_id: int | None = None  # the reconciliation run a reconciliation.* webhook is about


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


@dataclass(frozen=True, slots=True)
class RawNotification:
    """A provider's notification exactly as received."""

    body: bytes
    headers: Mapping[str, str]  # names in lower case
    form: Mapping[str, str] = field(default_factory=dict)  # the parsed form, for form-encoded notifications


@dataclass(frozen=True, slots=True)
class NotificationRoute:
    """What an unverified notification names: its order in clear, or the key that signed it (the order encrypted)."""

    order_no: str | None = None
    key_ids: tuple[str, ...] = ()  # the ids under which the configs trusting that key are indexed


@dataclass(frozen=True, slots=True)
class PayMethodRule:
    """A pay method a provider offers, and whether the provider needs the payer's id (`openid`) or IP address there."""

    method: PayMethod
    needs_openid: bool = False
    needs_payer_ip: bool = False


@dataclass(frozen=True, slots=True)
class SendResult:
    """How one webhook POST went: a status code, or the network error that prevented one."""

    status_code: int | None
    latency_seconds: float
    snippet: str = ""  # the first 200 characters of the answer
    error: str | None = None
