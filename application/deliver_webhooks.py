"""Deliver the outbox's webhooks to the business system: signed, retried on a schedule, in order per payment.

Order is kept while a delivery is retried; one that failed for good holds the payment's later webhooks
back no longer (each carries the whole payment as it is when sent), and stays listed for a resend.

At least once: a message is leased, sent, then its outcome recorded. If the process dies in between,
the lease runs out and the message is claimed and sent again, so the business system must treat
`Paycore-Event-Id` (the `id` in the body) as the key that makes a repeat harmless.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import os
import socket
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from application.api_keys import ApiKeys
from application.ports.clock import Clock
from application.ports.storage import UnitOfWork, UnitOfWorkFactory
from application.ports.webhooks import WebhookSender, WebhookSigner
from application.records import SNIPPET_CHARS, ApiKey, DeliveryOutcome, DeliveryStatus, OutboxMessage, SendResult
from domain.payment import Payment

log = logging.getLogger("paycore.webhooks")

# (event type, payment, refund_no) → the `data` object: the payment or the refund as the API shows it.
Render = Callable[[str, Payment, str | None], Mapping[str, Any]]
# run id → the `data` of a reconciliation.* webhook: the run as the admin API shows it (None: no such run).
RenderRun = Callable[[int], Awaitable[Mapping[str, Any] | None]]

BATCH = 20
LEASE_SECONDS = 60.0  # well over the sender's 10 s timeout: a lease only runs out when its holder died


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """What one attempt did, for logs and metrics."""

    delivery_id: int
    event_id: str
    outcome: DeliveryStatus
    url: str | None
    status_code: int | None = None
    latency_seconds: float | None = None
    snippet: str = ""
    error: str | None = None
    lag_seconds: float | None = None  # from the event to this attempt


@dataclass(frozen=True, slots=True)
class Target:
    """Where a message goes and what signs it."""

    url: str
    secrets: list[str]  # the key's current webhook secret first, then the previous one during an overlap
    data: Mapping[str, Any]  # the body's `data`


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The `Paycore-Signature` header: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`."""
    return f"t={timestamp},v1={_hmac_hex(secret, timestamp, body)}"


def _hmac_hex(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


class PaycoreSigner:
    """`Paycore-Signature: t=<t>,v1=<sig>[,v1=<sig of the previous secret>]` (what every webhook carries)."""

    def headers(self, event_id: str, timestamp: int, body: bytes, secrets: Sequence[str]) -> dict[str, str]:
        """The Paycore-Signature header, one v1 per secret."""
        signatures = ",".join(f"v1={_hmac_hex(s, timestamp, body)}" for s in secrets)
        return {"Paycore-Signature": f"t={timestamp},{signatures}"}


def iso_z(moment: datetime) -> str:
    """ISO 8601 in UTC with a Z."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


async def webhook_url(uow: UnitOfWork, payment: Payment) -> tuple[str | None, ApiKey | None]:
    """The payment's notify_url, else its creating key's webhook_url; and that key."""
    key = await uow.api_keys.get(payment.api_key_id) if payment.api_key_id else None
    return payment.notify_url or (key.webhook_url if key is not None else None) or None, key


def default_worker_id() -> str:
    """host:pid, so a lease names the process that holds it."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}"


class DeliverWebhooks:
    """One pass over the outbox: claim what is due, send each, record each outcome."""

    def __init__(self, uow: UnitOfWorkFactory, sender: WebhookSender, clock: Clock, api_keys: ApiKeys,
                 render: Render, schedule: Sequence[int], worker_id: str | None = None,
                 batch: int = BATCH, lease_seconds: float = LEASE_SECONDS,
                 signer: WebhookSigner | None = None, render_run: RenderRun | None = None) -> None:
        self._uow, self._sender, self._clock, self._keys = uow, sender, clock, api_keys
        self._render_run = render_run
        self._signer = signer or PaycoreSigner()
        self._render, self._schedule = render, tuple(schedule)
        self._worker_id = worker_id or default_worker_id()
        self._batch, self._lease_seconds = batch, lease_seconds

    async def run_once(self) -> list[DeliveryReport]:
        """Deliver the due messages (of different payments, so concurrently); one report per attempt."""
        async with self._uow() as uow:
            messages = await uow.outbox.claim(self._clock.now(), self._batch, self._lease_seconds, self._worker_id)
            await uow.commit()
        results = await asyncio.gather(*(self._deliver(m) for m in messages), return_exceptions=True)
        reports: list[DeliveryReport] = []
        for message, result in zip(messages, results, strict=True):
            if isinstance(result, BaseException):
                # Unrecorded: its lease runs out and it is sent again.
                log.error("webhook.error event_id=%s delivery_id=%s", message.event_id, message.delivery_id,
                          exc_info=result)
            else:
                reports.append(result)
        return reports

    async def _deliver(self, message: OutboxMessage) -> DeliveryReport:
        target = await self._target(message)
        if isinstance(target, str):
            outcome = DeliveryOutcome(DeliveryStatus.SKIPPED, self._clock.now(), message.attempts, error=target)
            report = DeliveryReport(message.delivery_id, message.event_id, DeliveryStatus.SKIPPED, None, error=target)
        else:
            result = await self._send(message, target)
            outcome = self._outcome(message, target.url, result)
            lag = (outcome.at - message.created).total_seconds()
            report = DeliveryReport(message.delivery_id, message.event_id, outcome.status, target.url,
                                    result.status_code, result.latency_seconds, result.snippet, result.error, lag)
        await self._record(message, outcome)
        _log(report)
        return report

    async def _target(self, message: OutboxMessage) -> Target | str:
        """The URL, secret and data, or why there is nowhere to send it."""
        if message.order_no is None:
            return await self._run_target(message)
        async with self._uow() as uow:
            payment = await uow.payments.get(message.order_no)
            if payment is None:
                return f"payment {message.order_no} not found"
            url, key = await webhook_url(uow, payment)
        if url is None:
            return "no notify_url on the payment and no webhook_url on the API key that created it"
        if key is None:
            return "the payment was not created with an API key, so there is no webhook secret to sign with"
        return Target(url, self._keys.webhook_secrets(key, self._clock.now()),
                      self._render(message.event_type, payment, message.refund_no))

    async def _run_target(self, message: OutboxMessage) -> Target | str:
        """A webhook of no payment goes to its admin key's webhook_url, signed with that key's secret."""
        async with self._uow() as uow:
            key = await uow.api_keys.get(message.api_key_id) if message.api_key_id else None
        if key is None or key.revoked:
            return f"the API key {message.api_key_id} it is for is revoked or gone"
        if not key.webhook_url:
            return f"the API key {message.api_key_id} has no webhook_url"
        data = await self._render_run(message.run_id) if self._render_run and message.run_id is not None else None
        if data is None:
            return f"reconciliation run {message.run_id} not found"
        return Target(key.webhook_url, self._keys.webhook_secrets(key, self._clock.now()), data)

    async def _send(self, message: OutboxMessage, target: Target) -> SendResult:
        event = {"id": message.event_id, "type": message.event_type, "created": iso_z(message.created),
                 "data": dict(target.data)}
        body = json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()
        timestamp = int(self._clock.now().timestamp())
        headers = {"Content-Type": "application/json", "Paycore-Event-Id": message.event_id,
                   **self._signer.headers(message.event_id, timestamp, body, target.secrets)}
        return await self._sender.send(target.url, body, headers)

    def _outcome(self, message: OutboxMessage, url: str, result: SendResult) -> DeliveryOutcome:
        attempts, now = message.attempts + 1, self._clock.now()
        common: dict[str, Any] = {"url": url, "status_code": result.status_code,
                                  "latency_seconds": result.latency_seconds, "snippet": result.snippet[:SNIPPET_CHARS]}
        if result.status_code is not None and 200 <= result.status_code < 300:
            return DeliveryOutcome(DeliveryStatus.DELIVERED, now, attempts, **common)
        error = result.error or f"HTTP {result.status_code}: {result.snippet}"[:500]
        # Past the schedule (a resend of a failed one) an attempt that fails is final at once: a fresh schedule
        # would hold the payment's later webhooks back for another round of retries.
        if attempts <= len(self._schedule):
            wait = timedelta(seconds=self._schedule[attempts - 1])
            return DeliveryOutcome(DeliveryStatus.PENDING, now, attempts, now + wait, error=error, **common)
        return DeliveryOutcome(DeliveryStatus.FAILED, now, attempts, error=error, **common)

    async def _record(self, message: OutboxMessage, outcome: DeliveryOutcome) -> None:
        async with self._uow() as uow:
            held = await uow.outbox.record(message.delivery_id, self._worker_id, outcome)
            await uow.commit()
        if not held:
            log.warning("webhook.lease_lost event_id=%s delivery_id=%s: another worker took it over",
                        message.event_id, message.delivery_id)


def _log(r: DeliveryReport) -> None:
    latency = f"{r.latency_seconds * 1000:.0f}ms" if r.latency_seconds is not None else "-"
    level = logging.INFO if r.outcome is DeliveryStatus.DELIVERED else logging.WARNING
    log.log(level, "webhook.attempt event_id=%s delivery_id=%s url=%s status=%s latency=%s outcome=%s "
            "snippet=%r error=%s", r.event_id, r.delivery_id, r.url, r.status_code, latency, r.outcome.value,
            r.snippet, r.error)

