"""`paycore serve --workers 2` on SQLite runs two API processes on the one database file (SQLite's lock orders the
writers of both; each process's write gate orders its own), and money moves exactly once through them: payments
created at once over many connections, then paid, and each payment's notification delivered twice."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx

from tests.conftest import migrated_database
from tests.e2e.conftest import order
from tests.e2e.processes import NOBODY_LISTENS, emulator, paycore, paycore_env, prepare, until_healthy
from tests.e2e.test_races_across_processes import journal_and_outbox
from tests.e2e.test_serve_process import free_port


def api_processes(parent: int) -> list[int]:
    """The uvicorn worker processes `serve` spawned (multiprocessing's spawn children, not its resource tracker)."""
    children = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (proc / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
        if ppid == parent and b"spawn_main" in cmdline and b"resource_tracker" not in cmdline:
            children.append(int(proc.name))
    return children


async def until_processes(parent: int, count: int, within: float = 30.0) -> list[int]:
    """Wait until `parent` has `count` API processes; fail after `within` seconds."""
    deadline = time.monotonic() + within
    while len(found := api_processes(parent)) != count:
        assert time.monotonic() < deadline, f"{len(found)} API processes, not {count}"
        await asyncio.sleep(0.1)  # polling /proc for processes being spawned; bounded by the deadline
    return found


async def test_serve_with_two_workers_on_sqlite_runs_two_processes_and_pays_each_order_once(tmp_path: Path) -> None:
    database_url = await migrated_database("sqlite", tmp_path)
    env = paycore_env(database_url, PAYCORE_LOG_LEVEL="WARNING")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    order_nos = [f"T20261207{n:04d}" for n in range(40)]
    async with emulator(tmp_path) as alipay:
        key, _ = await prepare(env, alipay, "http://127.0.0.1:9/unused", notify_url=NOBODY_LISTENS)
        async with paycore(["serve", "--port", str(port), "--workers", "2", "--no-worker"],
                           {**env, "PAYCORE_PUBLIC_URL": url}, tmp_path) as server:
            await until_healthy(url, server)
            assert len(await until_processes(server.proc.pid, 2)) == 2
            limits = httpx.Limits(max_connections=100, max_keepalive_connections=0)  # new connections: both accept
            async with httpx.AsyncClient(timeout=30, limits=limits) as http:
                auth = {"Authorization": f"Bearer {key}"}
                created = await asyncio.gather(*(http.post(f"{url}/v1/payments", json=order(o), headers=auth)
                                                 for o in order_nos))
                assert [c.status_code for c in created] == [201] * len(order_nos), [c.text for c in created]
                for order_no, answer in zip(order_nos, created, strict=True):
                    await alipay.pay(order_no, answer.json()["pay_url"])
                acknowledged = await asyncio.gather(*(alipay.deliver(o, url) for o in order_nos * 2))
                assert acknowledged == [True] * (2 * len(order_nos))
                views = await asyncio.gather(*(http.get(f"{url}/v1/payments/{o}", headers=auth) for o in order_nos))
            assert {v.json()["trade_status"] for v in views} == {"TRADE_SUCCESS"}
    for order_no in order_nos:
        journal, outbox, log = await journal_and_outbox(database_url, order_no)
        assert journal == ["payment.created", "payment.succeeded"], order_no
        assert outbox == ["payment.succeeded"], order_no
        assert log == ["already_applied", "applied"], order_no
