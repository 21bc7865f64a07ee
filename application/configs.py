"""Choosing the payment config a request uses."""

from __future__ import annotations

from application.errors import ConfigNotFound, PaymentNotFound, RefundNotFound
from application.ports.storage import UnitOfWork, UnitOfWorkFactory
from application.records import PaymentConfig
from domain.payment import Payment


async def usable_config(uow: UnitOfWork, payment_type: str, config_id: int | None) -> PaymentConfig:
    """The named config, or the type's default; ConfigNotFound unless it exists, matches and is enabled."""
    if config_id is not None:
        config = await uow.configs.get(config_id)
        if config is None or config.payment_type != payment_type:
            raise ConfigNotFound(f"no {payment_type} payment config with id {config_id}", config_id=config_id)
    else:
        config = await uow.configs.get_default(payment_type)
        if config is None:
            raise ConfigNotFound(
                f"no default {payment_type} payment config; create one or pass config_id",
                payment_type=payment_type,
            )
    if not config.enabled:
        raise ConfigNotFound(f"payment config {config.config_id} is disabled", config_id=config.config_id)
    return config


async def config_of(uow: UnitOfWork, config_id: int | None) -> PaymentConfig:
    """The config an existing payment was made with, disabled or deleted since: its money may still be moving."""
    config = await uow.configs.get(config_id, include_deleted=True) if config_id is not None else None
    if config is None:
        raise ConfigNotFound(f"the payment config {config_id} of this payment no longer exists")
    return config


async def payment_with_config(uow_factory: UnitOfWorkFactory, order_no: str) -> tuple[Payment, PaymentConfig]:
    """A payment and the config it was made with, read together; PaymentNotFound if there is none."""
    async with uow_factory() as uow:
        payment = await uow.payments.get(order_no)
        if payment is None:
            raise PaymentNotFound(f"no payment {order_no}", order_no=order_no)
        return payment, await config_of(uow, payment.config_id)


async def refund_with_config(uow_factory: UnitOfWorkFactory, refund_no: str) -> tuple[Payment, PaymentConfig]:
    """The payment owning a refund and the config it was made with, read together; RefundNotFound if none."""
    async with uow_factory() as uow:
        payment = await uow.payments.get_by_refund_no(refund_no)
        if payment is None:
            raise RefundNotFound(f"no refund with refund_no {refund_no}", refund_no=refund_no)
        # The config of the attempt refunded: a duplicate attempt's refund goes to that attempt's provider.
        return payment, await config_of(uow, payment.config_for(None, refund_no))
