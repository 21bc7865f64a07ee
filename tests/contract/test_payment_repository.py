"""The PaymentRepository contract, run against every backend (memory, SQLite, PostgreSQL, MySQL)."""

from __future__ import annotations

import dataclasses
from datetime import UTC

import pytest

from application.errors import ConcurrencyConflict, DuplicateKey
from application.ports.storage import UnitOfWorkFactory
from domain.checkout import Checkout
from domain.events import WEBHOOK_EVENTS, Source
from domain.money import Money
from domain.status import RefundStatus, TradeStatus
from tests.contract.helpers import (
    ORDER_NO,
    at,
    event_types,
    load,
    new_payment,
    outbox_event_ids,
    paid,
    refund_succeeded,
    save_and_commit,
    store,
)


async def test_a_payment_with_every_field_set_round_trips_exactly(uow_factory: UnitOfWorkFactory) -> None:
    payment = new_payment(amount="100000000.00")
    payment.checkout = Checkout(pay_url="https://openapi.alipay.com/gateway.do?a=1&b=二", code_url="weixin://x",
                                pay_params={"appId": "wx1", "package": "prepay_id=1"})
    payment.apply(paid(amount="100000000.00"), Source.NOTIFY, at(61))
    payment.request_refund("R1", Money.of("0.01"), "customer request", at(100))
    payment.apply(refund_succeeded("R1", "0.01", "N-refund-1"), Source.NOTIFY, at(201))
    payment.request_refund("R2", Money.of("5.00"), "", at(300))

    await store(uow_factory, payment)
    loaded = await load(uow_factory)

    assert loaded == dataclasses.replace(payment, pending_events=[], version=0)
    assert loaded.seen_event_ids == {"N-paid-1", "N-refund-1"}
    assert loaded.refunds["R1"].status is RefundStatus.SUCCESS
    assert loaded.refunds["R2"].status is RefundStatus.PROCESSING
    times = [loaded.create_time, loaded.expire_time, loaded.payment_time, loaded.notify_time, loaded.update_time,
             loaded.refunds["R1"].create_time, loaded.refunds["R1"].success_time]
    assert all(t is not None and t.tzinfo is UTC for t in times)


async def test_a_payment_with_optional_fields_empty_round_trips(uow_factory: UnitOfWorkFactory) -> None:
    payment = dataclasses.replace(new_payment(), body="", return_url=None, notify_url=None, api_key_id=None,
                                  config_id=None)
    await store(uow_factory, payment)
    loaded = await load(uow_factory)
    assert loaded == dataclasses.replace(payment, pending_events=[])
    assert loaded.checkout == Checkout()
    assert loaded.receipt_amount is None
    assert loaded.trade_no is None


async def test_an_unknown_order_no_is_none(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        assert await uow.payments.get("T-missing") is None
        assert await uow.payments.get_by_refund_no("R-missing") is None
        assert await uow.payments.events("T-missing") == []


async def test_adding_an_existing_order_no_is_a_duplicate_key(uow_factory: UnitOfWorkFactory) -> None:
    await store(uow_factory, new_payment())
    with pytest.raises(DuplicateKey):
        await store(uow_factory, new_payment(amount="1.00"))
    assert (await load(uow_factory)).total_amount == Money.of("99.90")


async def test_a_new_payment_journals_its_created_event_and_sends_no_webhook(uow_factory: UnitOfWorkFactory) -> None:
    await store(uow_factory, new_payment())
    assert await event_types(uow_factory) == ["payment.created"]
    assert await outbox_event_ids(uow_factory) == []


async def test_saving_bumps_the_version_and_journals_pending_events_with_their_webhooks(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await store(uow_factory, new_payment())
    async with uow_factory() as uow:
        payment = await uow.payments.get(ORDER_NO)
        assert payment is not None
        assert payment.version == 0
        payment.close(Source.API, at(10))
        await save_and_commit(uow, payment)
    assert payment.version == 1

    stored = await load(uow_factory)
    assert (stored.version, stored.status) == (1, TradeStatus.TRADE_CLOSED)
    async with uow_factory() as uow:
        journal = await uow.payments.events(ORDER_NO)
    assert [e.event.event_type.value for e in journal] == ["payment.created", "payment.closed"]
    assert await outbox_event_ids(uow_factory) == [journal[1].event_id]


async def test_webhook_events_reach_the_outbox_in_journal_order(uow_factory: UnitOfWorkFactory) -> None:
    payment = new_payment()
    await store(uow_factory, payment)
    async with uow_factory() as uow:
        payment = await load(uow_factory)
        payment.apply(paid(), Source.NOTIFY, at(61))
        payment.request_refund("R1", Money.of("99.90"), "", at(100))
        payment.apply(refund_succeeded("R1", "99.90", "N-refund-1"), Source.NOTIFY, at(201))
        await save_and_commit(uow, payment)
    async with uow_factory() as uow:
        journal = await uow.payments.events(ORDER_NO)
    webhooks = [e.event_id for e in journal if e.event.event_type in WEBHOOK_EVENTS]
    assert [e.event.event_type.value for e in journal] == [
        "payment.created", "payment.succeeded", "refund.created", "refund.succeeded", "payment.refunded"]
    assert await outbox_event_ids(uow_factory) == webhooks


async def test_a_stale_save_is_a_conflict_and_writes_nothing(uow_factory: UnitOfWorkFactory) -> None:
    await store(uow_factory, new_payment())
    async with uow_factory() as stale_uow:
        stale = await stale_uow.payments.get(ORDER_NO)
        assert stale is not None
        async with uow_factory() as uow:
            fresh = await uow.payments.get(ORDER_NO)
            assert fresh is not None
            fresh.apply(paid(), Source.NOTIFY, at(61))
            await save_and_commit(uow, fresh)
        stale.close(Source.API, at(70))
        with pytest.raises(ConcurrencyConflict):
            await save_and_commit(stale_uow, stale)

    stored = await load(uow_factory)
    assert (stored.version, stored.status) == (1, TradeStatus.TRADE_SUCCESS)
    assert await event_types(uow_factory) == ["payment.created", "payment.succeeded"]
    assert len(await outbox_event_ids(uow_factory)) == 1


async def test_nothing_is_written_unless_committed(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await uow.payments.add(new_payment())
    await store(uow_factory, new_payment("T20261124002"))
    async with uow_factory() as uow:
        payment = await uow.payments.get("T20261124002")
        assert payment is not None
        payment.close(Source.API, at(10))
        await uow.payments.save(payment)

    async with uow_factory() as uow:
        assert await uow.payments.get(ORDER_NO) is None
        assert await uow.payments.events(ORDER_NO) == []
    stored = await load(uow_factory, "T20261124002")
    assert (stored.version, stored.status) == (0, TradeStatus.WAIT_BUYER_PAY)
    assert await outbox_event_ids(uow_factory) == []


async def test_an_error_inside_the_unit_rolls_everything_back(uow_factory: UnitOfWorkFactory) -> None:
    async def add_then_fail() -> None:
        async with uow_factory() as uow:
            await uow.payments.add(new_payment())
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await add_then_fail()
    async with uow_factory() as uow:
        assert await uow.payments.get(ORDER_NO) is None


async def test_the_owner_of_a_refund_is_found_by_its_refund_no(uow_factory: UnitOfWorkFactory) -> None:
    payment = new_payment()
    payment.apply(paid(), Source.NOTIFY, at(61))
    await store(uow_factory, payment, new_payment("T20261124002"))
    async with uow_factory() as uow:
        payment = await load(uow_factory)
        payment.request_refund("R20261124001", Money.of("10.00"), "customer request", at(100))
        await save_and_commit(uow, payment)

    async with uow_factory() as uow:
        owner = await uow.payments.get_by_refund_no("R20261124001")
    assert owner is not None
    assert owner.order_no == ORDER_NO
    assert owner.refunds["R20261124001"].amount == Money.of("10.00")


async def test_a_refund_no_of_another_payment_is_a_duplicate_key(uow_factory: UnitOfWorkFactory) -> None:
    first, second = new_payment(), new_payment("T20261124002")
    for payment in (first, second):
        payment.apply(paid(payment.order_no, event_id=f"N-{payment.order_no}"), Source.NOTIFY, at(61))
        payment.request_refund("R1", Money.of("1.00"), "", at(100))
    await store(uow_factory, first)
    with pytest.raises(DuplicateKey):
        await store(uow_factory, second)


async def test_the_journal_rebuilds_every_event_oldest_first_with_detail_and_raw(
    uow_factory: UnitOfWorkFactory,
) -> None:
    payment = new_payment()
    payment.close(Source.API, at(10))
    payment.apply(paid(), Source.NOTIFY, at(61))  # paid after the local close: an anomaly
    expected = list(payment.pending_events)
    await store(uow_factory, payment)

    async with uow_factory() as uow:
        journal = await uow.payments.events(ORDER_NO)
    assert [entry.event for entry in journal] == expected
    assert [e.event_type.value for e in expected] == [
        "payment.created", "payment.closed", "payment.anomaly", "payment.succeeded"]
    assert journal[2].event.detail == {"kind": "paid_after_close", "reason": "paid after local close",
                                       "trade_no": "2026112422001400000001"}
    assert journal[3].event.raw == paid().raw
    assert journal[0].event.raw is None
    assert all(entry.event.occurred_at.tzinfo is UTC for entry in journal)
    event_ids = [entry.event_id for entry in journal]
    assert len(set(event_ids)) == 4
    assert all(i.startswith("evt_") for i in event_ids)


async def test_a_provider_event_already_journaled_cannot_be_journaled_again(uow_factory: UnitOfWorkFactory) -> None:
    first, second = new_payment(), new_payment("T20261124002")
    first.apply(paid(event_id="N-same"), Source.NOTIFY, at(61))
    second.apply(paid("T20261124002", event_id="N-same"), Source.NOTIFY, at(61))
    await store(uow_factory, first)
    with pytest.raises(DuplicateKey):
        await store(uow_factory, second)
    assert await event_types(uow_factory, "T20261124002") == []
