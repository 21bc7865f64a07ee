"""Refund part or all of a paid payment."""

from __future__ import annotations

from dataclasses import dataclass

from application.apply_update import ApplyProviderUpdate
from application.configs import payment_with_config
from application.errors import DuplicateKey, PaymentNotFound
from application.ports.clock import Clock
from application.ports.providers import GatewayRegistry
from application.ports.storage import UnitOfWorkFactory
from application.retry import retry_on_conflict
from domain.errors import RefundNoConflict
from domain.events import Source
from domain.money import Money
from domain.refund import Refund
from domain.status import RefundStatus


@dataclass(frozen=True, slots=True)
class RefundCommand:
    """A business system's refund request."""

    order_no: str
    refund_no: str
    amount: Money
    reason: str = ""


@dataclass(frozen=True, slots=True)
class RefundResult:
    """The refund, and whether this call created it (201) or found it (200)."""

    refund: Refund
    created: bool


class RefundPayment:
    """Record the refund first (so the amount is held), then ask the provider, then apply its answer."""

    def __init__(self, uow: UnitOfWorkFactory, gateways: GatewayRegistry, clock: Clock,
                 apply: ApplyProviderUpdate) -> None:
        self._uow, self._gateways, self._clock, self._apply = uow, gateways, clock, apply

    async def __call__(self, cmd: RefundCommand) -> RefundResult:
        """The refund after the provider's first answer."""
        refund, created = await retry_on_conflict(lambda: self._hold(cmd))
        if refund.status is not RefundStatus.PROCESSING:
            return RefundResult(refund, created)
        payment, config = await payment_with_config(self._uow, cmd.order_no)
        # A retried PROCESSING refund asks again: the provider dedupes on refund_no.
        answer = await self._gateways.refunds(config).refund(payment.refund_trade(refund), refund, config)
        result = await self._apply(answer, config, Source.API)
        return RefundResult(result.payment.refunds[cmd.refund_no], created)

    async def _hold(self, cmd: RefundCommand) -> tuple[Refund, bool]:
        async with self._uow() as uow:
            payment = await uow.payments.get(cmd.order_no)
            if payment is None:
                raise PaymentNotFound(f"no payment {cmd.order_no}", order_no=cmd.order_no)
            owner = await uow.payments.get_by_refund_no(cmd.refund_no)
            if owner is not None and owner.order_no != cmd.order_no:
                raise RefundNoConflict(cmd.refund_no, "belongs to another payment")
            created = cmd.refund_no not in payment.refunds
            refund = payment.request_refund(cmd.refund_no, cmd.amount, cmd.reason, self._clock.now())
            if created:
                try:
                    await uow.payments.save(payment)
                    await uow.commit()
                except DuplicateKey as e:  # the same refund_no raced in through another payment
                    raise RefundNoConflict(cmd.refund_no, "is already used") from e
        return refund, created
