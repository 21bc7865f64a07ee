"""Crash safety: `paycore serve` (worker in-process, a real Alipay config pointing at the emulator, its own process)
is killed with SIGKILL in the middle of a storm of the emulator's signed notifications and of webhook deliveries,
then restarted. Nothing acknowledged is lost and nothing disagrees with the journal."""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from adapters.sql.engine import make_engine
from adapters.sql.tables import payment_event, payment_transaction, webhook_outbox
from domain.events import WEBHOOK_EVENTS
from tests.conftest import migrated_database
from tests.e2e.conftest import order
from tests.e2e.processes import NOBODY_LISTENS, emulator, paycore_env, prepare
from tests.e2e.test_races_across_processes import assert_ledger_agrees_with_journal
from tests.e2e.test_serve_process import free_port
from tests.webhook_receiver import Receiver, receiving

PAYMENTS = 60
LEASE_SECONDS = 2  # a killed worker's webhook leases run out this soon after the restart


async def start(env: dict[str, str], port: int, cwd: Path) -> asyncio.subprocess.Process:
    """`paycore serve` with its in-process worker, answering /health."""
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "entrypoints.cli", "serve", "--port", str(port),
                                                cwd=cwd, env=env, stdout=asyncio.subprocess.DEVNULL,
                                                stderr=asyncio.subprocess.DEVNULL)
    await until(lambda: healthy(port), within=30, what="paycore to answer /health",
                alive=lambda: proc.returncode is None)
    return proc


async def healthy(port: int) -> bool:
    """Whether /health answers 200."""
    try:
        async with httpx.AsyncClient(timeout=1) as http:
            return (await http.get(f"http://127.0.0.1:{port}/health")).status_code == 200
    except httpx.TransportError:
        return False


async def until(check: Callable[[], Awaitable[bool]], within: float, what: str,
                alive: Callable[[], bool] = lambda: True) -> None:
    """Poll `check` until it holds; fail at the deadline (or when the process died)."""
    deadline = time.monotonic() + within
    while not await check():
        assert alive(), f"the process died while waiting for {what}"
        assert time.monotonic() < deadline, f"no {what} within {within} s"
        await asyncio.sleep(0.05)


async def stop(proc: asyncio.subprocess.Process) -> None:
    """SIGTERM, and wait for the exit."""
    if proc.returncode is None:
        proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), timeout=20)
        except TimeoutError:
            proc.kill()
            await proc.wait()


async def scalars(database_url: str, query: sa.Select[tuple[str]]) -> list[str]:
    """Run one query on a short-lived engine."""
    engine = make_engine(database_url)
    try:
        async with engine.connect() as conn:
            return list(await conn.scalars(query))
    finally:
        await engine.dispose()


@pytest.mark.parametrize("backend", [pytest.param("sqlite", id="sqlite"),
                                     pytest.param("postgres", id="postgres", marks=pytest.mark.postgres)])
async def test_a_sigkill_mid_storm_loses_no_acknowledged_payment_and_no_webhook(backend: str, tmp_path: Path) -> None:
    database_url = await migrated_database(backend, tmp_path)
    port = free_port()
    env = paycore_env(database_url, PAYCORE_PUBLIC_URL=f"http://127.0.0.1:{port}", PAYCORE_LOG_LEVEL="WARNING",
                      PAYCORE_WORKER_LEASE_SECONDS=str(LEASE_SECONDS), PAYCORE_WEBHOOK_RETRY_SCHEDULE="1,1,1,1,1")
    order_nos = [f"T20261124{n:04d}" for n in range(PAYMENTS)]
    acknowledged: set[str] = set()

    # Slow answers: deliveries are in flight at the kill. The config's notify_url leads nowhere, so the storm is
    # the test's: the emulator sends each payment's notification twice to paycore, eight at a time.
    async with emulator(tmp_path) as alipay, receiving(Receiver(delay=0.3)) as receiver:
        key, _ = await prepare(env, alipay, receiver.url, notify_url=NOBODY_LISTENS)
        auth = {"Authorization": f"Bearer {key}"}
        base = f"http://127.0.0.1:{port}"
        server = await start(env, port, tmp_path)
        try:
            async with httpx.AsyncClient(base_url=base, timeout=10) as http:
                for order_no in order_nos:
                    created = await http.post("/v1/payments", json=order(order_no), headers=auth)
                    assert created.status_code == 201, created.text
                    await alipay.pay(order_no, created.json()["pay_url"])

            # The last third waits for the kill's moment, so the storm is still going when it comes however
            # fast paycore answers (a fast run once acknowledged all 60 before three webhooks were delivered).
            late = set(order_nos[2 * PAYMENTS // 3:])
            kill_now = asyncio.Event()

            async def notify(order_no: str, gate: asyncio.Semaphore) -> None:
                if order_no in late:
                    await kill_now.wait()
                async with gate:  # killed before it answered: not acknowledged, so Alipay would retry
                    if await alipay.deliver(order_no, base):
                        acknowledged.add(order_no)

            async def enough_done() -> bool:
                return len(acknowledged) >= PAYMENTS // 3 and len(receiver.requests) >= 3

            gate = asyncio.Semaphore(8)
            storm = [asyncio.create_task(notify(o, gate)) for o in order_nos for _ in range(2)]
            await until(enough_done, within=60, what="acknowledged notifications and delivered webhooks")
            kill_now.set()
            server.kill()  # SIGKILL: no shutdown hook, no lease released, transactions cut short
            await server.wait()
            await asyncio.gather(*storm)
            assert len(acknowledged) < PAYMENTS, "the storm ended before the kill; nothing was cut short"

            server = await start(env, port, tmp_path)
            outbox = webhook_outbox.c

            async def all_delivered() -> bool:
                pending = await scalars(database_url, sa.select(outbox.event_id).where(outbox.status != "delivered"))
                return not pending

            await until(all_delivered, within=60, what="delivery of every outbox message after the restart")
        finally:
            await stop(server)

    paid = set(await scalars(database_url, sa.select(payment_transaction.c.order_no).where(
        payment_transaction.c.trade_status == "TRADE_SUCCESS")))
    assert acknowledged <= paid, f"acknowledged but not paid: {sorted(acknowledged - paid)}"
    journaled = set(await scalars(database_url, sa.select(payment_event.c.event_id).where(
        payment_event.c.event_type.in_([t.value for t in WEBHOOK_EVENTS]))))
    queued = set(await scalars(database_url, sa.select(webhook_outbox.c.event_id)))
    assert journaled <= queued, "a journaled webhook event has no outbox message"
    assert journaled, "no payment was applied before the kill"
    assert queued <= {r.json()["id"] for r in receiver.requests}, "an outbox message never reached the receiver"
    await assert_ledger_agrees_with_journal(database_url, order_nos)
