"""ApplyProviderUpdate: the one path by which provider facts change payments."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import pytest

from application.apply_update import Outcome
from application.errors import NotificationRejected
from application.refund_payment import RefundCommand
from domain.events import EventType, Source
from domain.money import Money
from domain.status import TradeStatus
from domain.updates import ProviderUpdate, UpdateKind
from tests.unit.builders import PAID_AT
from tests.unit.harness import ALIPAY, WECHAT, App, InterleavingUnitOfWorkFactory, build_app, order

ORDER = "T20261124001"


def paid_notification(**changes: Any) -> ProviderUpdate:
    update = ProviderUpdate(UpdateKind.PAID, ORDER, amount=Money(9990), trade_no="2026112422001",
                            occurred_at=PAID_AT, event_id="notify-1", app_id=ALIPAY.app_id,
                            merchant_id=ALIPAY.setting("seller_id"), raw={"trade_status": "TRADE_SUCCESS"})
    return replace(update, **changes)


async def test_a_notification_is_applied_once_and_then_already_applied(app: App) -> None:
    await app.create(order())
    app.clock.advance(minutes=4)
    first = await app.notify(paid_notification())
    again = await app.notify(paid_notification())
    assert (first.outcome, again.outcome) == (Outcome.APPLIED, Outcome.ALREADY_APPLIED)
    stored = await app.stored(ORDER)
    assert stored.status is TradeStatus.TRADE_SUCCESS
    assert stored.payment_time == PAID_AT
    assert stored.notify_time == app.clock.now()
    entries = await app.entries(ORDER)
    assert [e.event.event_type for e in entries] == [EventType.PAYMENT_CREATED, EventType.PAYMENT_SUCCEEDED]
    assert entries[-1].event.raw == {"trade_status": "TRADE_SUCCESS"}
    assert entries[-1].event.provider_event_id == "notify-1"
    assert len(app.store.outbox) == 1


async def test_a_paid_notification_without_ids_for_origin_is_accepted(app: App) -> None:
    await app.create(order())
    result = await app.notify(paid_notification(app_id=None, merchant_id=None))
    assert result.outcome is Outcome.APPLIED


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"app_id": "2021999999999999"}, "app_id_mismatch"),
        ({"order_no": "T-UNKNOWN-01"}, "unknown_order"),
        ({"amount": Money(9900)}, "amount_mismatch"),
        ({"amount": Money(99900)}, "amount_mismatch"),
    ],
)
async def test_a_notification_that_does_not_fit_is_rejected_with_its_reason_and_changes_nothing(
    app: App, change: dict[str, object], reason: str
) -> None:
    await app.create(order())
    journal = await app.journal(ORDER)
    with pytest.raises(NotificationRejected) as raised:
        await app.notify(paid_notification(**change))
    assert raised.value.reason == reason
    assert raised.value.extra == {"reason": reason}
    stored = await app.stored(ORDER)
    assert stored.status is TradeStatus.WAIT_BUYER_PAY
    assert stored.seen_event_ids == set()
    assert await app.journal(ORDER) == journal
    assert app.store.outbox == []


async def test_a_rejected_notification_does_not_burn_its_event_id(app: App) -> None:
    await app.create(order())
    with pytest.raises(NotificationRejected):
        await app.notify(paid_notification(amount=Money(1)))
    assert (await app.notify(paid_notification())).outcome is Outcome.APPLIED


async def test_a_notification_through_another_config_is_rejected(app: App) -> None:
    await app.create(order())
    with pytest.raises(NotificationRejected) as raised:
        await app.notify(paid_notification(app_id=None, merchant_id=None), WECHAT)
    assert raised.value.reason == "config_mismatch"
    assert (await app.stored(ORDER)).status is TradeStatus.WAIT_BUYER_PAY


async def test_an_outcome_for_an_unknown_refund_is_rejected(app: App) -> None:
    await app.create_paid()
    update = ProviderUpdate(UpdateKind.REFUND_SUCCEEDED, ORDER, amount=Money(100), refund_no="R-NOPE")
    with pytest.raises(NotificationRejected) as raised:
        await app.notify(update)
    assert raised.value.reason == "unknown_refund"


async def test_a_refund_failure_after_its_success_is_rejected_as_illegal(app: App) -> None:
    await app.create_paid()
    await app.refund(RefundCommand(ORDER, "R1", Money(100)))
    update = ProviderUpdate(UpdateKind.REFUND_FAILED, ORDER, refund_no="R1", event_id="rn-9")
    with pytest.raises(NotificationRejected) as raised:
        await app.notify(update)
    assert raised.value.reason == "illegal_transition"
    assert (await app.stored(ORDER)).refunded_amount == Money(100)


async def test_a_paid_notification_after_a_local_close_is_applied_as_an_anomaly(app: App) -> None:
    await app.create(order())
    await app.close(ORDER)
    result = await app.notify(paid_notification())
    assert result.payment.status is TradeStatus.TRADE_SUCCESS
    assert (await app.journal(ORDER))[-2:] == [EventType.PAYMENT_ANOMALY, EventType.PAYMENT_SUCCEEDED]


# -- concurrency ---------------------------------------------------------------------------------------


async def test_one_notification_delivered_twenty_times_at_once_is_journaled_once() -> None:
    uow = InterleavingUnitOfWorkFactory()
    app = build_app(uow)
    await app.create(order())
    results = await asyncio.gather(*(app.notify(paid_notification()) for _ in range(20)))
    outcomes = [r.outcome for r in results]
    assert (outcomes.count(Outcome.APPLIED), outcomes.count(Outcome.ALREADY_APPLIED)) == (1, 19)
    assert uow.conflicts > 0  # the deliveries really raced
    assert await app.journal(ORDER) == [EventType.PAYMENT_CREATED, EventType.PAYMENT_SUCCEEDED]
    assert len(app.store.outbox) == 1


async def test_a_notification_and_sync_answers_racing_give_one_success() -> None:
    app = build_app(InterleavingUnitOfWorkFactory())
    await app.create(order())
    sync = paid_notification(event_id=None)
    await asyncio.gather(
        app.notify(paid_notification()), *(app.apply(sync, ALIPAY, Source.SYNC) for _ in range(5)),
    )
    assert (await app.journal(ORDER)).count(EventType.PAYMENT_SUCCEEDED) == 1
