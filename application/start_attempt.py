"""The payer's choice on the cashier page: an attempt at the chosen provider, created there, then recorded."""

from __future__ import annotations

import dataclasses

from application.choices import parse_choice
from application.configs import usable_config
from application.errors import PaymentNotFound
from application.ports.clock import Clock
from application.ports.providers import GatewayRegistry
from application.ports.storage import UnitOfWorkFactory
from application.retry import retry_on_conflict
from domain.payment import Payment


class StartAttempt:
    """Start (or reuse) the attempt for the payer's choice; the payment with it as its current attempt.

    The provider is asked outside any transaction, as for a create: if it fails nothing is stored and the payer can
    choose again. An open attempt of the same choice is reused (a reload of the page asks no provider again).
    """

    def __init__(self, uow: UnitOfWorkFactory, gateways: GatewayRegistry, clock: Clock) -> None:
        self._uow, self._gateways, self._clock = uow, gateways, clock

    async def __call__(self, order_no: str, choice: str, payer_client_ip: str | None = None) -> Payment:
        """The payment with the attempt for `choice` (`provider:method`) current."""
        return await retry_on_conflict(lambda: self._once(order_no, choice, payer_client_ip), attempts=3)

    async def _once(self, order_no: str, choice: str, payer_client_ip: str | None) -> Payment:
        kind, method = parse_choice(choice)
        async with self._uow() as uow:
            payment = await uow.payments.get(order_no)
            if payment is None:
                raise PaymentNotFound(f"no payment {order_no}", order_no=order_no)
            config = await usable_config(uow, kind, None)
        current = payment.current_attempt
        attempt, new = payment.start_attempt(kind, method, config.config_id, self._clock.now())
        if not new:
            if current is None or current.seq != attempt.seq:  # the payer came back to an earlier choice
                await self._save(payment)
            return payment
        trade = dataclasses.replace(payment.trade(attempt), payer_client_ip=payer_client_ip)
        payment.set_checkout(attempt, await self._gateways.payments(config).create(trade, config))
        await self._save(payment)
        return payment

    async def _save(self, payment: Payment) -> None:
        async with self._uow() as uow:
            await uow.payments.save(payment)  # version-checked: a racing choice makes this one start again
            await uow.commit()
