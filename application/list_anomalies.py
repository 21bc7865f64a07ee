"""The anomalies an operator should look at: the journal's payment.anomaly entries, newest first."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from application.anomalies import auto_refund_no
from application.errors import InvalidCursor
from application.ports.storage import UnitOfWorkFactory
from application.queries import MAX_LIMIT
from application.records import JournalEntry, JournalPageRequest
from domain.events import EventType
from domain.payment import Payment
from domain.refund import Refund


@dataclass(frozen=True, slots=True)
class Anomaly:
    """One payment.anomaly entry, the payment as it stands now and paycore's own refund of it, if any."""

    entry: JournalEntry
    payment: Payment | None
    auto_refund: Refund | None


@dataclass(frozen=True, slots=True)
class AnomalyPage:
    """Anomalies, newest first, and the cursor of the next page (None at the end)."""

    items: Sequence[Anomaly]
    next_cursor: str | None


def encode_cursor(entry: JournalEntry) -> str:
    """An opaque cursor pointing after (older than) this entry."""
    raw = json.dumps(["a", entry.event.occurred_at.isoformat(), entry.event_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """The position a cursor points after; InvalidCursor if it is not one of ours."""
    try:
        tag, when, event_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        at = datetime.fromisoformat(when)
        if tag != "a" or at.tzinfo is None:
            raise ValueError("not an anomalies cursor")
        return at, str(event_id)
    except (binascii.Error, ValueError, TypeError) as e:
        raise InvalidCursor from e


class ListAnomalies:
    """GET /v1/admin/anomalies."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, limit: int = 50, cursor: str | None = None) -> AnomalyPage:
        """A page of anomalies, newest first."""
        limit = min(max(limit, 1), MAX_LIMIT)
        request = JournalPageRequest(EventType.PAYMENT_ANOMALY, limit + 1, decode_cursor(cursor) if cursor else None)
        async with self._uow() as uow:
            entries = await uow.payments.events_of_type(request)
            items = [_anomaly(e, await uow.payments.get(e.event.order_no)) for e in entries[:limit]]
        more = len(entries) > limit
        return AnomalyPage(items, encode_cursor(items[-1].entry) if more and items else None)


def _anomaly(entry: JournalEntry, payment: Payment | None) -> Anomaly:
    refund = payment.refunds.get(auto_refund_no(payment.order_no)) if payment is not None else None
    return Anomaly(entry, payment, refund)
