"""In-memory storage: a fake of the SQL adapter for unit tests, with the same contract."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from application.records import (
    ApiKey,
    DeliveryAttempt,
    IdempotencyRecord,
    JournalEntry,
    NotificationRecord,
    PaymentConfig,
)
from domain.payment import Payment


@dataclass
class MemoryStore:
    """Committed state shared by every in-memory unit of work."""

    payments: dict[str, Payment] = field(default_factory=dict)
    journal: dict[str, list[JournalEntry]] = field(default_factory=dict)
    provider_event_keys: set[tuple[str, str]] = field(default_factory=set)
    outbox: list[dict[str, Any]] = field(default_factory=list)
    webhook_attempts: dict[int, list[DeliveryAttempt]] = field(default_factory=dict)  # by delivery id
    configs: dict[int, PaymentConfig] = field(default_factory=dict)
    deleted_configs: dict[int, PaymentConfig] = field(default_factory=dict)
    notifications: list[NotificationRecord] = field(default_factory=list)
    idempotency: dict[tuple[str, str], IdempotencyRecord] = field(default_factory=dict)
    api_keys: dict[str, ApiKey] = field(default_factory=dict)
    refund_owner: dict[str, str] = field(default_factory=dict)
    sweeps: dict[str, dict[str, Any]] = field(default_factory=dict)  # compensation schedules ("p:"/"r:" + key)
    last_id: int = 0
    last_config_id: int = 99  # like an auto_increment, never reused, even after a rollback

    def next_id(self) -> int:
        """A fresh id for a journal entry."""
        self.last_id += 1
        return self.last_id

    def next_config_id(self) -> int:
        """A fresh config id."""
        self.last_config_id += 1
        return self.last_config_id

    def snapshot(self, order_no: str) -> Payment | None:
        """A private copy of a committed payment, as a fresh load from a database would be."""
        payment = self.payments.get(order_no)
        return copy.deepcopy(payment) if payment is not None else None
