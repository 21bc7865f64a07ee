"""What a provider said, translated by a gateway adapter; the aggregate decides what it means."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from domain.money import Money


class UpdateKind(StrEnum):
    """The meaning of a provider answer or notification."""

    WAITING = "WAITING"  # still unpaid at the provider
    PAID = "PAID"
    FINISHED = "FINISHED"  # paid, and no more refunds possible
    CLOSED = "CLOSED"  # closed unpaid at the provider
    REFUND_SUCCEEDED = "REFUND_SUCCEEDED"
    REFUND_FAILED = "REFUND_FAILED"
    REFUND_PROCESSING = "REFUND_PROCESSING"
    REFUND_NOT_FOUND = "REFUND_NOT_FOUND"  # the provider has no such refund: it never received it, send it again


@dataclass(frozen=True, slots=True)
class ProviderUpdate:
    """One fact reported by Alipay or WeChat, with the ids needed to check and dedupe it."""

    kind: UpdateKind
    order_no: str
    amount: Money | None = None  # the order's total as the provider reports it (refund amount for refunds)
    trade_no: str | None = None
    occurred_at: datetime | None = None  # the provider's payment or refund time, never our clock
    event_id: str | None = None  # the provider's notification id, for dedupe
    refund_no: str | None = None
    provider_refund_id: str | None = None
    app_id: str | None = None
    merchant_id: str | None = None
    buyer_id: str | None = None
    buyer_account: str | None = None
    receipt_amount: Money | None = None
    failure_code: str | None = None  # a refused refund: the provider's code (e.g. ACQ.TRADE_HAS_FINISHED, NOT_ENOUGH)
    failure_message: str | None = None  # and its message
    raw: Mapping[str, Any] = field(default_factory=dict)
