"""Builders and probes shared by the repository contract suites."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from adapters.memory.uow import MemoryUnitOfWorkFactory
from adapters.sql.tables import webhook_outbox
from adapters.sql.uow import SqlUnitOfWorkFactory
from application.ports.storage import UnitOfWork, UnitOfWorkFactory
from domain.kinds import PaymentType, PayMethod
from domain.money import Money
from domain.payment import Payment
from domain.updates import ProviderUpdate, UpdateKind

T0 = datetime(2026, 11, 24, 12, 0, 0, 123456, tzinfo=UTC)
ORDER_NO = "T20261124001"


def at(seconds: float) -> datetime:
    """T0 plus some seconds."""
    return T0 + timedelta(seconds=seconds)


def new_payment(order_no: str = ORDER_NO, *, now: datetime = T0, payment_type: str = "alipay",
                amount: str = "99.90") -> Payment:
    """A fresh unpaid payment with its payment.created event pending."""
    return Payment.create(
        order_no=order_no, payment_type=PaymentType(payment_type),
        pay_method=PayMethod.PC if payment_type == "alipay" else PayMethod.NATIVE,
        config_id=101, subject="Thesis polishing", total_amount=Money.of(amount), now=now,
        expire_time=now + timedelta(minutes=30), body="论文润色", return_url="https://shop.example/paid",
        notify_url="https://shop.example/hooks/paycore", api_key_id="k1",
    )


def paid(order_no: str = ORDER_NO, event_id: str | None = "N-paid-1", amount: str = "99.90") -> ProviderUpdate:
    """The provider says the buyer paid."""
    return ProviderUpdate(
        kind=UpdateKind.PAID, order_no=order_no, amount=Money.of(amount), trade_no="2026112422001400000001",
        occurred_at=at(60), event_id=event_id, buyer_id="2088000000000001", buyer_account="buyer@example.com",
        receipt_amount=Money.of(amount),
        raw={"trade_status": "TRADE_SUCCESS", "out_trade_no": order_no, "subject": "论文润色", "n": [1, {"x": None}]},
    )


def refund_succeeded(refund_no: str, amount: str, event_id: str, order_no: str = ORDER_NO) -> ProviderUpdate:
    """The provider says a refund went through."""
    return ProviderUpdate(kind=UpdateKind.REFUND_SUCCEEDED, order_no=order_no, amount=Money.of(amount),
                          refund_no=refund_no, provider_refund_id=f"P{refund_no}", occurred_at=at(200),
                          event_id=event_id, raw={"refund_status": "SUCCESS"})


async def store(uow_factory: UnitOfWorkFactory, *payments: Payment) -> None:
    """Add and commit payments (the commit clears their pending events)."""
    async with uow_factory() as uow:
        for payment in payments:
            await uow.payments.add(payment)
        await uow.commit()


async def load(uow_factory: UnitOfWorkFactory, order_no: str = ORDER_NO) -> Payment:
    """The committed payment, which must exist."""
    async with uow_factory() as uow:
        payment = await uow.payments.get(order_no)
    assert payment is not None
    return payment


async def save_and_commit(uow: UnitOfWork, payment: Payment) -> None:
    """Save a payment and commit (adapters may detect a conflict at either step)."""
    await uow.payments.save(payment)
    await uow.commit()


async def event_types(uow_factory: UnitOfWorkFactory, order_no: str = ORDER_NO) -> list[str]:
    """The journal's event types, oldest first."""
    async with uow_factory() as uow:
        return [entry.event.event_type.value for entry in await uow.payments.events(order_no)]


async def outbox_event_ids(uow_factory: UnitOfWorkFactory) -> list[str]:
    """The event ids waiting in the webhook outbox, in the order they were written."""
    if isinstance(uow_factory, MemoryUnitOfWorkFactory):
        return [row["event_id"] for row in uow_factory.store.outbox]
    assert isinstance(uow_factory, SqlUnitOfWorkFactory)
    async with uow_factory.engine.connect() as conn:
        return list(await conn.scalars(sa.select(webhook_outbox.c.event_id).order_by(webhook_outbox.c.id)))
