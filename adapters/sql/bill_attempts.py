"""The payments whose payer chose (issue 15) as the providers' bills know them: each paid attempt is a trade of its
own provider order number (`out_trade_no`) at its own config's account, and a duplicate's refund is a refund of
that trade. A bill names these numbers, so the matcher keys such payments' records by them (the others stay keyed
by order_no, which is their provider order number), and says a discrepancy under the business's order_no."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.sql.payment_rows import attempts_of
from adapters.sql.tables import payment_attempt
from adapters.sql.tables import payment_transaction as payments
from adapters.sql.tables import refund as refunds
from adapters.sql.types import amount_text, fen_of_text
from application.bills import BillRow, Discrepancy, DiscrepancyKind
from domain.attempts import Attempt, AttemptStatus
from domain.money import yuan
from domain.status import RefundStatus

# A duplicate is paid after the attempt holding the money, before the payment expires: a payment paid up to this
# long before the day may have an attempt paid on the day.
CHOICE_WINDOW = timedelta(days=2)
PAID_STATUSES = tuple(s.value for s in AttemptStatus if s.is_paid)
K = DiscrepancyKind


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    """One paid attempt (or one settled refund of an attempt) under its provider order number."""

    order_no: str  # the business's
    amount: int  # fen
    time: datetime | None  # paid, or settled
    trade_no: str
    status: str  # the attempt's status, or the refund's


@dataclass(slots=True)
class ChoiceDay:
    """The day's paid attempts and settled attempt refunds of payments whose payer chose, at some accounts."""

    paid: dict[str, AttemptRecord]
    settled: dict[tuple[str, str], AttemptRecord]


def _in(moment: datetime | None, start: datetime, end: datetime) -> bool:
    return moment is not None and start <= moment < end


def _record(order_no: str, amount: str, attempt: Attempt) -> AttemptRecord:
    return AttemptRecord(order_no, fen_of_text(amount), attempt.paid_time, attempt.trade_no or "",
                         attempt.status.value)


def _named(attempts: str | None, out_trade_no: str) -> Attempt | None:
    """The attempt of the attempts column that its provider knows by this number."""
    return next((a for a in attempts_of(attempts) if a.out_trade_no == out_trade_no), None)


async def choice_day(conn: AsyncConnection, config_ids: Sequence[int], start: datetime, end: datetime) -> ChoiceDay:
    """The paid attempts (paid in [start, end)) and the settled refunds (settled then) of the configs' accounts."""
    p, r, wanted = payments, refunds, set(config_ids)
    day = ChoiceDay({}, {})
    query = sa.select(p.c.order_no, amount_text(p.c.total_amount), p.c.attempts).where(
        p.c.attempts.isnot(None), p.c.payment_time >= start - CHOICE_WINDOW, p.c.payment_time < end)
    for order_no, amount, text in await conn.execute(query):
        for a in attempts_of(text):
            if a.status.is_paid and a.config_id in wanted and _in(a.paid_time, start, end):
                day.paid[a.out_trade_no] = _record(order_no, amount, a)
    query = (sa.select(r.c.order_no, r.c.refund_no, amount_text(r.c.amount), r.c.out_trade_no,
                       r.c.success_time, p.c.attempts)
             .select_from(r.join(p, p.c.order_no == r.c.order_no))
             .where(p.c.attempts.isnot(None), r.c.status == RefundStatus.SUCCESS.value, r.c.success_time >= start,
                    r.c.success_time < end))
    for order_no, refund_no, amount, out_trade_no, settled_at, text in await conn.execute(query):
        number = out_trade_no or order_no
        attempt = _named(text, number)
        if attempt is not None and attempt.config_id in wanted:
            day.settled[(number, refund_no)] = AttemptRecord(order_no, fen_of_text(amount), settled_at,
                                                             attempt.trade_no or "", RefundStatus.SUCCESS.value)
    return day


async def attempts_named(conn: AsyncConnection, numbers: Iterable[str],
                         config_ids: Sequence[int]) -> dict[str, AttemptRecord]:
    """The attempts (paid or not, any day) that bills name by these provider order numbers, at the configs."""
    numbers, wanted, p, t = set(numbers), set(config_ids), payments, payment_attempt
    if not numbers:
        return {}
    mapped = {row[0] for row in await conn.execute(sa.select(t.c.order_no).where(t.c.out_trade_no.in_(numbers)))}
    query = sa.select(p.c.order_no, amount_text(p.c.total_amount), p.c.attempts).where(
        p.c.attempts.isnot(None), p.c.order_no.in_(numbers | mapped))
    found: dict[str, AttemptRecord] = {}
    for order_no, amount, text in await conn.execute(query):
        for a in attempts_of(text):
            if a.out_trade_no in numbers and a.config_id in wanted:
                found[a.out_trade_no] = _record(order_no, amount, a)
    return found


async def refunds_named(conn: AsyncConnection, keys: Iterable[tuple[str, str]],
                        config_ids: Sequence[int]) -> dict[tuple[str, str], AttemptRecord]:
    """The refunds of attempts (any status, any day) that bills name by (provider order number, refund_no)."""
    keys, wanted, p, r = set(keys), set(config_ids), payments, refunds
    if not keys:
        return {}
    query = (sa.select(r.c.order_no, r.c.refund_no, amount_text(r.c.amount), r.c.out_trade_no,
                       r.c.status, r.c.success_time, p.c.attempts)
             .select_from(r.join(p, p.c.order_no == r.c.order_no))
             .where(p.c.attempts.isnot(None), r.c.out_trade_no.in_({number for number, _ in keys})))
    found: dict[tuple[str, str], AttemptRecord] = {}
    for order_no, refund_no, amount, number, status, settled_at, text in await conn.execute(query):
        attempt = _named(text, number)
        if (number, refund_no) in keys and attempt is not None and attempt.config_id in wanted:
            found[(number, refund_no)] = AttemptRecord(order_no, fen_of_text(amount), settled_at,
                                                       attempt.trade_no or "", status)
    return found


def attempt_row(row: BillRow, record: AttemptRecord) -> list[Discrepancy]:
    """How a bill's payment row disagrees with the attempt it names (said under the business's order_no)."""
    trade_no, provider_time = row.provider_trade_no, row.time.astimezone(UTC)
    if record.amount != row.amount:
        return [Discrepancy(K.AMOUNT_MISMATCH, record.order_no, provider_value=str(yuan(row.amount)),
                            local_value=str(yuan(record.amount)), trade_no=trade_no, provider_time=provider_time,
                            local_time=record.time)]
    if record.status not in PAID_STATUSES:
        return [Discrepancy(K.STATUS_MISMATCH, record.order_no, provider_value="paid", local_value=record.status,
                            trade_no=trade_no, provider_time=provider_time, local_time=record.time)]
    return []  # paid, on a neighbouring day


def attempt_refund_row(row: BillRow, record: AttemptRecord) -> list[Discrepancy]:
    """How a bill's refund row disagrees with the refund of the attempt it names."""
    trade_no, provider_time = row.provider_trade_no, row.time.astimezone(UTC)
    if record.amount != row.amount:
        return [Discrepancy(K.REFUND_AMOUNT_MISMATCH, record.order_no, row.refund_no, str(yuan(row.amount)),
                            str(yuan(record.amount)), trade_no=trade_no, provider_time=provider_time,
                            local_time=record.time)]
    if record.status != RefundStatus.SUCCESS.value:
        return [Discrepancy(K.STATUS_MISMATCH, record.order_no, row.refund_no, str(yuan(row.amount)), record.status,
                            trade_no=trade_no, provider_time=provider_time, local_time=record.time)]
    return []


def unnamed_attempt(kind: DiscrepancyKind, record: AttemptRecord, refund_no: str, held: bool) -> Discrepancy:
    """An attempt paid (or its refund settled) that day that the bill does not name."""
    return Discrepancy(kind, record.order_no, refund_no, local_value=str(yuan(record.amount)), held=held,
                       trade_no=record.trade_no, local_time=record.time)
