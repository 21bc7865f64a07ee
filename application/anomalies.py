"""Anomalies are loud: each payment.anomaly is logged at WARNING and counted, and a payment paid after its close
may be refunded in full by paycore itself (PAYCORE_REFUND_PAID_AFTER_CLOSE).

The refund is durable: its row is held (PROCESSING, its own refund number) in the transaction that applies the
paid-after-close fact, so a crash cannot lose it; it is sent right after that commit, best effort. A send that
fails leaves it PROCESSING for the worker's refund sweep, which queries it and sends it again if the provider
never received it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Protocol

from application.ports.providers import GatewayRegistry
from application.ports.storage import UnitOfWork
from application.records import PaymentConfig
from domain.errors import DomainError
from domain.events import AnomalyKind, DomainEvent, EventType, Source
from domain.payment import Payment
from domain.updates import ProviderUpdate

log = logging.getLogger("paycore.anomalies")

AUTO_REFUND_PREFIX = "AUTO_"  # + an order_no of at most 32 characters: within refund_no's 64
AUTO_REFUND_REASON = "paid after close: refunded in full by paycore"
Apply = Callable[[ProviderUpdate, PaymentConfig, Source], Awaitable[object]]


def auto_refund_no(order_no: str) -> str:
    """The refund number paycore gives its own refund of a payment paid after close: one per payment."""
    return f"{AUTO_REFUND_PREFIX}{order_no}"


def kind_of(event: DomainEvent) -> str:
    """The anomaly's kind, from its detail."""
    return str(event.detail.get("kind") or "unknown")


class AnomalyAlerts(Protocol):
    """Where anomalies are counted (paycore_anomalies_total{kind})."""

    def raised(self, kind: str) -> None:
        """Count one anomaly of this kind."""


class NoAlerts:
    """Counts nothing (use cases built without metrics)."""

    def raised(self, kind: str) -> None:
        """Nothing."""


class Anomalies:
    """What paycore does when applying a provider fact journals a payment.anomaly."""

    def __init__(self, gateways: GatewayRegistry | None = None, alerts: AnomalyAlerts | None = None,
                 refund_paid_after_close: bool = False) -> None:
        if refund_paid_after_close and gateways is None:
            raise ValueError("refunding payments paid after close needs the gateways")
        self._gateways, self._alerts = gateways, alerts or NoAlerts()
        self._refund = refund_paid_after_close

    async def hold(self, uow: UnitOfWork, payment: Payment, events: Sequence[DomainEvent], source: Source,
                   now: datetime) -> list[DomainEvent]:
        """Inside the applying transaction: hold a full refund of a payment just paid after close, when on."""
        if not self._refund or not any(_paid_after_close(e) for e in events):
            return []
        refund_no = auto_refund_no(payment.order_no)
        owner = await uow.payments.get_by_refund_no(refund_no)
        if owner is not None and owner.order_no != payment.order_no:
            log.error("anomaly.auto_refund_skipped order_no=%s refund_no=%s reason=refund_no_taken_by=%s; "
                      "refund it by hand", payment.order_no, refund_no, owner.order_no)
            return []
        try:
            return payment.refund_in_full(refund_no, AUTO_REFUND_REASON, now, source)
        except DomainError as e:  # e.g. already TRADE_FINISHED: no more refunds at the provider
            log.error("anomaly.auto_refund_skipped order_no=%s reason=%s; refund it by hand", payment.order_no, e)
            return []

    async def after_commit(self, payment: Payment, events: Sequence[DomainEvent], config: PaymentConfig,
                           source: Source, apply: Apply) -> None:
        """After the commit: log and count each anomaly, then send the refund held for it (best effort)."""
        anomalies = [e for e in events if e.event_type is EventType.PAYMENT_ANOMALY]
        refund_no = auto_refund_no(payment.order_no)
        held = any(e.event_type is EventType.REFUND_CREATED and e.refund_no == refund_no for e in events)
        for event in anomalies:
            log.warning("payment.anomaly kind=%s order_no=%s payment_type=%s amount=%s trade_no=%s source=%s "
                        "auto_refund=%s", kind_of(event), payment.order_no, payment.payment_type, event.amount,
                        payment.trade_no, source.value, refund_no if held else "-")
            self._alerts.raised(kind_of(event))
        if held:
            await self._send(payment, refund_no, config, source, apply)

    async def _send(self, payment: Payment, refund_no: str, config: PaymentConfig, source: Source,
                    apply: Apply) -> None:
        assert self._gateways is not None  # checked in __init__: a refund is only held when there are gateways
        try:
            refund = payment.refunds[refund_no]
            answer = await self._gateways.refunds(config).refund(payment.refund_trade(refund), refund, config)
            await apply(answer, config, source)
        except Exception as e:  # the fact and the refund are committed; the refund sweep settles the rest
            log.warning("anomaly.auto_refund_unsent order_no=%s refund_no=%s error=%s; it stays PROCESSING and "
                        "the refund sweep settles it", payment.order_no, refund_no, f"{type(e).__name__}: {e}")
            return
        log.info("anomaly.auto_refund_sent order_no=%s refund_no=%s", payment.order_no, refund_no)


def _paid_after_close(event: DomainEvent) -> bool:
    return event.event_type is EventType.PAYMENT_ANOMALY and kind_of(event) == AnomalyKind.PAID_AFTER_CLOSE.value
