"""`paycore demo` runs the background jobs as `paycore serve` does: the demo's webhooks go out through its worker,
and `--no-worker` really turns it off (the real `paycore demo` process, its emulator, a payer at the cashier)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import time
from pathlib import Path

import httpx

from tests.e2e.processes import Process, paycore, until_healthy
from tests.e2e.test_serve_process import free_port
from tests.webhook_receiver import Receiver, receiving

QUIET_SECONDS = 3.0  # three worker polls: a running worker would have sent the webhook by then


async def payments_key(process: Process) -> str:
    """The payments key the demo printed before serving."""
    assert process.proc.stdout is not None
    for _ in range(100):
        line = (await asyncio.wait_for(process.proc.stdout.readline(), timeout=30)).decode()
        if "payments key:" in line:
            return line.split()[-1]
    raise AssertionError("the demo printed no payments key")


async def paid_at_the_cashier(url: str, key: str, hook_url: str, order_no: str = "DEMOHOOK01",
                              **extra: object) -> str:
    """Create an Alipay payment whose webhooks go to hook_url; the payer pays on the emulator; paycore hears.
    The pay_url."""
    auth = {"Authorization": f"Bearer {key}"}
    body = {"order_no": order_no, "payment_type": "alipay", "pay_method": "pc", "subject": "Thesis polishing",
            "total_amount": "99.90", "notify_url": hook_url, **extra}
    async with httpx.AsyncClient(timeout=10) as http:
        created = await http.post(f"{url}/v1/payments", json=body, headers=auth)
        assert created.status_code == 201, created.text
        pay_url = created.json()["pay_url"]
        cashier = await http.get(pay_url)
        action = re.search(r'<form method="post" action="([^"]+/pay)"', cashier.text)
        assert action is not None, cashier.text
        assert (await http.post(pay_url.split("/gateway.do")[0] + action.group(1))).status_code < 400
        deadline = time.monotonic() + 15
        while (await http.get(f"{url}/v1/payments/{order_no}", headers=auth)).json()["trade_status"] != (
                "TRADE_SUCCESS"):
            assert time.monotonic() < deadline, "the demo never heard of the payment"
            await asyncio.sleep(0.1)  # polling the notification's effect; bounded by the deadline
    return str(pay_url)


async def run_demo(tmp_path: Path, *flags: str) -> tuple[Receiver, Process]:
    """Run `paycore demo` in an empty directory, pay one order whose webhooks go to a receiver; what arrived."""
    port, emulator_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYCORE_")}
    args = ["demo", "--port", str(port), "--emulator-port", str(emulator_port), *flags]
    async with receiving(Receiver()) as receiver, paycore(args, env, tmp_path) as demo:
        key = await payments_key(demo)
        await until_healthy(f"http://127.0.0.1:{port}", demo)
        await paid_at_the_cashier(f"http://127.0.0.1:{port}", key, receiver.url)
        if "--no-worker" in flags:
            with contextlib.suppress(AssertionError):  # a bounded window in which a worker would have delivered
                await receiver.wait_for(1, within=QUIET_SECONDS)
        else:
            await receiver.wait_for(1, within=15)
    return receiver, demo


async def test_the_demo_delivers_webhooks_through_its_worker(tmp_path: Path) -> None:
    receiver, demo = await run_demo(tmp_path)
    assert receiver.requests[0].json()["type"] == "payment.succeeded"
    assert "worker.started" in demo.log


async def test_the_demo_starts_with_one_line_about_its_database_and_no_server_chatter(tmp_path: Path) -> None:
    _, demo = await run_demo(tmp_path)
    assert demo.log.count("paycore: database ready (newest schema): sqlite") == 1  # the migrations, in one line
    assert "alembic" not in demo.log
    assert "Running upgrade" not in demo.log
    assert "Uvicorn running" not in demo.log  # the banner says where both servers listen
    assert "Started server process" not in demo.log


async def test_the_demo_with_no_worker_sends_no_webhook(tmp_path: Path) -> None:
    receiver, demo = await run_demo(tmp_path, "--no-worker")
    assert receiver.requests == []
    assert "worker.started" not in demo.log


async def banner_lines(process: Process, until: str) -> list[str]:
    """The demo's output lines up to the first one holding `until`."""
    assert process.proc.stdout is not None
    lines: list[str] = []
    while not lines or until not in lines[-1]:
        assert len(lines) < 200, "the demo never printed " + until
        lines.append((await asyncio.wait_for(process.proc.stdout.readline(), timeout=30)).decode())
    return lines


async def test_the_demo_shows_alipay_certificate_mode_and_pays_through_it_run_after_run(tmp_path: Path) -> None:
    for run in (1, 2):  # the second run's emulator has a new CA: the demo config takes its certificates
        port, emulator_port = free_port(), free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("PAYCORE_")}
        args = ["demo", "--port", str(port), "--emulator-port", str(emulator_port), "--no-worker"]
        async with paycore(args, env, tmp_path) as demo:
            lines = await banner_lines(demo, "Alipay in certificate mode")
            key = next(line.split()[-1] for line in lines if "payments key:" in line)
            found = re.search(r"config (\d+) holds an app certificate", lines[-1])
            assert found is not None, lines[-1]
            url = f"http://127.0.0.1:{port}"
            await until_healthy(url, demo)
            pay_url = await paid_at_the_cashier(url, key, "http://127.0.0.1:9/none", f"DEMOCERT0{run}",
                                                config_id=int(found.group(1)))
            assert "app_cert_sn=" in pay_url
            assert "alipay_root_cert_sn=" in pay_url
