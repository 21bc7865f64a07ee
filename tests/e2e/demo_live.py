"""A real `paycore demo` (paycore and its emulator of both providers on real ports) for tests that need both
providers in one paycore: the browser tests, and the payer's choice of method."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.processes import Process, paycore, until_healthy
from tests.e2e.test_serve_process import free_port


@dataclass
class Demo:
    """A running `paycore demo` (paycore and its emulator on real ports) and its payments key."""

    url: str
    emulator_url: str
    key: str
    cashier_url: str = ""  # the choose-your-method payment's link the banner printed

    async def create(self, order_no: str, **body: Any) -> dict[str, Any]:
        """POST /v1/payments (WeChat Native unless told otherwise); the payment view."""
        fields = {"order_no": order_no, "payment_type": "wechat", "pay_method": "native",
                  "subject": "论文润色 Thesis polishing", "total_amount": "99.90", **body}
        async with httpx.AsyncClient(timeout=10) as http:
            created = await http.post(f"{self.url}/v1/payments", json=fields,
                                      headers={"Authorization": f"Bearer {self.key}"})
        assert created.status_code == 201, created.text
        answer: dict[str, Any] = created.json()
        return answer

    async def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """A call of paycore's API with the payments key."""
        async with httpx.AsyncClient(timeout=10) as http:
            return await http.request(method, f"{self.url}{path}", headers={"Authorization": f"Bearer {self.key}"},
                                      **kwargs)

    async def until(self, order_no: str, done: Callable[[dict[str, Any]], bool],
                    seconds: float = 15.0) -> dict[str, Any]:
        """The payment once `done(payment)` holds (a bounded wait: polls the API)."""
        async with asyncio.timeout(seconds):
            while True:
                payment: dict[str, Any] = (await self.api("GET", f"/v1/payments/{order_no}")).json()
                if done(payment):
                    return payment
                await asyncio.sleep(0.1)

    async def control(self, method: str, path: str, **json: Any) -> Any:
        """A call of the emulator's control API (`/_control/…`); its JSON."""
        async with httpx.AsyncClient(timeout=10) as http:
            answer = await http.request(method, f"{self.emulator_url}/_control{path}", json=json or None)
        assert answer.status_code < 400, answer.text
        return answer.json()


@asynccontextmanager
async def running_demo(tmp_path: Path, merchant: str = "") -> AsyncIterator[Demo]:
    """`paycore demo` in an empty directory on free ports (PAYCORE_MERCHANT_NAME = merchant, if given)."""
    from tests.e2e.test_demo_worker import payments_key

    port, emulator_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYCORE_")}
    if merchant:
        env["PAYCORE_MERCHANT_NAME"] = merchant
    args = ["demo", "--port", str(port), "--emulator-port", str(emulator_port)]
    async with paycore(args, env, tmp_path) as process:
        key = await payments_key(process)
        link = await printed_cashier_link(process)
        url = f"http://127.0.0.1:{port}"
        await until_healthy(url, process)
        yield Demo(url, f"http://127.0.0.1:{emulator_port}", key, link)


async def printed_cashier_link(process: Process) -> str:
    """The cashier link of the choose-your-method payment the banner printed (after the payments key)."""
    assert process.proc.stdout is not None
    for _ in range(20):
        line = (await asyncio.wait_for(process.proc.stdout.readline(), timeout=30)).decode().strip()
        if "/pay/DEMOPICK" in line:
            return line
    raise AssertionError("the demo printed no cashier link")
