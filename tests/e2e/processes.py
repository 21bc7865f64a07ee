"""paycore and the provider emulator as real processes: `paycore emulator` on a port of its own, `paycore serve` /
`paycore worker` processes with a real Alipay config pointing at it (`gateway_url`), and notifications the
emulator signs with its Alipay key and sends over HTTP, as Alipay would."""

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
from typing import Any

import httpx

from entrypoints.container import build_container
from entrypoints.settings import load_settings
from tests.e2e.conftest import TEST_MASTER_KEYS
from tests.e2e.test_serve_process import free_port
from tests.rsa_keys import key_pair

APP_ID = "2021000000000001"
SELLER_ID = "2088000000000001"
NOBODY_LISTENS = "http://127.0.0.1:9/nobody-listens"  # a notify_url whose deliveries go nowhere (port 9: discard)


@dataclass
class Process:
    """A running paycore command; `log` holds its stderr once it has stopped."""

    proc: asyncio.subprocess.Process
    log: str = ""


@asynccontextmanager
async def paycore(args: Sequence[str], env: dict[str, str], cwd: Path) -> AsyncIterator[Process]:
    """A paycore command as a process, stopped with SIGTERM at the end; it must stop cleanly.

    uvicorn (`serve`, `emulator`, `demo`) re-raises the SIGTERM after its graceful shutdown, so -15 is clean there too.
    """
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "entrypoints.cli", *args, cwd=cwd, env=env,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    process = Process(proc)
    try:
        yield process
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        try:
            _, err = await asyncio.wait_for(proc.communicate(), timeout=20)
        except TimeoutError:
            proc.kill()
            await proc.wait()
            raise
        process.log = err.decode()
        clean = (0, -signal.SIGTERM) if args[0] in {"serve", "emulator", "demo"} else (0,)
        assert proc.returncode in clean, process.log
        assert "Traceback" not in process.log, process.log


async def until_answers(url: str, process: Process, within: float = 30.0) -> None:
    """Poll GET url until it answers 200, or fail when the process dies or the deadline passes."""
    deadline = time.monotonic() + within
    async with httpx.AsyncClient() as client:
        while True:
            assert process.proc.returncode is None, f"the process exited before {url} answered"
            try:
                if (await client.get(url, timeout=1)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"{url} did not answer within {within} s"
            await asyncio.sleep(0.1)  # polling a port that is not open yet; bounded by the deadline


async def until_healthy(url: str, process: Process, within: float = 30.0) -> None:
    """Poll paycore's /health until it answers."""
    await until_answers(f"{url}/health", process, within)


def paycore_env(database_url: str, **settings: str) -> dict[str, str]:
    """This process's environment without any PAYCORE_ setting, then the database, a master key and settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYCORE_")}
    env.update(PAYCORE_DATABASE_URL=database_url, PAYCORE_MASTER_KEYS=TEST_MASTER_KEYS, **settings)
    return env


@dataclass
class Emulator:
    """A running `paycore emulator`, driven through its control API."""

    url: str
    http: httpx.AsyncClient

    async def control(self, method: str, path: str, **json: Any) -> Any:
        """Call the Alipay control API; the decoded answer."""
        response = await self.http.request(method, f"{self.url}/_control/alipay{path}", json=json or None)
        assert response.status_code < 300, response.text
        return response.json() if response.content else None

    async def pay(self, order_no: str, pay_url: str) -> None:
        """The buyer opens the pay URL (the emulator's cashier: Alipay learns the trade) and pays; Alipay then
        notifies the trade's notify_url by itself."""
        opened = await self.http.get(pay_url)
        assert opened.status_code == 200, opened.text
        await self.control("POST", f"/trades/{order_no}/pay")

    async def deliver(self, order_no: str, paycore_url: str, variant: str = "duplicate") -> bool:
        """Alipay sends the trade's last notification again (`duplicate`: the same notify_id and signature) to
        paycore's shared endpoint, once; whether paycore acknowledged it (answered `success`)."""
        attempt = await self.control("POST", f"/trades/{order_no}/notify", variant=variant,
                                     notify_url=f"{paycore_url}/v1/notify/alipay")
        return bool(attempt["acknowledged"])


@asynccontextmanager
async def emulator(cwd: Path) -> AsyncIterator[Emulator]:
    """`paycore emulator` on a free port, the test app (key pair 0) registered with it."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYCORE_")}
    async with paycore(["emulator", "--port", str(port)], env, cwd) as process, httpx.AsyncClient(
            timeout=30, limits=httpx.Limits(max_connections=200, max_keepalive_connections=200)) as http:
        url = f"http://127.0.0.1:{port}"
        await until_answers(f"{url}/_control/alipay/apps", process)
        running = Emulator(url, http)
        await running.control("POST", "/apps", app_id=APP_ID, app_public_key=key_pair(0).public_pem,
                              seller_id=SELLER_ID)
        yield running


async def prepare(env: dict[str, str], alipay: Emulator, webhook_url: str, notify_url: str = "") -> tuple[str, str]:
    """Migrate, store the default Alipay config pointing at the emulator (as an operator would, secrets sealed)
    and issue a payments key whose webhooks go to `webhook_url`; the key and its webhook secret.

    `notify_url` empty: Alipay notifies paycore's own endpoint under PAYCORE_PUBLIC_URL.
    """
    from adapters.sql.migrate import upgrade_async

    settings = load_settings(env, dotenv=None)
    await upgrade_async(settings.database_url)
    alipay_public_key = (await alipay.http.get(f"{alipay.url}/_control/alipay/public-key")).text
    container = build_container(settings)
    try:
        keys = key_pair(0)
        await container.configs().create(
            {"payment_type": "alipay", "config_name": "emulated alipay", "app_id": APP_ID, "seller_id": SELLER_ID,
             "private_key": keys.pkcs1_pem, "public_key": keys.public_pem, "alipay_public_key": alipay_public_key,
             "gateway_url": f"{alipay.url}/gateway.do", "notify_url": notify_url, "is_default": True}, by="e2e")
        issued = await container.api_keys().issue("shop", "payments", webhook_url=webhook_url)
    finally:
        await container.engine().dispose()
    return issued.token, issued.webhook_secret


