"""The raw notification log through the real app, on every backend: anyone may post to the notify endpoints, so
a refused notification is kept as its first 8 KiB with its length and SHA-256; a verified one is kept whole."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from adapters.sql.tables import notification_log
from tests.e2e.conftest import Env, order
from tests.e2e.test_notify import fake_notification

MEGABYTE = 1_000_000  # what the finding posted; the app refuses bodies over 1 MiB with 413


async def logged_rows(env: Env) -> list[dict[str, object]]:
    """The whole log, oldest first."""
    async with env.container.engine().connect() as conn:
        rows = await conn.execute(sa.select(notification_log).order_by(notification_log.c.id))
        return [dict(r) for r in rows.mappings()]


@pytest.mark.parametrize("path", ["/v1/notify/alipay", "/v1/notify/wechat"])
async def test_a_megabyte_of_unauthenticated_junk_is_kept_as_its_first_8_kib(env: Env, path: str) -> None:
    junk = b"x=" + "论".encode() * (MEGABYTE // 3)
    for _ in range(3):
        answer = await env.client.post(path, content=junk, headers={"Content-Type": "application/x-www-form-urlencoded",
                                                                    "X-Junk": "y" * 5000})
        assert answer.status_code in (200, 400)

    rows = await logged_rows(env)
    assert [r["outcome"] for r in rows] == ["rejected"] * 3
    for row in rows:
        raw = str(row["raw"])
        assert len(raw.encode()) < 12 * 1024
        kept = json.loads(raw)
        assert (kept["length"], kept["sha256"], kept["truncated"]) == (
            len(junk), hashlib.sha256(junk).hexdigest(), True)
        assert kept["body"] == junk[:8192].decode()
        assert len(kept["headers"]["x-junk"]) == 512


async def test_an_accepted_notification_is_kept_whole(env: Env) -> None:
    await env.client.post("/v1/payments", json=order(), headers=env.auth())
    form = fake_notification(padding="p" * 20000)
    assert (await env.client.post("/v1/notify/alipay", data=form)).text == "success"

    (row,) = await logged_rows(env)
    kept = json.loads(str(row["raw"]))
    assert (row["outcome"], kept["body"], kept["truncated"]) == ("applied", urlencode(form), False)


async def test_the_worker_prunes_records_older_than_the_retention(env: Env) -> None:
    for i in range(3):
        await env.client.post("/v1/notify/alipay", data=fake_notification(f"T2026112400{i}"))
    async with env.container.engine().begin() as conn:  # two of them arrived 91 and 100 days ago
        first = (await conn.execute(sa.select(sa.func.min(notification_log.c.id)))).scalar_one()
        for offset, days in ((0, 100), (1, 91)):
            moment = env.container.clock().now() - timedelta(days=days)
            await conn.execute(sa.update(notification_log).where(notification_log.c.id == first + offset)
                               .values(received_time=moment))

    prune = env.container.prune_notifications()
    assert await prune.run_once() == 2
    assert await prune.run_once() == 0
    assert [r["order_no"] for r in await logged_rows(env)] == ["T20261124002"]
