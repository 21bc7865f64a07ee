"""The SQL PaymentRepository: optimistic version checks, journal and outbox in the same transaction."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.sql import payment_rows as rows
from adapters.sql.errors import storage_errors
from adapters.sql.tables import payment_attempt, payment_event, payment_transaction, refund, webhook_outbox
from application.errors import ConcurrencyConflict
from application.records import JournalEntry, JournalPageRequest, Page, PageRequest, PaymentFilter
from application.written import WrittenPayments
from domain.events import WEBHOOK_EVENTS, DomainEvent, EventType
from domain.payment import Payment
from domain.refund import Refund
from domain.status import TradeStatus

T = payment_transaction
NEVER_PAID = TradeStatus.WAIT_BUYER_PAY.value
RefundsByOrder = dict[str, list[Refund]]
# Built once: SQLAlchemy memoises a statement's cache key, so executing the same object with new
# parameters skips rebuilding and re-keying it on every request.
BY_ORDER_NO = sa.select(T).where(T.c.order_no == sa.bindparam("order_no"))
REFUNDS_OF_ONE = sa.select(refund).where(refund.c.order_no == sa.bindparam("order_no")).order_by(refund.c.id)
SEEN_OF_ONE = sa.select(payment_event.c.order_no, payment_event.c.provider_event_id).distinct().where(
    payment_event.c.order_no == sa.bindparam("order_no"), payment_event.c.provider_event_id.is_not(None))
INSERT_PAYMENT = sa.insert(T)
# The columns SET are those of the parameters (the WHERE's names must differ from theirs); each set of
# parameter names is compiled once and cached.
UPDATE_PAYMENT = (sa.update(T).where(T.c.order_no == sa.bindparam("where_order_no"),
                                     T.c.version == sa.bindparam("where_version"))
                  .values(version=T.c.version + 1))
INSERT_EVENT = sa.insert(payment_event)
INSERT_ATTEMPT = sa.insert(payment_attempt)
ORDER_OF_ATTEMPT = sa.select(payment_attempt.c.order_no).where(
    payment_attempt.c.out_trade_no == sa.bindparam("out_trade_no"))
INSERT_OUTBOX = sa.insert(webhook_outbox)


class SqlPayments:
    """PaymentRepository over one connection of a unit of work."""

    def __init__(self, conn: AsyncConnection, written: WrittenPayments) -> None:
        self._conn, self._written = conn, written

    async def add(self, payment: Payment) -> None:
        """Insert the payment, its refunds and its pending events; DuplicateKey if the order_no exists."""
        values = rows.payment_values(payment)
        values["notify_data"] = rows.latest_notification(payment.pending_events)
        with storage_errors(f"adding payment {payment.order_no}"):
            await self._conn.execute(INSERT_PAYMENT, {**values, "version": 0})
            if payment.refunds:
                await self._conn.execute(sa.insert(refund), [rows.refund_values(r) for r in payment.refunds.values()])
            await self._append(payment.pending_events)
        payment.version = 0
        self._written.note(payment)

    async def get(self, order_no: str) -> Payment | None:
        """The payment with its refunds and the provider event ids already applied, or None."""
        found = await self._rows(BY_ORDER_NO, {"order_no": order_no})
        return found[0] if found else None

    async def get_by_provider_order_no(self, out_trade_no: str) -> Payment | None:
        """The payment one of whose attempts its provider knows by this order number (the first: the order_no)."""
        found = await self.get(out_trade_no)
        if found is not None:
            return found
        with storage_errors(f"finding the attempt {out_trade_no}"):
            order_no = await self._conn.scalar(ORDER_OF_ATTEMPT, {"out_trade_no": out_trade_no})
        return await self.get(order_no) if order_no is not None else None

    async def get_by_refund_no(self, refund_no: str) -> Payment | None:
        """The payment that owns the refund, or None."""
        with storage_errors(f"finding refund {refund_no}"):
            order_no = await self._conn.scalar(sa.select(refund.c.order_no).where(refund.c.refund_no == refund_no))
        return await self.get(order_no) if order_no is not None else None

    async def save(self, payment: Payment) -> None:
        """Update guarded by the loaded version, then upsert refunds and journal pending events."""
        values = rows.payment_values(payment)
        if (notification := rows.latest_notification(payment.pending_events)) is not None:
            values["notify_data"] = notification
        values |= {"where_order_no": payment.order_no, "where_version": payment.version}
        with storage_errors(f"saving payment {payment.order_no}"):
            if (await self._conn.execute(UPDATE_PAYMENT, values)).rowcount != 1:
                raise ConcurrencyConflict(f"payment {payment.order_no} changed concurrently")
            await self._save_refunds(payment)
            await self._append(payment.pending_events)
        payment.version += 1
        self._written.note(payment)

    async def list(self, filters: PaymentFilter, page: PageRequest) -> Page:
        """Matching payments newest first, strictly after the cursor; fetches one more to know has_more."""
        conditions = _conditions(filters, page)
        items = await self._load(sa.and_(sa.true(), *conditions), limit=page.limit + 1)
        return Page(items[: page.limit], len(items) > page.limit)

    async def events(self, order_no: str) -> Sequence[JournalEntry]:
        """The journal of one payment, oldest first."""
        query = sa.select(payment_event).where(payment_event.c.order_no == order_no).order_by(payment_event.c.id)
        with storage_errors(f"reading the journal of {order_no}"):
            result = await self._conn.execute(query)
        return [rows.event_from_row(r) for r in result.mappings()]

    async def events_of_type(self, request: JournalPageRequest) -> Sequence[JournalEntry]:
        """Entries of one type, newest first (by time, then event id), strictly before the cursor."""
        e = payment_event.c
        query = sa.select(payment_event).where(e.event_type == request.event_type.value)
        if request.before is not None:
            at, event_id = request.before
            query = query.where(sa.or_(e.create_time < at, sa.and_(e.create_time == at, e.event_id < event_id)))
        query = query.order_by(e.create_time.desc(), e.event_id.desc()).limit(request.limit)
        with storage_errors(f"reading {request.event_type.value} events"):
            result = await self._conn.execute(query)
        return [rows.event_from_row(r) for r in result.mappings()]

    async def _load(self, where: sa.ColumnElement[bool], limit: int | None = None) -> Sequence[Payment]:
        query = sa.select(T).where(where).order_by(T.c.create_time.desc(), T.c.order_no.desc()).limit(limit)
        return await self._rows(query)

    async def _rows(self, query: sa.Select[Any], params: dict[str, Any] | None = None) -> Sequence[Payment]:
        with storage_errors("loading payments"):
            found = (await self._conn.execute(query, params)).mappings().all()
            # A payment never paid has no refund and no provider fact journaled (each would have moved it out of
            # WAIT_BUYER_PAY in the same transaction): its row, read at its version, is all of it.
            order_nos = [r["order_no"] for r in found if r["trade_status"] != NEVER_PAID]
            refunds, seen = await self._refunds_of(order_nos), await self._seen_event_ids(order_nos)
        return [rows.payment_from_row(r, refunds[r["order_no"]], seen[r["order_no"]]) for r in found]

    async def _refunds_of(self, order_nos: Sequence[str]) -> RefundsByOrder:
        found: RefundsByOrder = defaultdict(list)
        if order_nos:  # one order (every read but a list) reuses a statement built once: no compile per call
            query = REFUNDS_OF_ONE if len(order_nos) == 1 else (
                sa.select(refund).where(refund.c.order_no.in_(order_nos)).order_by(refund.c.id))
            for row in (await self._conn.execute(query, _one_order(order_nos))).mappings():
                found[row["order_no"]].append(rows.refund_from_row(row))
        return found

    async def _seen_event_ids(self, order_nos: Sequence[str]) -> dict[str, set[str]]:
        seen: dict[str, set[str]] = defaultdict(set)
        if order_nos:
            e = payment_event.c
            query = SEEN_OF_ONE if len(order_nos) == 1 else sa.select(e.order_no, e.provider_event_id).distinct().where(
                e.order_no.in_(order_nos), e.provider_event_id.is_not(None))
            for order_no, event_id in await self._conn.execute(query, _one_order(order_nos)):
                seen[order_no].add(event_id)
        return seen

    async def _save_refunds(self, payment: Payment) -> None:
        if not payment.refunds:
            return
        existing = set(await self._conn.scalars(
            sa.select(refund.c.refund_no).where(refund.c.order_no == payment.order_no)))
        for r in payment.refunds.values():
            values = rows.refund_values(r)
            if r.refund_no in existing:
                await self._conn.execute(sa.update(refund).where(refund.c.refund_no == r.refund_no).values(**values))
            else:
                await self._conn.execute(sa.insert(refund).values(**values))

    async def _append(self, events: Iterable[DomainEvent]) -> None:
        journal: list[dict[str, Any]] = []
        outbox: list[dict[str, Any]] = []
        attempts: list[dict[str, Any]] = []
        for event in events:
            if event.event_type is EventType.ATTEMPT_STARTED and event.detail["attempt"] > 1:
                attempts.append({"out_trade_no": event.detail["out_trade_no"], "order_no": event.order_no,
                                 "seq": event.detail["attempt"]})
            event_id = rows.new_event_id()
            journal.append(rows.event_values(event_id, event))
            if event.event_type in WEBHOOK_EVENTS:
                outbox.append(rows.outbox_values(event_id, event))
        if attempts:
            await self._conn.execute(INSERT_ATTEMPT, attempts)
        if journal:
            await self._conn.execute(INSERT_EVENT, journal)
        if outbox:
            await self._conn.execute(INSERT_OUTBOX, outbox)


def _one_order(order_nos: Sequence[str]) -> dict[str, str] | None:
    """The parameters of REFUNDS_OF_ONE and SEEN_OF_ONE for a single order; none for an IN list."""
    return {"order_no": order_nos[0]} if len(order_nos) == 1 else None


def _conditions(f: PaymentFilter, page: PageRequest) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = []
    if f.trade_status is not None:
        conditions.append(T.c.trade_status == f.trade_status.value)
    if f.payment_type is not None:
        conditions.append(T.c.payment_type == f.payment_type)
    if f.created_from is not None:
        conditions.append(T.c.create_time >= f.created_from)
    if f.created_to is not None:
        conditions.append(T.c.create_time < f.created_to)
    if page.after is not None:
        after_time, after_order_no = page.after
        conditions.append(sa.or_(
            T.c.create_time < after_time,
            sa.and_(T.c.create_time == after_time, T.c.order_no < after_order_no),
        ))
    return conditions
