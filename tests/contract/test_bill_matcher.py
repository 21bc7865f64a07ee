"""The bill matcher on every SQL backend: a bill's rows streamed past the day's payments and refunds of an account's
configs, every kind of discrepancy found (with both sides' times), records near midnight held, other accounts left
alone, a bill that breaks mid-way keeping nothing."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

from adapters.sql.bill_matcher import SqlBillMatcher, day_bounds
from adapters.sql.engine import make_engine
from adapters.sql.uow import SqlUnitOfWorkFactory
from application.bills import BILL_SIDE, BillRow, BillRowKind, Discrepancy, DiscrepancyKind, LocalTotals
from application.errors import BillCorrupt
from domain.beijing import BEIJING
from domain.events import Source
from domain.kinds import PaymentType, PayMethod
from domain.money import Money
from tests.contract.helpers import at, new_payment, paid, refund_succeeded, store

DAY = date(2026, 11, 24)  # T0 (12:00 UTC) is 20:00 on this Beijing day
K = DiscrepancyKind


def row(order_no: str, yuan: str, kind: BillRowKind = BillRowKind.PAYMENT, refund_no: str = "") -> BillRow:
    fen = Money.of(yuan).fen
    return BillRow(kind, f"P{order_no}", order_no, refund_no, fen, 0, "SUCCESS", at(60), f"raw {order_no}")


async def records(factory: SqlUnitOfWorkFactory) -> None:
    """Paid T1 (refund R1 10.00), T2 (50.00, refund R3 5.00), T5 (refund R4 1.00), T6 at 23:59:30 Beijing;
    unpaid T3; T7 and T9 paid under another account's config."""
    made = {n: new_payment(f"T2026112400{n}", amount="50.00" if n == 2 else "99.90") for n in (1, 2, 3, 5, 6, 7, 9)}
    made[7].config_id = made[9].config_id = 202
    await store(factory, *made.values())
    late = datetime(2026, 11, 24, 15, 59, 30, tzinfo=UTC)  # 23:59:30 in Beijing
    for n, payment in made.items():
        if n == 3:
            continue
        update = paid(payment.order_no, f"N{n}", amount="50.00" if n == 2 else "99.90")
        if n == 6:
            update = dataclasses.replace(update, occurred_at=late)
        payment.apply(update, Source.NOTIFY, at(61))
        for refund_no, amount in {1: [("R1", "10.00")], 2: [("R3", "5.00")], 5: [("R4", "1.00")]}.get(n, []):
            payment.request_refund(refund_no, Money.of(amount), "", at(100))
            payment.apply(refund_succeeded(refund_no, amount, f"E{refund_no}", payment.order_no), Source.NOTIFY,
                          at(201))
        async with factory() as uow:
            await uow.payments.save(payment)
            await uow.commit()
        payment.pending_events.clear()


BILL = [row("T20261124001", "99.90"), row("T20261124002", "60.00"), row("T20261124003", "99.90"),
        row("T20261124004", "12.00"), row("T20261124001", "10.00", BillRowKind.REFUND, "R1"),
        row("T20261124001", "2.00", BillRowKind.REFUND, "R2"), row("T20261124002", "6.00", BillRowKind.REFUND, "R3"),
        row("T20261124009", "99.90")]  # T9 is another account's: for this one, a trade it does not know


async def test_every_kind_of_discrepancy_is_found_and_midnight_is_held(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        await records(SqlUnitOfWorkFactory(engine))
        matched = await SqlBillMatcher(engine).match(iter(BILL), [101], DAY)
    finally:
        await engine.dispose()
    found, local = matched.found, matched.local
    assert matched.rows == len(BILL)
    bill_side = {d.order_no: d.trade_no for d in found if d.kind in BILL_SIDE}
    assert all(trade_no == f"P{order_no}" for order_no, trade_no in bill_side.items())  # the bill's number
    assert all(d.trade_no for d in found if d.kind not in BILL_SIDE)  # paycore's record of the provider's number
    assert local == LocalTotals(records=4 + 3, amount=9990 + 5000 + 9990 + 9990)  # T1 T2 T5 T6; R1 R3 R4
    times = {(d.kind, d.order_no, d.refund_no): (d.provider_time, d.local_time) for d in found}
    assert times == {  # the bill's time of the row; paycore's paid (payments) or settled (refunds) time
        (K.AMOUNT_MISMATCH, "T20261124002", ""): (at(60), at(60)),
        (K.STATUS_MISMATCH, "T20261124003", ""): (at(60), None),  # unpaid: no paid time
        (K.MISSING_LOCALLY, "T20261124004", ""): (at(60), None),
        (K.MISSING_LOCALLY, "T20261124009", ""): (at(60), None),
        (K.MISSING_AT_PROVIDER, "T20261124005", ""): (None, at(60)),
        (K.MISSING_AT_PROVIDER, "T20261124006", ""): (None, datetime(2026, 11, 24, 15, 59, 30, tzinfo=UTC)),
        (K.REFUND_MISSING_LOCALLY, "T20261124001", "R2"): (at(60), None),
        (K.REFUND_AMOUNT_MISMATCH, "T20261124002", "R3"): (at(60), at(200)),
        (K.REFUND_MISSING_AT_PROVIDER, "T20261124005", "R4"): (None, at(200)),
    }
    assert [dataclasses.replace(d, trade_no="", provider_time=None, local_time=None) for d in found] == sorted([
        Discrepancy(K.AMOUNT_MISMATCH, "T20261124002", provider_value="60.00", local_value="50.00"),
        Discrepancy(K.STATUS_MISMATCH, "T20261124003", provider_value="paid", local_value="WAIT_BUYER_PAY"),
        Discrepancy(K.MISSING_LOCALLY, "T20261124004", provider_value="12.00"),
        Discrepancy(K.MISSING_LOCALLY, "T20261124009", provider_value="99.90"),
        Discrepancy(K.MISSING_AT_PROVIDER, "T20261124005", local_value="99.90"),
        Discrepancy(K.MISSING_AT_PROVIDER, "T20261124006", local_value="99.90", held=True),
        Discrepancy(K.REFUND_MISSING_LOCALLY, "T20261124001", "R2", provider_value="2.00"),
        Discrepancy(K.REFUND_AMOUNT_MISMATCH, "T20261124002", "R3", provider_value="6.00", local_value="5.00"),
        Discrepancy(K.REFUND_MISSING_AT_PROVIDER, "T20261124005", "R4", local_value="1.00"),
    ], key=lambda d: (d.kind.value, d.order_no, d.refund_no))


def test_a_beijing_day_is_sixteen_hours_of_one_utc_day_and_eight_of_the_one_before() -> None:
    start, end = day_bounds(DAY)
    assert (start, end) == (datetime(2026, 11, 23, 16, tzinfo=UTC), datetime(2026, 11, 24, 16, tzinfo=UTC))
    assert start == datetime(2026, 11, 24, tzinfo=BEIJING)


async def test_a_bill_row_of_a_payment_paid_on_the_neighbouring_day_agrees_unless_its_amount_differs(
        database_url: str) -> None:
    engine = make_engine(database_url)
    factory = SqlUnitOfWorkFactory(engine)
    try:
        made = [new_payment(f"T2026112300{n}") for n in (1, 2)]
        await store(factory, *made)
        yesterday = datetime(2026, 11, 23, 15, 59, 58, tzinfo=UTC)  # 23:59:58 on the day before, Beijing
        for payment in made:
            payment.apply(dataclasses.replace(paid(payment.order_no, f"N{payment.order_no}"), occurred_at=yesterday),
                          Source.NOTIFY, at(61))
            async with factory() as uow:
                await uow.payments.save(payment)
                await uow.commit()
        bill = [row("T20261123001", "99.90"), row("T20261123002", "99.00")]  # counted on DAY by the provider

        matched = await SqlBillMatcher(engine).match(iter(bill), [101], DAY)
    finally:
        await engine.dispose()
    assert [(d.kind, d.order_no, d.provider_value, d.local_value, d.local_time) for d in matched.found] == [
        (K.AMOUNT_MISMATCH, "T20261123002", "99.00", "99.90", yesterday)]
    assert matched.local == LocalTotals(0, 0)  # paid on another day: not paycore's side of DAY


async def test_a_bill_that_breaks_off_mid_way_is_refused_as_it_breaks(database_url: str) -> None:
    def breaking() -> Iterator[BillRow]:
        yield row("T20261124001", "99.90")
        raise BillCorrupt("the bill does not add up")

    engine = make_engine(database_url)
    try:
        with pytest.raises(BillCorrupt):
            await SqlBillMatcher(engine).match(breaking(), [101], DAY)
    finally:
        await engine.dispose()


async def test_a_payment_the_payer_chose_matches_per_attempt_on_each_providers_bill(database_url: str) -> None:
    """The payer tried Alipay (attempt 1, the order_no itself), then paid with WeChat (attempt 2, `…_2`, another
    account's config 303), then paid the Alipay attempt too, which paycore refunded in full: each provider's bill
    names its own attempt, and neither bill disagrees with paycore."""
    engine = make_engine(database_url)
    factory = SqlUnitOfWorkFactory(engine)
    try:
        payment = dataclasses.replace(new_payment("T20261124011"), payment_type=None, pay_method=None,
                                      config_id=None, pay_methods=("alipay:pc", "wechat:native"))
        await store(factory, payment)
        first, _ = payment.start_attempt(PaymentType.ALIPAY, PayMethod.PC, 101, at(10))
        second, _ = payment.start_attempt(PaymentType.WECHAT, PayMethod.NATIVE, 303, at(20))
        payment.apply(paid(second.out_trade_no, "N-wechat"), Source.NOTIFY, at(61))
        payment.apply(paid(first.out_trade_no, "N-alipay"), Source.NOTIFY, at(62))
        [duplicate] = payment.duplicate_refunds()
        payment.apply(refund_succeeded(duplicate.refund_no, "99.90", "E-dup", first.out_trade_no), Source.NOTIFY,
                      at(201))
        async with factory() as uow:
            await uow.payments.save(payment)
            await uow.commit()
        alipay_bill = [row(first.out_trade_no, "99.90"),
                       row(first.out_trade_no, "99.90", BillRowKind.REFUND, duplicate.refund_no)]
        at_alipay = await SqlBillMatcher(engine).match(iter(alipay_bill), [101], DAY)
        at_wechat = await SqlBillMatcher(engine).match(iter([row(second.out_trade_no, "99.90")]), [303], DAY)
        silent = await SqlBillMatcher(engine).match(iter([]), [303], DAY)
        other = await SqlBillMatcher(engine).match(iter([row(second.out_trade_no, "9.99")]), [303], DAY)
        refund_unsettled = await SqlBillMatcher(engine).match(iter(alipay_bill[:1]), [101], DAY)
    finally:
        await engine.dispose()
    assert (at_alipay.found, at_wechat.found) == ([], [])
    assert at_alipay.local == LocalTotals(records=2, amount=9990)
    assert [(d.kind, d.order_no, d.trade_no) for d in silent.found] == [
        (K.MISSING_AT_PROVIDER, "T20261124011", "2026112422001400000001")]
    assert [(d.kind, d.order_no, d.provider_value, d.local_value) for d in other.found] == [
        (K.AMOUNT_MISMATCH, "T20261124011", "9.99", "99.90")]
    assert [(d.kind, d.order_no, d.refund_no) for d in refund_unsettled.found] == [
        (K.REFUND_MISSING_AT_PROVIDER, "T20261124011", duplicate.refund_no)]
