"""A unit of work that reports the journal events it committed, so metrics count what really happened (payments
created, paid, closed; refunds by outcome) whichever path did it: the API, a notification, a sync or the worker."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

from application.ports.storage import PaymentRepository, UnitOfWork, UnitOfWorkFactory
from domain.events import DomainEvent, EventType
from domain.payment import Payment
from entrypoints.metrics import Metrics


@dataclass(frozen=True, slots=True)
class Committed:
    """A journal event and the kind of payment it belongs to."""

    event: DomainEvent
    payment_type: str
    pay_method: str


Observer = Callable[[Sequence[Committed]], None]


class _RecordingPayments:
    """The payment repository, noting the events each written payment carries."""

    def __init__(self, inner: PaymentRepository, seen: list[Committed]) -> None:
        self._inner, self._seen = inner, seen

    async def add(self, payment: Payment) -> None:
        await self._inner.add(payment)
        self._note(payment)

    async def save(self, payment: Payment) -> None:
        await self._inner.save(payment)
        self._note(payment)

    def _note(self, payment: Payment) -> None:
        kind, method = payment.payment_type or "", payment.pay_method or ""
        self._seen.extend(Committed(e, kind, method) for e in payment.pending_events)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class ObservedUnitOfWork:
    """Delegates everything; after a successful commit, hands the events written in it to the observer."""

    def __init__(self, inner: UnitOfWork, observe: Observer) -> None:
        self._inner, self._observe = inner, observe
        self._seen: list[Committed] = []
        self.payments: PaymentRepository = _RecordingPayments(inner.payments, self._seen)
        self.configs, self.idempotency, self.api_keys = inner.configs, inner.idempotency, inner.api_keys
        self.notifications, self.outbox, self.sweeps = inner.notifications, inner.outbox, inner.sweeps

    async def __aenter__(self) -> Self:
        await self._inner.__aenter__()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self._inner.__aexit__(exc_type, exc, tb)

    async def commit(self) -> None:
        """Commit, then report (a failed commit reports nothing)."""
        await self._inner.commit()
        seen, self._seen[:] = list(self._seen), []
        if seen:
            self._observe(seen)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class ObservedUnitOfWorkFactory:
    """Wraps a factory's units of work."""

    def __init__(self, inner: UnitOfWorkFactory, observe: Observer) -> None:
        self.inner, self._observe = inner, observe

    def __call__(self) -> ObservedUnitOfWork:
        return ObservedUnitOfWork(self.inner(), self._observe)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


_PAYMENT_COUNTERS = {
    EventType.PAYMENT_CREATED: ("paycore_payments_created_total", "payments created, by type and method"),
    EventType.PAYMENT_SUCCEEDED: ("paycore_payments_paid_total", "payments paid, by type and method"),
    EventType.PAYMENT_CLOSED: ("paycore_payments_closed_total", "payments closed unpaid, by type and method"),
    EventType.PAYMENT_REFUNDED: ("paycore_payments_refunded_total", "payments refunded in full, by type and method"),
}
_REFUND_OUTCOMES = {EventType.REFUND_CREATED: "requested", EventType.REFUND_SUCCEEDED: "succeeded",
                    EventType.REFUND_FAILED: "failed"}


def count_events(metrics: Metrics) -> Observer:
    """An observer that counts committed payments and refunds."""

    def observe(committed: Sequence[Committed]) -> None:
        for item in committed:
            kind = item.event.event_type
            if kind in _PAYMENT_COUNTERS:
                name, help_text = _PAYMENT_COUNTERS[kind]
                metrics.inc(name, help_text, payment_type=item.payment_type, pay_method=item.pay_method)
            elif kind in _REFUND_OUTCOMES:
                metrics.inc("paycore_refunds_total", "refunds by payment type and outcome",
                            payment_type=item.payment_type, outcome=_REFUND_OUTCOMES[kind])

    return observe
