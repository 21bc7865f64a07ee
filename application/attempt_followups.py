"""After a commit that paid one of a payment's attempts: the others are closed at their providers, and an attempt
paid after another is refunded in full by paycore itself.

Both are tried right after the commit, and neither is lost when that try fails. The duplicate's refund is durable
already (held PROCESSING in the applying transaction, like any refund): one that fails to send is settled by the
worker's refund sweep, which sends it again if the provider never received it. An attempt left open is counted on
the payment's row (open_attempts) and closed by the worker's attempt-close sweep (CloseOpenAttempts), which tries
again with backoff; should its payer pay it before, that payment is a duplicate and refunded the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from application.configs import config_of
from application.ports.providers import GatewayRegistry
from application.ports.storage import UnitOfWorkFactory
from application.records import PaymentConfig
from domain.events import DomainEvent, EventType, Source
from domain.payment import Payment
from domain.updates import ProviderUpdate

log = logging.getLogger("paycore.attempts")
Apply = Callable[[ProviderUpdate, PaymentConfig, Source], Awaitable[object]]


class AttemptFollowUps:
    """What applying a provider fact leaves to do at the providers of a payment's other attempts."""

    def __init__(self, uow: UnitOfWorkFactory, gateways: GatewayRegistry) -> None:
        self._uow, self._gateways = uow, gateways

    async def after_commit(self, payment: Payment, events: Sequence[DomainEvent], source: Source,
                           apply: Apply) -> None:
        """Close the open attempts of a payment just paid; send the refund of a duplicate just held."""
        if any(e.event_type is EventType.PAYMENT_SUCCEEDED for e in events):
            await self.close_open(payment, source, apply)
        held = {e.refund_no for e in events if e.event_type is EventType.REFUND_CREATED}
        for refund in payment.duplicate_refunds():
            if refund.refund_no not in held:
                continue
            try:
                config = await self._config(payment.config_for(None, refund.refund_no))
                answer = await self._gateways.refunds(config).refund(payment.refund_trade(refund), refund, config)
                await apply(answer, config, source)
            except Exception as e:  # held PROCESSING: the refund sweep sends it again
                log.warning("attempt.duplicate_refund_unsent order_no=%s refund_no=%s error=%s; the refund sweep "
                            "settles it", payment.order_no, refund.refund_no, f"{type(e).__name__}: {e}")
                continue
            log.info("attempt.duplicate_refund_sent order_no=%s refund_no=%s", payment.order_no, refund.refund_no)

    async def close_open(self, payment: Payment, source: Source, apply: Apply) -> None:
        """Close each open attempt of a paid payment at its provider and apply the answer; a failure is logged
        and left to the attempt-close sweep."""
        for attempt in payment.attempts_to_close():
            try:
                config = await self._config(attempt.config_id)
                answer = await self._gateways.payments(config).close(payment.trade(attempt), config)
                await apply(answer, config, source)
            except Exception as e:  # still counted open on the row: the attempt-close sweep tries again
                log.warning("attempt.close_failed order_no=%s out_trade_no=%s error=%s", payment.order_no,
                            attempt.out_trade_no, f"{type(e).__name__}: {e}")

    async def _config(self, config_id: int | None) -> PaymentConfig:
        async with self._uow() as uow:
            return await config_of(uow, config_id)
