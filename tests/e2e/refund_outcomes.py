"""What the refund-outcome e2e tests share: the live servers on each SQL backend, the worker's ticks, the outbox."""

from __future__ import annotations

from typing import Any

from entrypoints.container import Container
from entrypoints.worker import build_worker

# Refunds are looked at by the sweep at once, and are stale at once (attention after 0 hours).
AT_ONCE: dict[str, Any] = {"sync_after_seconds": 0}


async def tick(container: Container, job: str) -> int:
    """One pass of a worker job, here and now."""
    worker = build_worker(container)
    try:
        return await worker.tick(job)
    finally:
        await container.webhook_sender().aclose()


async def outbox_types(container: Container, order_no: str) -> list[str]:
    """The webhook event types queued for a payment, oldest first."""
    async with container.uow()() as uow:
        messages = await uow.outbox.list(None, 200)
    return [m.event_type for m in reversed(messages) if m.order_no == order_no]
