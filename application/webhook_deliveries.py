"""Webhook deliveries for operators: list them by status, see one with its attempts, send a failed one again."""

from __future__ import annotations

import base64
import binascii
import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from application.deliver_webhooks import webhook_url
from application.errors import DeliveryNotFailed, DeliveryNotFound, InvalidCursor
from application.ports.clock import Clock
from application.ports.storage import UnitOfWork, UnitOfWorkFactory
from application.queries import MAX_LIMIT
from application.records import DeliveryAttempt, DeliveryStatus, OutboxMessage


@dataclass(frozen=True, slots=True)
class DeliveryPage:
    """Deliveries, newest first, and the cursor of the next page (None at the end)."""

    items: Sequence[OutboxMessage]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class DeliveryDetail:
    """One delivery and every attempt it has had, oldest first."""

    message: OutboxMessage
    attempts: Sequence[DeliveryAttempt]


def encode_cursor(delivery_id: int, prefix: str = "d") -> str:
    """An opaque cursor pointing after (below) this delivery (or this id of what `prefix` stands for)."""
    return base64.urlsafe_b64encode(f"{prefix}{delivery_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str, prefix: str = "d") -> int:
    """The delivery id (or id of what `prefix` stands for) a cursor points after; InvalidCursor if it is not one
    of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not raw.startswith(prefix):
            raise ValueError("not a cursor of these")
        return int(raw[len(prefix):])
    except (binascii.Error, UnicodeDecodeError, ValueError) as e:
        raise InvalidCursor from e


class WebhookDeliveries:
    """The admin view of the outbox."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def list(self, status: DeliveryStatus | None = None, limit: int = 50,
                   cursor: str | None = None) -> DeliveryPage:
        """A page of deliveries, newest first; one never attempted shows where it will go."""
        limit = min(max(limit, 1), MAX_LIMIT)
        before = decode_cursor(cursor) if cursor else None
        async with self._uow() as uow:
            found = await uow.outbox.list(status, limit + 1, before)
            items = [await _with_url(uow, m) for m in found[:limit]]
        more = len(found) > limit
        return DeliveryPage(items, encode_cursor(items[-1].delivery_id) if more and items else None)

    async def get(self, delivery_id: int) -> DeliveryDetail:
        """One delivery with its attempt history; DeliveryNotFound if there is none."""
        async with self._uow() as uow:
            message = await uow.outbox.get(delivery_id)
            if message is None:
                raise DeliveryNotFound(f"no webhook delivery {delivery_id}", delivery_id=delivery_id)
            return DeliveryDetail(await _with_url(uow, message), await uow.outbox.attempts(delivery_id))

    async def retry(self, delivery_id: int) -> OutboxMessage:
        """Resend a failed delivery: pending again, due now, its attempt count and history kept.

        It is one more attempt (after the last of the schedule), so if it fails it is failed again at once.
        It goes out in its place: behind any older pending webhook of its payment, ahead of newer ones (one of no
        payment, a reconciliation run's, waits for nothing).
        """
        async with self._uow() as uow:
            if not await uow.outbox.retry(delivery_id, self._clock.now()):
                current = await uow.outbox.get(delivery_id)
                if current is None:
                    raise DeliveryNotFound(f"no webhook delivery {delivery_id}", delivery_id=delivery_id)
                raise DeliveryNotFailed(f"webhook delivery {delivery_id} is {current.status.value}, not failed; "
                                        "only a failed delivery can be retried", status=current.status.value)
            await uow.commit()
        async with self._uow() as uow:
            message = await uow.outbox.get(delivery_id)
            assert message is not None
            return await _with_url(uow, message)


async def _with_url(uow: UnitOfWork, message: OutboxMessage) -> OutboxMessage:
    if message.url is not None:
        return message
    if message.order_no is None:  # a webhook of no payment goes to its key's webhook_url
        key = await uow.api_keys.get(message.api_key_id) if message.api_key_id else None
        return dataclasses.replace(message, url=key.webhook_url if key is not None else None)
    payment = await uow.payments.get(message.order_no)
    url = (await webhook_url(uow, payment))[0] if payment is not None else None
    return dataclasses.replace(message, url=url)
