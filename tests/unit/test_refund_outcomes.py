"""Every refund ends, on fakes: refusals fail with the provider's code, refunds the provider never received are
sent again by the sweep, and refunds unsettled past the attention hours (and only those) reach operators."""

from __future__ import annotations

import pytest

from application.errors import ProviderUnavailable, RefundNotProcessing
from application.refund_attention import FlagStaleRefunds, ResendRefund, StaleRefunds
from application.refund_payment import RefundCommand
from application.sync_unpaid import SyncRefunds
from domain.events import EventType, Source
from domain.money import Money
from domain.status import RefundStatus
from tests.unit.harness import App, build_app

ORDER = "T20261124001"


def refund(refund_no: str = "R1", yuan: str = "99.90") -> RefundCommand:
    return RefundCommand(ORDER, refund_no, Money.from_yuan(yuan))


async def test_a_refused_refund_is_failed_with_the_providers_code_and_frees_its_amount(app: App) -> None:
    await app.create_paid()
    app.alipay.refuse_refunds = ("ACQ.TRADE_HAS_FINISHED", "交易已完结")
    failed = (await app.refund(refund("R1"))).refund
    assert (failed.status, failed.failure_code, failed.failure_message) == (
        RefundStatus.FAILED, "ACQ.TRADE_HAS_FINISHED", "交易已完结")
    entry = (await app.entries(ORDER))[-1]
    assert (entry.event.event_type, entry.event.detail["failure_code"]) == (EventType.REFUND_FAILED,
                                                                             "ACQ.TRADE_HAS_FINISHED")
    app.alipay.refuse_refunds = None
    assert (await app.refund(refund("R2"))).refund.status is RefundStatus.SUCCESS


async def test_an_outage_during_a_refund_never_makes_it_failed(app: App) -> None:
    await app.create_paid()
    app.alipay.fail_with = ProviderUnavailable("Alipay did not answer within 10 s")
    with pytest.raises(ProviderUnavailable):
        await app.refund(refund("R1"))
    with pytest.raises(ProviderUnavailable):
        await app.sync_refund("R1")
    assert (await app.stored(ORDER)).refunds["R1"].status is RefundStatus.PROCESSING


async def test_the_sweep_sends_a_refund_the_provider_never_received_with_the_same_refund_no() -> None:
    app = build_app(refunds_settle_at_once=False)
    await app.create_paid()
    app.alipay.fail_with = ProviderUnavailable("lost")
    with pytest.raises(ProviderUnavailable):
        await app.refund(refund("R1", "10.00"))
    app.alipay.fail_with = None
    app.clock.advance(minutes=2)
    assert await SyncRefunds(app.uow, app.sync_refund, app.clock, 60, "w1").run_once() == 1
    assert app.alipay.calls[-3:] == ["refund", "query_refund", "refund"]
    assert app.alipay.orders[ORDER].refunds == {"R1": Money.from_yuan("10.00")}
    assert (await app.stored(ORDER)).refunds["R1"].status is RefundStatus.PROCESSING  # received; settles later


async def test_only_refunds_processing_past_the_attention_hours_are_stale_and_flagged_once() -> None:
    app = build_app(refunds_settle_at_once=False)
    await app.create_paid()
    await app.refund(refund("R1", "10.00"))
    stale, flag = StaleRefunds(app.uow, app.clock, 72), FlagStaleRefunds(app.uow, app.clock, 72)
    app.clock.advance(hours=72, seconds=-1)
    assert ((await stale.list(stale=True)).items, await stale.count_stale(), await flag.run_once()) == ([], 0, 0)
    app.clock.advance(seconds=1)
    assert [r.refund_no for r in (await stale.list(stale=True)).items] == ["R1"]
    assert await stale.count_stale() == 1
    assert (await flag.run_once(), await flag.run_once()) == (1, 0)
    app.clock.advance(hours=1)
    assert [r.refund_no for r in (await stale.list(RefundStatus.PROCESSING, stale=True)).items] == ["R1"]
    assert (await stale.list(RefundStatus.SUCCESS, stale=True)).items == []


async def test_an_operator_resends_a_processing_refund_and_cannot_resend_a_settled_one() -> None:
    app = build_app(refunds_settle_at_once=False)
    await app.create_paid()
    await app.refund(refund("R1", "10.00"))
    app.alipay.refunds_settle_at_once = True
    resend = ResendRefund(app.uow, app.gateways, app.apply)
    assert (await resend("R1")).status is RefundStatus.SUCCESS
    assert app.store.journal[ORDER][-1].event.source is Source.ADMIN
    with pytest.raises(RefundNotProcessing):
        await resend("R1")


async def test_the_stale_list_pages_oldest_first() -> None:
    app = build_app(refunds_settle_at_once=False)
    await app.create_paid()
    for n in range(3):
        await app.refund(refund(f"R{n}", "1.00"))
        app.clock.advance(minutes=1)
    app.clock.advance(hours=73)
    stale = StaleRefunds(app.uow, app.clock)
    first = await stale.list(stale=True, limit=2)
    rest = await stale.list(stale=True, limit=2, cursor=first.next_cursor)
    assert [r.refund_no for r in (*first.items, *rest.items)] == ["R0", "R1", "R2"]
    assert rest.next_cursor is None
