"""Exactly once across real processes: `paycore serve --no-worker` processes on one database, with a real Alipay
config pointing at the emulator (its own process), hit at the same moment by many HTTP clients and by the
emulator's signed notifications. Two API processes on each database (on SQLite they share one file: SQLite's
lock orders their writers, as `paycore serve --workers 2` does)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from adapters.sql.engine import make_engine
from adapters.sql.tables import notification_log, payment_event, webhook_outbox
from adapters.sql.uow import SqlUnitOfWorkFactory
from domain.replay import replay
from tests.conftest import migrated_database
from tests.e2e.conftest import order
from tests.e2e.processes import NOBODY_LISTENS, Emulator, emulator, paycore, paycore_env, prepare, until_healthy
from tests.e2e.test_serve_process import free_port

BACKENDS = [pytest.param("sqlite", id="sqlite"), pytest.param("postgres", id="postgres", marks=pytest.mark.postgres)]
ORDER_NO = "T20261124001"


@dataclass
class Cluster:
    """The API processes' base URLs, a payments key, the database they share and the emulator they call."""

    urls: list[str]
    key: str
    database_url: str
    alipay: Emulator

    def auth(self) -> dict[str, str]:
        """The payments key as a bearer header."""
        return {"Authorization": f"Bearer {self.key}"}

    def url(self, n: int) -> str:
        """Spread requests over the processes."""
        return self.urls[n % len(self.urls)]

    async def paid(self, order_no: str) -> None:
        """Create the payment through the first process; the buyer pays it at the emulator (whose own
        notification is lost)."""
        async with httpx.AsyncClient(timeout=30) as http:
            created = await http.post(f"{self.url(0)}/v1/payments", json=order(order_no), headers=self.auth())
        assert created.status_code == 201, created.text
        await self.alipay.pay(order_no, created.json()["pay_url"])

    async def notify(self, order_no: str, n: int) -> bool:
        """The emulator sends the payment's notification again to process n; whether it was acknowledged."""
        return await self.alipay.deliver(order_no, self.url(n))


@asynccontextmanager
async def cluster(backend: str, tmp_path: Path) -> AsyncIterator[Cluster]:
    """Two `paycore serve --no-worker` processes on one database, both healthy, and the emulator.

    The config's notify_url leads nowhere: the emulator's own deliveries are lost, and the test chooses which
    copies of a notification reach which process, and when.
    """
    database_url = await migrated_database(backend, tmp_path)
    env = paycore_env(database_url, PAYCORE_LOG_LEVEL="WARNING")
    ports = [free_port() for _ in range(2)]
    async with AsyncExitStack() as stack:
        alipay = await stack.enter_async_context(emulator(tmp_path))
        key, _ = await prepare(env, alipay, "http://127.0.0.1:9/unused", notify_url=NOBODY_LISTENS)
        for port in ports:
            server = await stack.enter_async_context(
                paycore(["serve", "--port", str(port), "--no-worker"], {**env, "PAYCORE_PUBLIC_URL":
                                                                         f"http://127.0.0.1:{port}"}, tmp_path))
            await until_healthy(f"http://127.0.0.1:{port}", server)
        yield Cluster([f"http://127.0.0.1:{p}" for p in ports], key, database_url, alipay)


def client() -> httpx.AsyncClient:
    """A client that opens as many connections as the test fires requests at once."""
    return httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=200, max_keepalive_connections=200))


async def journal_and_outbox(database_url: str, order_no: str) -> tuple[list[str], list[str], list[str]]:
    """The payment's journal event types, its outbox event types and its notification log outcomes."""
    engine = make_engine(database_url)
    try:
        async with engine.connect() as conn:
            journal = await conn.scalars(sa.select(payment_event.c.event_type)
                                         .where(payment_event.c.order_no == order_no).order_by(payment_event.c.id))
            outbox = await conn.scalars(sa.select(webhook_outbox.c.event_type)
                                        .where(webhook_outbox.c.order_no == order_no).order_by(webhook_outbox.c.id))
            log = await conn.scalars(sa.select(notification_log.c.outcome)
                                     .where(notification_log.c.order_no == order_no))
            return list(journal), list(outbox), sorted(log)
    finally:
        await engine.dispose()


async def assert_ledger_agrees_with_journal(database_url: str, order_nos: list[str]) -> None:
    """Replaying each payment's stored journal gives its stored status, paid and refunded amounts."""
    engine = make_engine(database_url)
    try:
        uow_factory = SqlUnitOfWorkFactory(engine)
        async with uow_factory() as uow:
            for order_no in order_nos:
                payment = await uow.payments.get(order_no)
                assert payment is not None
                ledger = replay(e.event for e in await uow.payments.events(order_no))
                assert (ledger.status, ledger.paid, ledger.refunded) == (
                    payment.status, payment.paid_amount, payment.refunded_amount), order_no
                assert {n: s for n, (_, s) in ledger.refunds.items()} == {
                    n: r.status for n, r in payment.refunds.items()}, order_no
    finally:
        await engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
async def test_fifty_copies_of_one_notification_across_processes_make_one_transition(
        backend: str, tmp_path: Path) -> None:
    async with cluster(backend, tmp_path) as c, client() as http:
        await c.paid(ORDER_NO)
        acknowledged = await asyncio.gather(*(c.notify(ORDER_NO, n) for n in range(50)))
        final = (await http.get(f"{c.url(1)}/v1/payments/{ORDER_NO}", headers=c.auth())).json()
    assert acknowledged == [True] * 50
    assert final["trade_status"] == "TRADE_SUCCESS"
    journal, outbox, log = await journal_and_outbox(c.database_url, ORDER_NO)
    assert journal == ["payment.created", "payment.succeeded"]
    assert outbox == ["payment.succeeded"]
    assert log == ["already_applied"] * 49 + ["applied"]


@pytest.mark.parametrize("backend", BACKENDS)
async def test_notifications_and_sync_queries_racing_end_in_one_transition(backend: str, tmp_path: Path) -> None:
    """The buyer has paid at the emulator and its notification was lost, so `?sync=true` queries learn it from
    Alipay's trade query and race the copies of the notification that follow; either may win, once."""
    async with cluster(backend, tmp_path) as c, client() as http:
        await c.paid(ORDER_NO)

        async def sync(n: int) -> httpx.Response:
            return await http.get(f"{c.url(n)}/v1/payments/{ORDER_NO}", params={"sync": "true"}, headers=c.auth())

        syncs = [sync(n) for n in range(40)]
        notifications = [c.notify(ORDER_NO, n) for n in range(20)]
        answers = await asyncio.gather(*syncs[:20], *(x for pair in zip(syncs[20:], notifications, strict=True)
                                                      for x in pair))
        final = (await http.get(f"{c.url(0)}/v1/payments/{ORDER_NO}", headers=c.auth())).json()
    assert [a for a in answers if isinstance(a, bool)] == [True] * 20
    assert {(a.status_code, a.json()["trade_status"]) for a in answers if isinstance(a, httpx.Response)} == {
        (200, "TRADE_SUCCESS")}
    assert final["trade_status"] == "TRADE_SUCCESS"
    journal, outbox, _ = await journal_and_outbox(c.database_url, ORDER_NO)
    assert journal == ["payment.created", "payment.succeeded"]
    assert outbox == ["payment.succeeded"]
    await assert_ledger_agrees_with_journal(c.database_url, [ORDER_NO])


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_refund_racing_a_close_while_the_payment_is_paid_ends_consistently(
        backend: str, tmp_path: Path) -> None:
    """For each payment the buyer has paid at the emulator; its notification, a close and a refund then arrive
    at once (in different processes). The close gets 409 PAYMENT_ALREADY_PAID (from paycore's own state, or from
    Alipay's answer, which it applies), or wins locally (200, TRADE_CLOSED, then the payment turns out paid: an
    anomaly, as the money is real); the refund either finds it paid (201) or gets 409 PAYMENT_NOT_PAID."""
    order_nos = [f"T2026112410{n:02d}" for n in range(12)]
    async with cluster(backend, tmp_path) as c, client() as http:
        for order_no in order_nos:
            await c.paid(order_no)

        async def race(order_no: str) -> tuple[bool, httpx.Response, httpx.Response]:
            notified, closed, refunded = await asyncio.gather(
                c.notify(order_no, 0),
                http.post(f"{c.url(1)}/v1/payments/{order_no}/close", headers=c.auth()),
                http.post(f"{c.url(0)}/v1/payments/{order_no}/refunds", headers=c.auth(),
                          json={"refund_no": f"R{order_no}", "refund_amount": "10.00"}))
            return notified, closed, refunded

        outcomes = await asyncio.gather(*(race(o) for o in order_nos))
    for order_no, (notified, closed, refunded) in zip(order_nos, outcomes, strict=True):
        assert notified
        assert (closed.status_code, closed.json().get("code")) in {(200, None), (409, "PAYMENT_ALREADY_PAID")}
        assert (refunded.status_code, refunded.json().get("code")) in {(201, None), (409, "PAYMENT_NOT_PAID")}
        journal, outbox, _ = await journal_and_outbox(c.database_url, order_no)
        expected = ["payment.created"]
        if closed.status_code == 200:
            expected += ["payment.closed", "payment.anomaly"]
        expected += ["payment.succeeded"]
        if refunded.status_code == 201:
            expected += ["refund.created", "refund.succeeded"]
        assert journal == expected, order_no
        assert outbox == [t for t in expected if t in {"payment.closed", "payment.anomaly", "payment.succeeded",
                                                       "refund.succeeded"}]
    await assert_ledger_agrees_with_journal(c.database_url, order_nos)
