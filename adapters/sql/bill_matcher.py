"""Matching a bill against paycore's records: the day's paid payments and settled refunds of the account's configs
are loaded in one streamed query each into compact indexes (number → fen, 16 bytes a slot: bill_index), the bill's
rows stream past them once (in a thread, off the event loop), and only the rows that do not match at once, and the
records the bill did not name (the index keeps their numbers), are looked up again, in batches, to say how they
disagree. Nothing of the bill is written to the database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.sql.bill_attempts import (
    attempt_refund_row,
    attempt_row,
    attempts_named,
    choice_day,
    refunds_named,
    unnamed_attempt,
)
from adapters.sql.bill_index import FenIndex
from adapters.sql.tables import payment_transaction as payments
from adapters.sql.tables import refund as refunds
from adapters.sql.types import amount_text as _text
from adapters.sql.types import fen_of_text as _fen
from application.bills import BillRow, BillRowKind, Discrepancy, DiscrepancyKind, LocalTotals, Matched
from domain.beijing import BEIJING
from domain.money import yuan
from domain.status import RefundStatus, TradeStatus

LOAD_BATCH = 10_000  # rows fetched from a streamed query at a time
LOOKUP_BATCH = 500  # order numbers per IN (...) of a lookup
BEIJING_OFFSET = timedelta(hours=8)
MIDNIGHT_HOLD = timedelta(minutes=5)  # a record this close to a day's edge may be counted on the other day
PAID = (TradeStatus.TRADE_SUCCESS.value, TradeStatus.TRADE_FINISHED.value, TradeStatus.REFUNDED.value)
SETTLED = RefundStatus.SUCCESS.value
K = DiscrepancyKind


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """A Beijing calendar day as [start, end) in UTC."""
    start = datetime.combine(day, time(), tzinfo=BEIJING).astimezone(UTC)
    return start, start + timedelta(days=1)


class SqlBillMatcher:
    """The BillMatcher port: the day's records in memory, the bill streamed past them."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def match(self, rows: Iterable[BillRow], config_ids: Sequence[int], day: date) -> Matched:
        """Every discrepancy between the bill's rows (consumed once) and the records of those configs for `day`."""
        start, end = day_bounds(day)
        async with self._engine.connect() as conn:
            paid, settled = await self._day(conn, config_ids, start, end)
            choice = await choice_day(conn, config_ids, start, end)
        paid.add([(number, record.amount) for number, record in choice.paid.items()], int)
        settled.add([(refund_key(*key), record.amount) for key, record in choice.settled.items()], int)
        local = LocalTotals(len(paid) + len(settled), paid.total)
        count, odd_payments, odd_refunds = await asyncio.to_thread(_pass, rows, paid, settled)
        unnamed = [unnamed_attempt(K.MISSING_AT_PROVIDER, record, "", _near_edge(record.time, start, end))
                   for number, record in choice.paid.items() if paid.holds(number)]
        unnamed += [unnamed_attempt(K.REFUND_MISSING_AT_PROVIDER, record, key[1], _near_edge(record.time, start, end))
                    for key, record in choice.settled.items() if settled.holds(refund_key(*key))]
        left = [number for number in paid.left() if number not in choice.paid]
        left_refunds = [key for key in map(_refund_of, settled.left()) if key not in choice.settled]
        async with self._engine.connect() as conn:
            found = [*await self._bill_payments(conn, odd_payments, config_ids),
                     *await self._bill_refunds(conn, odd_refunds, config_ids), *unnamed,
                     *await self._local_payments(conn, left, start, end),
                     *await self._local_refunds(conn, left_refunds, start, end)]
        found.sort(key=lambda d: (d.kind.value, d.order_no, d.refund_no))
        return Matched(found, count, local)

    async def _day(self, conn: AsyncConnection, config_ids: Sequence[int], start: datetime,
                   end: datetime) -> tuple[FenIndex, FenIndex]:
        """The payments paid and the refunds settled in [start, end) (fixed to one method: a payer's choice is
        bill_attempts'), by number, in fen, each query counted first (to size its index) and then streamed."""
        payments_of_day, refunds_of_day = _day_payments(config_ids, start, end), _day_refunds(config_ids, start, end)
        paid = FenIndex(await _count(conn, payments_of_day))
        async for part in await _stream(conn, payments_of_day):
            paid.add(part, _fen)
        settled = FenIndex(await _count(conn, refunds_of_day))
        async for part in await _stream(conn, refunds_of_day):
            settled.add([(refund_key(order_no, refund_no), amount) for order_no, refund_no, amount in part], _fen)
        return paid, settled

    async def _bill_payments(self, conn: AsyncConnection, odd: list[BillRow],
                             config_ids: Sequence[int]) -> list[Discrepancy]:
        """Bill payments that did not match a payment paid that day: unknown, another amount, not paid (or paid
        on a neighbouring day, which agrees)."""
        p, found = payments, []
        for batch in _batches(odd):
            named = await attempts_named(conn, [row.order_no for row in batch], config_ids)
            found += [d for row in batch if row.order_no in named for d in attempt_row(row, named[row.order_no])]
            batch = [row for row in batch if row.order_no not in named]
            query = sa.select(p.c.order_no, _text(p.c.total_amount), p.c.trade_status, p.c.payment_time).where(
                p.c.attempts.is_(None), p.c.config_id.in_(config_ids),
                p.c.order_no.in_([row.order_no for row in batch]))
            local = {row[0]: row[1:] for row in await conn.execute(query)}
            for row in batch:
                bill = {"trade_no": row.provider_trade_no, "provider_time": row.time.astimezone(UTC)}
                if row.order_no not in local:
                    found.append(Discrepancy(K.MISSING_LOCALLY, row.order_no, provider_value=str(yuan(row.amount)),
                                             **bill))
                    continue
                amount, status, paid_at = local[row.order_no]
                if _fen(amount) != row.amount:
                    found.append(Discrepancy(K.AMOUNT_MISMATCH, row.order_no, provider_value=str(yuan(row.amount)),
                                             local_value=str(yuan(_fen(amount))), local_time=paid_at, **bill))
                elif status not in PAID:
                    found.append(Discrepancy(K.STATUS_MISMATCH, row.order_no, provider_value="paid",
                                             local_value=status, local_time=paid_at, **bill))
        return found

    async def _bill_refunds(self, conn: AsyncConnection, odd: list[BillRow],
                            config_ids: Sequence[int]) -> list[Discrepancy]:
        """Bill refunds that did not match a refund settled that day."""
        p, r, found = payments, refunds, []
        for batch in _batches(odd):
            named = await refunds_named(conn, [(row.order_no, row.refund_no) for row in batch], config_ids)
            found += [d for row in batch if (row.order_no, row.refund_no) in named
                      for d in attempt_refund_row(row, named[(row.order_no, row.refund_no)])]
            batch = [row for row in batch if (row.order_no, row.refund_no) not in named]
            query = (sa.select(r.c.order_no, r.c.refund_no, _text(r.c.amount), r.c.status, r.c.success_time)
                     .select_from(r.join(p, p.c.order_no == r.c.order_no))
                     .where(p.c.attempts.is_(None), p.c.config_id.in_(config_ids),
                            r.c.order_no.in_({row.order_no for row in batch})))
            local = {(row[0], row[1]): row[2:] for row in await conn.execute(query)}
            for row in batch:
                bill = {"trade_no": row.provider_trade_no, "provider_time": row.time.astimezone(UTC)}
                known = local.get((row.order_no, row.refund_no))
                if known is None:
                    found.append(Discrepancy(K.REFUND_MISSING_LOCALLY, row.order_no, row.refund_no,
                                             str(yuan(row.amount)), **bill))
                    continue
                amount, status, settled_at = known
                if _fen(amount) != row.amount:
                    found.append(Discrepancy(K.REFUND_AMOUNT_MISMATCH, row.order_no, row.refund_no,
                                             str(yuan(row.amount)), str(yuan(_fen(amount))), local_time=settled_at,
                                             **bill))
                elif status != SETTLED:
                    found.append(Discrepancy(K.STATUS_MISMATCH, row.order_no, row.refund_no, str(yuan(row.amount)),
                                             status, local_time=settled_at, **bill))
        return found

    async def _local_payments(self, conn: AsyncConnection, order_nos: list[str], start: datetime,
                              end: datetime) -> list[Discrepancy]:
        """Payments paid that day that the bill does not name (held near the day's edges)."""
        p, found = payments, []
        for batch in _batches(order_nos):
            query = sa.select(p.c.order_no, _text(p.c.total_amount), p.c.payment_time, p.c.trade_no).where(
                p.c.order_no.in_(batch))
            found += [Discrepancy(K.MISSING_AT_PROVIDER, order_no, local_value=str(yuan(_fen(amount))),
                                  held=_near_edge(paid_at, start, end), trade_no=trade_no or "", local_time=paid_at)
                      for order_no, amount, paid_at, trade_no in await conn.execute(query)]
        return found

    async def _local_refunds(self, conn: AsyncConnection, keys: list[tuple[str, str]], start: datetime,
                             end: datetime) -> list[Discrepancy]:
        """Refunds settled that day that the bill does not name (held near the day's edges)."""
        p, r, found = payments, refunds, []
        for batch in _batches(keys):
            wanted = set(batch)
            query = (sa.select(r.c.order_no, r.c.refund_no, _text(r.c.amount), r.c.success_time, p.c.trade_no)
                     .select_from(r.join(p, p.c.order_no == r.c.order_no))
                     .where(r.c.order_no.in_({order_no for order_no, _ in batch}), r.c.status == SETTLED))
            found += [Discrepancy(K.REFUND_MISSING_AT_PROVIDER, order_no, refund_no,
                                  local_value=str(yuan(_fen(amount))), held=_near_edge(settled_at, start, end),
                                  trade_no=trade_no or "", local_time=settled_at)
                      for order_no, refund_no, amount, settled_at, trade_no in await conn.execute(query)
                      if (order_no, refund_no) in wanted]
        return found


def _day_payments(config_ids: Sequence[int], start: datetime, end: datetime) -> sa.Select[Any]:
    p = payments
    return sa.select(p.c.order_no, _text(p.c.total_amount)).where(
        p.c.attempts.is_(None), p.c.config_id.in_(config_ids), p.c.payment_time >= start, p.c.payment_time < end,
        p.c.trade_status.in_(PAID))


def _day_refunds(config_ids: Sequence[int], start: datetime, end: datetime) -> sa.Select[Any]:
    p, r = payments, refunds
    return sa.select(r.c.order_no, r.c.refund_no, _text(r.c.amount)).select_from(
        r.join(p, p.c.order_no == r.c.order_no)).where(
        p.c.attempts.is_(None), p.c.config_id.in_(config_ids), r.c.status == SETTLED, r.c.success_time >= start,
        r.c.success_time < end)


def refund_key(order_no: str, refund_no: str) -> str:
    """A refund's number in the index: its order and refund numbers (neither holds a control character)."""
    return f"{order_no}\x1f{refund_no}"


def _refund_of(key: str) -> tuple[str, str]:
    order_no, _, refund_no = key.partition("\x1f")
    return order_no, refund_no


async def _count(conn: AsyncConnection, query: sa.Select[Any]) -> int:
    return int(await conn.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0)


async def _stream(conn: AsyncConnection, query: sa.Select[Any]) -> AsyncIterator[Sequence[Any]]:
    result = await conn.stream(query.execution_options(yield_per=LOAD_BATCH))
    parts: AsyncIterator[Sequence[Any]] = result.partitions()
    return parts


def _pass(rows: Iterable[BillRow], paid: FenIndex, settled: FenIndex) -> tuple[int, list[BillRow], list[BillRow]]:
    """The bill's rows past the day's records: each one that matches takes its record (what is left the bill did
    not name); the rest are kept to be looked up. How many rows; the odd ones."""
    count, odd_payments, odd_refunds = 0, [], []
    payment, take, take_refund = BillRowKind.PAYMENT, paid.taker(), settled.taker()
    for row in rows:
        count += 1
        if row.kind is payment:
            if take(row.order_no) != row.amount:
                odd_payments.append(row)
        elif take_refund(refund_key(row.order_no, row.refund_no)) != row.amount:
            odd_refunds.append(row)
    return count, odd_payments, odd_refunds


def _batches(items: list[Any]) -> Iterable[list[Any]]:
    return (items[i:i + LOOKUP_BATCH] for i in range(0, len(items), LOOKUP_BATCH))


def _near_edge(moment: datetime | None, start: datetime, end: datetime) -> bool:
    return moment is not None and (moment - start < MIDNIGHT_HOLD or end - moment <= MIDNIGHT_HOLD)
