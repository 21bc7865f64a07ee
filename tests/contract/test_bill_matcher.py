"""The bill matcher on every SQL backend: a staged bill against the payments and refunds of an account's configs,
every kind of discrepancy found by set-based queries, records near midnight held, other accounts left alone."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import sqlalchemy as sa

from adapters.sql.bill_matcher import SqlBillMatcher, day_bounds
from adapters.sql.engine import make_engine
from adapters.sql.tables_reconciliation import bill_staging
from adapters.sql.uow import SqlUnitOfWorkFactory
from application.bills import BILL_SIDE, BillRow, BillRowKind, Discrepancy, DiscrepancyKind, LocalTotals
from domain.beijing import BEIJING
from domain.events import Source
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
        matcher = SqlBillMatcher(engine)
        assert await matcher.stage(1, BILL) == len(BILL)
        found = await matcher.match(1, [101], DAY)
        local = await matcher.local([101], DAY)
        await matcher.clear(1)
        async with engine.connect() as conn:
            left = (await conn.execute(sa.select(sa.func.count()).select_from(bill_staging))).scalar_one()
    finally:
        await engine.dispose()
    bill_side = {d.order_no: d.trade_no for d in found if d.kind in BILL_SIDE}
    assert all(trade_no == f"P{order_no}" for order_no, trade_no in bill_side.items())  # the bill's number
    assert all(d.trade_no for d in found if d.kind not in BILL_SIDE)  # paycore's record of the provider's number
    assert local == LocalTotals(records=4 + 3, amount=9990 + 5000 + 9990 + 9990)  # T1 T2 T5 T6; R1 R3 R4
    assert [dataclasses.replace(d, trade_no="") for d in found] == sorted([
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
    assert left == 0


def test_a_beijing_day_is_sixteen_hours_of_one_utc_day_and_eight_of_the_one_before() -> None:
    start, end = day_bounds(DAY)
    assert (start, end) == (datetime(2026, 11, 23, 16, tzinfo=UTC), datetime(2026, 11, 24, 16, tzinfo=UTC))
    assert start == datetime(2026, 11, 24, tzinfo=BEIJING)
