"""Ask the provider for a payment's current state and apply what it says."""

from __future__ import annotations

import logging

from application.apply_update import ApplyProviderUpdate
from application.configs import config_of, payment_with_config, refund_with_config
from application.ports.providers import GatewayRegistry
from application.ports.storage import UnitOfWorkFactory
from application.records import PaymentConfig
from domain.events import Source
from domain.payment import Payment
from domain.updates import UpdateKind

log = logging.getLogger("paycore.refunds")


class SyncPayment:
    """Real-time status query; a payment the provider does not know yet stays as it is."""

    def __init__(self, uow: UnitOfWorkFactory, gateways: GatewayRegistry, apply: ApplyProviderUpdate) -> None:
        self._uow, self._gateways, self._apply = uow, gateways, apply

    async def __call__(self, order_no: str, source: Source = Source.SYNC) -> Payment:
        """The payment after applying the provider's answer."""
        payment, config = await payment_with_config(self._uow, order_no)
        if payment.status.is_terminal or not payment.attempts:
            return payment
        for attempt in payment.attempts_to_ask():
            if attempt.config_id != config.config_id:
                config = await self._config(attempt.config_id)
            answer = await self._gateways.payments(config).query(payment.trade(attempt), config)
            if answer is not None:
                payment = (await self._apply(answer, config, source)).payment
        if payment.pay_methods and payment.attempts_to_close() == []:
            return payment
        if payment.pay_methods:  # applying closed the other attempts after its commit: show them closed
            async with self._uow() as uow:
                payment = await uow.payments.get(order_no) or payment
        return payment

    async def _config(self, config_id: int | None) -> PaymentConfig:
        async with self._uow() as uow:
            return await config_of(uow, config_id)


class SyncRefund:
    """Ask the provider how a refund stands and apply what it says; a refund the provider never received
    (or that was never sent) is sent again with the same refund_no, which the provider dedupes on."""

    def __init__(self, uow: UnitOfWorkFactory, gateways: GatewayRegistry, apply: ApplyProviderUpdate) -> None:
        self._uow, self._gateways, self._apply = uow, gateways, apply

    async def __call__(self, refund_no: str, source: Source = Source.SYNC) -> Payment:
        """The payment (with the refund) after applying the provider's answer."""
        payment, config = await refund_with_config(self._uow, refund_no)
        refund = payment.refunds[refund_no]
        if refund.status.is_terminal:
            return payment
        gateway = self._gateways.refunds(config)
        answer = await gateway.query_refund(payment.refund_trade(refund), refund, config)
        if answer.kind is UpdateKind.REFUND_NOT_FOUND:
            log.info("refund.resend refund_no=%s order_no=%s: the provider has no such refund", refund_no,
                     payment.order_no)
            answer = await gateway.refund(payment.refund_trade(refund), refund, config)
        return (await self._apply(answer, config, source)).payment
