"""Rate limits through the real app on Litestar's middleware and stores: failed authentications per address
(20 a minute by default) and requests per API key (when set), answered 429 RATE_LIMITED with Retry-After;
shared through Redis by several processes' apps."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis

from adapters.gateways.fake import FakeGateway
from application.records import PaymentConfig
from domain.kinds import PaymentType
from entrypoints.http.app import create_app
from tests.e2e.conftest import build_env, order

REDIS_URL = "redis://127.0.0.1:6379/0"
WRONG = {"Authorization": "Bearer pck_0123456789abcdef_not-the-secret"}


async def clients(tmp_path: Path, processes: int = 1,
                  **settings: object) -> AsyncIterator[list[AsyncTestClient[Any]]]:
    """Apps over one database (one per 'process'), with the settings changed; their payments key."""
    config = PaymentConfig(0, PaymentType.ALIPAY, "limits", app_id="2021000000000001", is_default=True)
    container, _ = await build_env(tmp_path, {"alipay": FakeGateway()}, (config,))
    container.settings.override(dataclasses.replace(container.settings(), **settings))  # type: ignore[arg-type]
    apps = [create_app(container) for _ in range(processes)]
    async with AsyncTestClient(apps[0]) as first:
        if processes == 1:
            yield [first]
            return
        async with AsyncTestClient(apps[1]) as second:
            yield [first, second]


async def test_the_21st_failed_authentication_in_a_minute_is_refused_with_retry_after(tmp_path: Path) -> None:
    async for (client,) in clients(tmp_path):
        answers = [await client.get("/v1/payments", headers=WRONG) for _ in range(21)]
        assert [a.status_code for a in answers] == [401] * 20 + [429]
        refused = answers[-1]
        assert refused.json()["code"] == "RATE_LIMITED"
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        zh = await client.get("/v1/payments", headers={**WRONG, "Accept-Language": "zh"})
        assert "Retry-After" in zh.json()["detail"]
        assert (await client.post("/v1/notify/alipay", data={"sign": "x"})).status_code == 200  # never limited
        metrics = (await client.get("/metrics")).text
        assert 'paycore_rate_limited_total{limit="failed_authentication"}' in metrics


async def test_good_requests_are_not_counted_as_failures(tmp_path: Path) -> None:
    async for (client,) in clients(tmp_path):
        container = client.app.state.container
        key = (await container.api_keys().issue("shop", "payments")).token
        for _ in range(30):
            assert (await client.get("/v1/payments", headers={"Authorization": f"Bearer {key}"})).status_code == 200


async def test_failures_counted_in_one_process_are_refused_in_another_through_redis(tmp_path: Path) -> None:
    async with Redis.from_url(REDIS_URL) as redis:  # a fresh window for this client address
        await redis.delete("paycore:failed-auth::testclient")
    async for first, second in clients(tmp_path, processes=2, redis_url=REDIS_URL, failed_auth_per_minute=4):
        assert [(await first.get("/v1/payments", headers=WRONG)).status_code for _ in range(4)] == [401] * 4
        assert (await second.get("/v1/payments", headers=WRONG)).status_code == 429
    # the same two apps without Redis keep separate counters
    (tmp_path / "mem").mkdir()
    async for first, second in clients(tmp_path / "mem", processes=2, failed_auth_per_minute=4):
        assert [(await first.get("/v1/payments", headers=WRONG)).status_code for _ in range(4)] == [401] * 4
        assert (await second.get("/v1/payments", headers=WRONG)).status_code == 401


async def test_a_key_sending_more_than_its_rate_per_second_is_refused(tmp_path: Path) -> None:
    async for (client,) in clients(tmp_path, rate_limit_per_key=3):
        container = client.app.state.container
        busy = {"Authorization": f"Bearer {(await container.api_keys().issue('busy', 'payments')).token}"}
        calm = {"Authorization": f"Bearer {(await container.api_keys().issue('calm', 'payments')).token}"}
        answers = [await client.post("/v1/payments", json=order(f"T2026112400{i}"), headers=busy) for i in range(12)]
        codes = [a.status_code for a in answers]
        assert 429 in codes
        assert set(codes) <= {201, 429}
        refused = next(a for a in answers if a.status_code == 429)
        assert (refused.json()["code"], int(refused.headers["Retry-After"]) >= 1) == ("RATE_LIMITED", True)
        assert (await client.get("/v1/payments", headers=calm)).status_code == 200  # another key is not slowed
        metrics = (await client.get("/metrics")).text
        assert 'paycore_rate_limited_total{limit="per_key"}' in metrics


@pytest.mark.parametrize("per_key", [0])
async def test_no_key_limit_by_default(tmp_path: Path, per_key: int) -> None:
    async for (client,) in clients(tmp_path, rate_limit_per_key=per_key):
        container = client.app.state.container
        key = {"Authorization": f"Bearer {(await container.api_keys().issue('busy', 'payments')).token}"}
        assert {(await client.get("/v1/payments", headers=key)).status_code for _ in range(40)} == {200}
