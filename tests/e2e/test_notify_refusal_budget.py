"""A budget of refused notifications per client address (issue 10: a flood of forged notifications must not slow
payments down): past it, an address's notifications are answered in the provider's protocol without being read,
verified or logged; other addresses, and accepted notifications, are not affected; several processes share the
budget through Redis. bench/compare.py `--modes flood` measures the creates during a flood."""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import urlencode

import sqlalchemy as sa
from redis.asyncio import Redis

from adapters.sql.tables import notification_log
from entrypoints.container import Container
from tests.e2e.test_notify import fake_notification
from tests.e2e.test_notify_turns import post
from tests.e2e.test_rate_limits import REDIS_URL, clients

FORGED = urlencode(fake_notification("T20269999001", sign="forged")).encode()


async def logged_rows(container: Container) -> int:
    """How many notifications the log holds."""
    async with container.engine().connect() as conn:
        return int((await conn.execute(sa.select(sa.func.count()).select_from(notification_log))).scalar_one())


async def test_an_address_past_its_budget_is_answered_without_being_read_or_logged(tmp_path: Path) -> None:
    async for (client,) in clients(tmp_path, notify_refusals_per_minute=3):
        env = client.app.state.container
        first = [await post(client.app, FORGED, client=("203.0.113.7", 1)) for _ in range(3)]
        assert [a.body for a in first] == [b"fail"] * 3
        assert await logged_rows(env) == 3  # within the budget, refused ones are logged as before

        held = await asyncio.gather(post(client.app, FORGED, client=("203.0.113.7", 2)),
                                    post(client.app, FORGED, path="/v1/notify/wechat", client=("203.0.113.7", 3)))
        alipay, wechat = held
        assert (alipay.status, alipay.body) == (200, b"fail")
        assert wechat.status == 429
        assert b'"code":"FAIL"' in wechat.body
        assert all(1 <= int(a.headers["retry-after"]) <= 60 for a in held)
        assert await logged_rows(env) == 3  # nothing of them reached the use case or the disk

        other = await post(client.app, FORGED, client=("198.51.100.1", 1))  # another address has its own budget
        assert other.body == b"fail"
        assert await logged_rows(env) == 4
        metrics = (await client.get("/metrics")).text
        assert 'paycore_rate_limited_total{limit="notify_refusals"} 2.0' in metrics


async def test_accepted_notifications_do_not_count_and_a_held_address_does_not_slow_another(tmp_path: Path) -> None:
    async for (client,) in clients(tmp_path, notify_refusals_per_minute=2):
        key = await client.app.state.container.api_keys().issue("shop", "payments")
        headers = {"Authorization": f"Bearer {key.token}"}
        for n in (1, 2):
            body = {"order_no": f"T2026112400{n}", "payment_type": "alipay", "pay_method": "pc", "subject": "Thesis",
                    "total_amount": "99.90"}
            assert (await client.post("/v1/payments", json=body, headers=headers)).status_code == 201
        genuine = urlencode(fake_notification("T20261124001")).encode()
        answers = [await post(client.app, genuine, client=("203.0.113.9", 1)) for _ in range(4)]  # and 3 repeats
        assert [a.body for a in answers] == [b"success"] * 4

        for _ in range(2):
            await post(client.app, FORGED, client=("203.0.113.66", 1))
        held = asyncio.create_task(post(client.app, FORGED, client=("203.0.113.66", 2)))
        # while that one is held, the provider's address is served at once
        served = await post(client.app, urlencode(fake_notification("T20261124002")).encode(),
                            client=("203.0.113.9", 2))
        assert served.body == b"success"
        assert not held.done()
        assert (await held).body == b"fail"


async def test_several_processes_share_the_budget_through_redis(tmp_path: Path) -> None:
    async with Redis.from_url(REDIS_URL) as redis:  # a fresh window for this client address
        await redis.delete("paycore:notify-refused::testclient")
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    async for first, second in clients(tmp_path, processes=2, redis_url=REDIS_URL, notify_refusals_per_minute=2):
        for _ in range(2):
            assert (await first.post("/v1/notify/alipay", content=FORGED, headers=form)).text == "fail"
        before = await logged_rows(first.app.state.container)
        assert (await second.post("/v1/notify/alipay", content=FORGED, headers=form)).text == "fail"
        assert await logged_rows(second.app.state.container) == before  # the second app held it unread
