"""Webhooks end to end: the real app and worker on SQLite, a real receiver on a real port."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy.pool import NullPool

from adapters.gateways.fake import FakeGateway
from adapters.gateways.registry import StaticGatewayRegistry
from adapters.sql.engine import make_engine
from adapters.sql.migrate import upgrade_async
from application.records import PaymentConfig
from domain.kinds import PaymentType
from entrypoints.container import PAY_METHODS, build_container
from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from entrypoints.worker import POLL_SECONDS, build_worker
from tests.e2e.conftest import PUBLIC_URL, TEST_MASTER_KEYS, order
from tests.e2e.test_notify import fake_notification
from tests.webhook_receiver import Receiver, receiving

README = Path(__file__).resolve().parents[2] / "README.md"
ORDER_NO = "T20261124001"


def readme_verifier() -> Callable[..., bool]:
    """The signature helper exactly as the README shows it to business systems."""
    text = README.read_text(encoding="utf-8")
    block = text.split("<!-- webhook-verify:start -->")[1].split("<!-- webhook-verify:end -->")[0]
    code = block.split("```python")[1].split("```")[0]
    namespace: dict[str, Any] = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - our own README's code, under test
    verify: Callable[..., bool] = namespace["verify_paycore_signature"]
    return verify


@dataclass
class Shop:
    """The app, its worker, a payments key with its webhook secret, an admin key, and the receiver."""

    client: AsyncTestClient  # type: ignore[type-arg]
    receiver: Receiver
    payments_key: str
    webhook_secret: str
    admin_key: str

    def auth(self, admin: bool = False) -> dict[str, str]:
        """Bearer headers."""
        return {"Authorization": f"Bearer {self.admin_key if admin else self.payments_key}"}

    async def paid_payment(self) -> float:
        """Create a payment that notifies the receiver, have the provider say it is paid; when that committed."""
        created = await self.client.post("/v1/payments", json=order(notify_url=self.receiver.url),
                                         headers=self.auth())
        assert created.status_code == 201, created.text
        answer = await self.client.post("/v1/notify/alipay", data=fake_notification())
        assert answer.text == "success"
        return time.time()

    async def deliveries(self, status: str) -> list[dict[str, Any]]:
        """The admin API's deliveries of a status."""
        response = await self.client.get("/v1/admin/webhook-deliveries", params={"status": status},
                                         headers=self.auth(admin=True))
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    async def metrics_showing(self, line: str, within: float = 5.0) -> str:
        """/metrics once it has the line (an attempt is counted just after its outcome is recorded)."""
        deadline = time.monotonic() + within
        while line not in (text := (await self.client.get("/metrics")).text):
            assert time.monotonic() < deadline, f"/metrics never showed {line}"
            await asyncio.sleep(0.02)
        return text

    async def settled(self, status: str, within: float = 5.0) -> list[dict[str, Any]]:
        """The deliveries of a status once there are some (an outcome is recorded just after the answer)."""
        deadline = time.monotonic() + within
        while not (items := await self.deliveries(status)):
            assert time.monotonic() < deadline, f"no {status} delivery within {within} s"
            await asyncio.sleep(0.02)
        return items


@asynccontextmanager
async def shop(tmp_path: Path, receiver: Receiver, schedule: tuple[int, ...] = (15, 60),
               poll_seconds: float = 0.05, url: str | None = None) -> AsyncIterator[Shop]:
    """paycore with a fake Alipay, its worker running, and the receiver listening; on a fresh SQLite file
    unless the URL of a migrated, empty database is given."""
    overrides: dict[str, Any] = {"gateways": StaticGatewayRegistry({"alipay": FakeGateway("alipay")},
                                                                   methods=PAY_METHODS)}
    if url is None:
        url = f"sqlite+aiosqlite:///{tmp_path / 'webhooks.db'}"
        await upgrade_async(url)
    else:  # a server's connections belong to the loop that opened them: no pool across the client's loops
        overrides["engine"] = make_engine(url, poolclass=NullPool)
    settings = Settings(database_url=url, public_url=PUBLIC_URL, master_keys=TEST_MASTER_KEYS,
                        webhook_retry_schedule=schedule)
    container = build_container(settings, **overrides)
    async with container.uow()() as uow:
        await uow.configs.add(PaymentConfig(0, PaymentType.ALIPAY, "test alipay", app_id="2021000000000001",
                                            is_default=True))
        await uow.commit()
    payments = await container.api_keys().issue("shop", "payments")
    admin = await container.api_keys().issue("ops", "admin")
    app = create_app(container)
    worker = build_worker(container, app.state.metrics, poll_seconds)
    async with receiving(receiver), AsyncTestClient(app) as client:
        # The worker runs on the app's event loop (the client's portal thread), as in `paycore serve`: the client
        # blocks this loop for each request, and a worker here, caught between a write and its COMMIT, kept
        # SQLite's write lock until the request timed out at busy_timeout (15 s, then 503).
        portal = client.blocking_portal

        def on_the_apps_loop(step: Callable[[], Awaitable[None]]) -> None:
            portal.call(step)

        await asyncio.to_thread(on_the_apps_loop, worker.start)
        try:
            yield Shop(client, receiver, payments.token, payments.webhook_secret, admin.token)
        finally:  # from a thread: this loop stays free to answer the worker's last deliveries
            await asyncio.to_thread(on_the_apps_loop, worker.stop)
    await container.engine().dispose()


async def test_a_paid_payment_reaches_the_receiver_within_two_seconds_signed_as_the_readme_checks(
    tmp_path: Path,
) -> None:
    async with shop(tmp_path, Receiver(), poll_seconds=POLL_SECONDS) as s:
        committed = await s.paid_payment()
        [hook] = await s.receiver.wait_for(1, within=5)
        payment = (await s.client.get(f"/v1/payments/{ORDER_NO}", headers=s.auth())).json()
        events = (await s.client.get(f"/v1/payments/{ORDER_NO}/events", headers=s.auth())).json()["items"]
        [delivered] = await s.settled("delivered")  # its outcome is recorded just after the 200

    assert hook.at - committed < 2.0
    body = hook.json()
    assert body["type"] == "payment.succeeded"
    assert body["id"] == events[-1]["event_id"] == hook.headers["paycore-event-id"] == delivered["event_id"]
    assert body["data"] == payment
    assert body["created"] == events[-1]["create_time"]
    assert hook.headers["content-type"] == "application/json"
    verify = readme_verifier()
    assert verify(s.webhook_secret, hook.body, hook.headers["paycore-signature"])
    assert not verify("whsec_someone-else", hook.body, hook.headers["paycore-signature"])
    assert not verify(s.webhook_secret, hook.body.replace(b"99.90", b"9.90"), hook.headers["paycore-signature"])
    assert (delivered["url"], delivered["attempts"], delivered["last_status_code"]) == (s.receiver.url, 1, 200)


def test_the_readme_helper_refuses_a_signature_outside_its_tolerance() -> None:
    verify = readme_verifier()
    body, secret = b'{"id":"evt_1"}', "whsec_test"
    old = int(time.time()) - 301
    signature = hmac.new(secret.encode(), f"{old}.".encode() + body, hashlib.sha256).hexdigest()
    assert not verify(secret, body, f"t={old},v1={signature}")
    assert verify(secret, body, f"t={old},v1={signature}", tolerance=600)
    assert not verify(secret, body, "garbage")


async def test_a_receiver_failing_twice_gets_three_attempts_and_the_delivery_ends_delivered(tmp_path: Path) -> None:
    async with shop(tmp_path, Receiver([500, 500]), schedule=(0, 0, 0)) as s:
        await s.paid_payment()
        hooks = await s.receiver.wait_for(3)
        delivered = await s.settled("delivered")
        metrics = await s.metrics_showing('paycore_webhook_deliveries_total{outcome="delivered"} 1')

    assert len({h.headers["paycore-event-id"] for h in hooks}) == 1
    assert len(s.receiver.requests) == 3
    [item] = delivered
    assert (item["attempts"], item["last_status_code"], item["next_attempt_time"]) == (3, 200, None)
    assert 'paycore_webhook_deliveries_total{outcome="pending"} 2' in metrics
    assert 'paycore_webhook_deliveries_total{outcome="delivered"} 1' in metrics
    assert 'paycore_webhook_lag_seconds_count{outcome="pending"} 2' in metrics  # from the event to each attempt
    assert 'paycore_webhook_lag_seconds_count{outcome="delivered"} 1' in metrics


async def test_a_receiver_always_failing_ends_failed_is_listed_and_is_retried_through_the_admin_api(
    tmp_path: Path,
) -> None:
    async with shop(tmp_path, Receiver(default=500), schedule=(1, 1)) as s:
        await s.paid_payment()
        await s.receiver.wait_for(3, within=10)
        [item] = await s.settled("failed")
        assert (item["attempts"], item["last_status_code"], item["event_type"]) == (3, 500, "payment.succeeded")
        assert item["last_error"].startswith("HTTP 500: receiver says no")
        assert item["url"] == s.receiver.url
        assert item["order_no"] == ORDER_NO

        forbidden = await s.client.post(f"/v1/admin/webhook-deliveries/{item['delivery_id']}/retry",
                                        headers=s.auth())
        assert forbidden.status_code == 403
        s.receiver.default = 200
        retried = await s.client.post(f"/v1/admin/webhook-deliveries/{item['delivery_id']}/retry",
                                      headers=s.auth(admin=True))
        assert retried.status_code == 200, retried.text
        assert (retried.json()["status"], retried.json()["attempts"]) == ("pending", 3)
        await s.receiver.wait_for(4)
        delivered = await s.settled("delivered")
        again = await s.client.post(f"/v1/admin/webhook-deliveries/{item['delivery_id']}/retry",
                                    headers=s.auth(admin=True))
        unknown = await s.client.post("/v1/admin/webhook-deliveries/999999/retry", headers=s.auth(admin=True))

    assert [d["delivery_id"] for d in delivered] == [item["delivery_id"]]
    assert (again.status_code, again.json()["code"]) == (409, "DELIVERY_NOT_FAILED")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "DELIVERY_NOT_FOUND")
    gaps = [b.at - a.at for a, b in zip(s.receiver.requests, s.receiver.requests[1:3], strict=False)]
    assert all(gap >= 0.9 for gap in gaps)


async def test_the_delivery_list_needs_an_admin_key_a_known_status_and_pages_with_a_cursor(tmp_path: Path) -> None:
    async with shop(tmp_path, Receiver()) as s:
        for n in range(3):
            body = order(f"T2026112400{n}", notify_url=s.receiver.url)
            await s.client.post("/v1/payments", json=body, headers=s.auth())
            await s.client.post("/v1/payments/" + f"T2026112400{n}/close", headers=s.auth())
        await s.receiver.wait_for(3)
        await s.settled("delivered")
        forbidden = await s.client.get("/v1/admin/webhook-deliveries", headers=s.auth())
        unknown = await s.client.get("/v1/admin/webhook-deliveries", params={"status": "lost"},
                                     headers=s.auth(admin=True))
        pages: list[str] = []
        cursor: str | None = None
        while True:
            params: dict[str, str | int] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
            page = (await s.client.get("/v1/admin/webhook-deliveries", params=params,
                                       headers=s.auth(admin=True))).json()
            pages += [item["order_no"] for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        bad_cursor = await s.client.get("/v1/admin/webhook-deliveries", params={"cursor": "nope"},
                                        headers=s.auth(admin=True))
        schema = (await s.client.get("/schema/openapi.json")).json()

    assert forbidden.status_code == 403
    assert (unknown.status_code, unknown.json()["code"]) == (400, "VALIDATION_ERROR")
    assert pages == ["T20261124002", "T20261124001", "T20261124000"]
    assert (bad_cursor.status_code, bad_cursor.json()["code"]) == (400, "VALIDATION_ERROR")
    assert "/v1/admin/webhook-deliveries/{delivery_id}/retry" in schema["paths"]
