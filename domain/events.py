"""Domain events: one journal entry per state change."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from domain.money import Money


class EventType(StrEnum):
    """The journal's event types (API.md)."""

    PAYMENT_CREATED = "payment.created"
    PAYMENT_SUCCEEDED = "payment.succeeded"
    PAYMENT_FINISHED = "payment.finished"
    PAYMENT_CLOSED = "payment.closed"
    PAYMENT_REFUNDED = "payment.refunded"
    PAYMENT_ANOMALY = "payment.anomaly"
    REFUND_CREATED = "refund.created"
    REFUND_SUCCEEDED = "refund.succeeded"
    REFUND_FAILED = "refund.failed"
    PAYMENT_DUPLICATE_REFUNDED = "payment.duplicate_refunded"  # an attempt paid after another, refunded in full
    ATTEMPT_STARTED = "attempt.started"  # the payer chose a method on the cashier page (journal only)
    ATTEMPT_CLOSED = "attempt.closed"  # one of the payer's choices closed at its provider (journal only)
    # A reminder, not a state change: it goes to the webhook outbox only, never to the journal.
    PAYMENT_EXPIRING = "payment.expiring"


class AnomalyKind(StrEnum):
    """What went wrong in a payment.anomaly (its detail's `kind`)."""

    PAID_AFTER_CLOSE = "paid_after_close"  # the provider took the money before our close reached it


class Source(StrEnum):
    """Who caused a change."""

    API = "api"
    NOTIFY = "notify"
    SYNC = "sync"
    WORKER = "worker"
    ADMIN = "admin"


# Events that the business system hears about through webhooks.
WEBHOOK_EVENTS = frozenset(
    {
        EventType.PAYMENT_SUCCEEDED,
        EventType.PAYMENT_CLOSED,
        EventType.PAYMENT_REFUNDED,
        EventType.PAYMENT_ANOMALY,
        EventType.REFUND_SUCCEEDED,
        EventType.REFUND_FAILED,
        EventType.PAYMENT_EXPIRING,
        EventType.PAYMENT_DUPLICATE_REFUNDED,
    }
)


@dataclass(frozen=True, slots=True)
class DomainEvent:
    """A state change of a payment or one of its refunds."""

    event_type: EventType
    order_no: str
    from_status: str | None
    to_status: str | None
    amount: Money | None
    source: Source
    occurred_at: datetime
    provider_event_id: str | None = None
    refund_no: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] | None = None  # the provider's notification or answer, as received
