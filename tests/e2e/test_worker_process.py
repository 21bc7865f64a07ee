"""The worker as real processes: inside `paycore serve`, or `paycore worker` beside `serve --no-worker`."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from application.ports import PaymentConfig
from entrypoints.container import build_container
from entrypoints.settings import load_settings
from tests.e2e.conftest import TEST_MASTER_KEYS, order
from tests.e2e.test_notify import fake_notification
from tests.e2e.test_serve_process import free_port
from tests.e2e.test_webhooks import readme_verifier
from tests.webhook_receiver import Receiver, receiving


def environment(tmp_path: Path, port: int) -> dict[str, str]:
    """A SQLite paycore on fake providers."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYCORE_")}
    env.update(PAYCORE_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'paycore.db'}",
               PAYCORE_MASTER_KEYS=TEST_MASTER_KEYS, PAYCORE_FAKE_PROVIDERS="true",
               PAYCORE_PUBLIC_URL=f"http://127.0.0.1:{port}")
    return env


async def prepare(env: dict[str, str], webhook_url: str) -> tuple[str, str]:
    """Migrate, store an Alipay config and issue a payments key whose webhooks go to `webhook_url`."""
    from adapters.sql.migrate import upgrade_async

    settings = load_settings(env, dotenv=None)
    await upgrade_async(settings.database_url)
    container = build_container(settings)
    try:
        async with container.uow()() as uow:
            await uow.configs.add(PaymentConfig(0, "alipay", "fake alipay", app_id="2021000000000001",
                                                is_default=True))
            await uow.commit()
        issued = await container.api_keys().issue("shop", "payments", webhook_url=webhook_url)
    finally:
        await container.engine().dispose()
    return issued.token, issued.webhook_secret


@dataclass
class Process:
    """A running paycore command; `log` holds its stderr once it has stopped."""

    proc: asyncio.subprocess.Process
    log: str = ""


@asynccontextmanager
async def paycore(args: Sequence[str], env: dict[str, str], cwd: Path) -> AsyncIterator[Process]:
    """A paycore command as a process, stopped with SIGTERM at the end; it must stop cleanly.

    uvicorn (`serve`) re-raises the SIGTERM after its graceful shutdown, so -15 is clean there too.
    """
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "entrypoints.cli", *args, cwd=cwd, env=env,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    process = Process(proc)
    try:
        yield process
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            _, err = await asyncio.wait_for(proc.communicate(), timeout=20)
        except TimeoutError:
            proc.kill()
            await proc.wait()
            raise
        process.log = err.decode()
        clean = (0, -signal.SIGTERM) if args[0] == "serve" else (0,)
        assert proc.returncode in clean, process.log
        assert "Traceback" not in process.log, process.log


async def until_healthy(url: str, process: Process, within: float = 30.0) -> None:
    """Poll /health until it answers, or fail when the process dies or the deadline passes."""
    deadline = time.monotonic() + within
    async with httpx.AsyncClient() as client:
        while True:
            assert process.proc.returncode is None, "paycore exited before it answered /health"
            try:
                if (await client.get(f"{url}/health", timeout=1)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"paycore did not answer within {within} s"
            await asyncio.sleep(0.1)


async def pay(url: str, key: str) -> None:
    """Create a payment without a notify_url (the key's webhook_url applies) and have it paid."""
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        created = await client.post("/v1/payments", json=order(), headers={"Authorization": f"Bearer {key}"})
        assert created.status_code == 201, created.text
        assert (await client.post("/v1/notify/alipay", data=fake_notification())).text == "success"


async def test_paycore_serve_delivers_webhooks_with_its_in_process_worker(tmp_path: Path) -> None:
    port = free_port()
    env = environment(tmp_path, port)
    async with receiving(Receiver()) as receiver:
        key, secret = await prepare(env, receiver.url)
        async with paycore(["serve", "--port", str(port)], env, tmp_path) as server:
            await until_healthy(f"http://127.0.0.1:{port}", server)
            await pay(f"http://127.0.0.1:{port}", key)
            [hook] = await receiver.wait_for(1, within=10)
    assert hook.json()["type"] == "payment.succeeded"
    assert readme_verifier()(secret, hook.body, hook.headers["paycore-signature"])
    assert "worker.started jobs=webhooks" in server.log
    assert "worker.stopped" in server.log


async def test_paycore_worker_delivers_what_serve_no_worker_committed(tmp_path: Path) -> None:
    port = free_port()
    env = environment(tmp_path, port)
    async with receiving(Receiver()) as receiver:
        key, _ = await prepare(env, receiver.url)
        async with paycore(["serve", "--port", str(port), "--no-worker"], env, tmp_path) as server:
            await until_healthy(f"http://127.0.0.1:{port}", server)
            await pay(f"http://127.0.0.1:{port}", key)
            async with paycore(["worker"], env, tmp_path) as worker:
                [hook] = await receiver.wait_for(1, within=15)
    assert hook.json()["data"]["trade_status"] == "TRADE_SUCCESS"
    assert "worker.started" not in server.log
    assert "webhook.attempt" in worker.log
    assert "worker.stopped" in worker.log
