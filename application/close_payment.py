"""Close an unpaid payment at the provider, then locally."""

from __future__ import annotations

from application.apply_update import ApplyProviderUpdate
from application.configs import config_of, payment_with_config
from application.errors import PaymentNotFound
from application.ports.clock import Clock
from application.ports.providers import GatewayRegistry
from application.ports.storage import UnitOfWorkFactory
from application.retry import retry_on_conflict
from domain.attempts import AttemptStatus
from domain.errors import PaymentAlreadyPaid
from domain.events import Source
from domain.payment import Payment
from domain.status import TradeStatus
from domain.updates import UpdateKind


class ClosePayment:
    """The close use case. A closed payment closes again as a no-op; a paid one cannot close."""

    def __init__(self, uow: UnitOfWorkFactory, gateways: GatewayRegistry, clock: Clock,
                 apply: ApplyProviderUpdate) -> None:
        self._uow, self._gateways, self._clock, self._apply = uow, gateways, clock, apply

    async def __call__(self, order_no: str, source: Source = Source.API) -> Payment:
        """Close and return the payment; PaymentAlreadyPaid if the buyer paid first."""
        payment, config = await payment_with_config(self._uow, order_no)
        if not payment.needs_closing():
            return payment
        for attempt in [a for a in payment.attempts if a.status is AttemptStatus.OPEN]:  # each at its provider
            if attempt.config_id != config.config_id:
                async with self._uow() as uow:
                    config = await config_of(uow, attempt.config_id)
            answer = await self._gateways.payments(config).close(payment.trade(attempt), config)
            if answer.kind in (UpdateKind.PAID, UpdateKind.FINISHED):
                # What the provider said is a query answer; the worker's expiry close journals it as its own.
                result = await self._apply(answer, config, Source.WORKER if source is Source.WORKER else Source.SYNC)
                raise PaymentAlreadyPaid(result.payment.status, TradeStatus.TRADE_CLOSED)
        return await retry_on_conflict(lambda: self._close_locally(order_no, source))

    async def _close_locally(self, order_no: str, source: Source) -> Payment:
        async with self._uow() as uow:
            payment = await uow.payments.get(order_no)
            if payment is None:  # pragma: no cover - payments are never deleted
                raise PaymentNotFound(f"no payment {order_no}", order_no=order_no)
            if payment.close(source, self._clock.now()):
                await uow.payments.save(payment)
                await uow.commit()
        return payment
