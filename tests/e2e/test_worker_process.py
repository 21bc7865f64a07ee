"""The worker as real processes: inside `paycore serve`, or `paycore worker` beside `serve --no-worker`; the
payment is paid at the emulator (its own process), whose signed notification reaches paycore by itself."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.e2e.conftest import order
from tests.e2e.processes import Emulator, emulator, paycore, paycore_env, prepare, until_answers, until_healthy
from tests.e2e.test_serve_process import free_port
from tests.e2e.test_webhooks import readme_verifier
from tests.e2e.wechat_live import eventually
from tests.webhook_receiver import Receiver, receiving


def environment(tmp_path: Path, port: int) -> dict[str, str]:
    """A SQLite paycore reached at this port (the emulator notifies it there)."""
    return paycore_env(f"sqlite+aiosqlite:///{tmp_path / 'paycore.db'}", PAYCORE_PUBLIC_URL=f"http://127.0.0.1:{port}")


async def pay(url: str, key: str, alipay: Emulator) -> None:
    """Create a payment without a notify_url (the key's webhook_url applies); the buyer pays it at the emulator."""
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        created = await client.post("/v1/payments", json=order(), headers={"Authorization": f"Bearer {key}"})
        assert created.status_code == 201, created.text
    await alipay.pay("T20261124001", created.json()["pay_url"])


async def test_paycore_serve_delivers_webhooks_with_its_in_process_worker(tmp_path: Path) -> None:
    port = free_port()
    env = environment(tmp_path, port)
    async with emulator(tmp_path) as alipay, receiving(Receiver()) as receiver:
        key, secret = await prepare(env, alipay, receiver.url)
        async with paycore(["serve", "--port", str(port)], env, tmp_path) as server:
            await until_healthy(f"http://127.0.0.1:{port}", server)
            await pay(f"http://127.0.0.1:{port}", key, alipay)
            [hook] = await receiver.wait_for(1, within=10)
    assert hook.json()["type"] == "payment.succeeded"
    assert readme_verifier()(secret, hook.body, hook.headers["paycore-signature"])
    assert "worker.started jobs=webhooks" in server.log
    assert "worker.stopped" in server.log


async def scrape(port: int) -> str:
    """The text a Prometheus server would read."""
    async with httpx.AsyncClient() as client:
        return (await client.get(f"http://127.0.0.1:{port}/metrics", timeout=5)).text


async def test_paycore_worker_delivers_what_serve_no_worker_committed(tmp_path: Path) -> None:
    port = free_port()
    env = environment(tmp_path, port)
    async with emulator(tmp_path) as alipay, receiving(Receiver()) as receiver:
        key, _ = await prepare(env, alipay, receiver.url)
        async with paycore(["serve", "--port", str(port), "--no-worker"], env, tmp_path) as server:
            await until_healthy(f"http://127.0.0.1:{port}", server)
            await pay(f"http://127.0.0.1:{port}", key, alipay)
            metrics_port = free_port()
            async with paycore(["worker", "--metrics-port", str(metrics_port)], env, tmp_path) as worker:
                [hook] = await receiver.wait_for(1, within=15)
                # A standalone worker serves its own Prometheus metrics (prometheus-client's server).
                await until_answers(f"http://127.0.0.1:{metrics_port}/metrics", worker)
                shown = await eventually("the delivery counted", lambda: scrape(metrics_port),
                                         lambda text: 'outcome="delivered"' in text, seconds=10)
    assert 'paycore_worker_job_runs_total{job="webhooks",outcome="ok"}' in shown
    assert 'paycore_webhook_deliveries_total{outcome="delivered"} 1.0' in shown
    assert hook.json()["data"]["trade_status"] == "TRADE_SUCCESS"
    assert "worker.started" not in server.log
    assert "webhook.attempt" in worker.log
    assert "worker.stopped" in worker.log
