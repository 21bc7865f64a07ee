"""Webhooks after a final failure, end to end on each SQL backend: the real app and worker, a real receiver.

A failed delivery lets the payment's later webhooks through, shows every attempt in the admin API, and a
resend goes out as attempt 4 with the history of the first three kept.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from tests.e2e.test_webhooks import ORDER_NO, Shop, shop
from tests.webhook_receiver import Receiver

DELIVERIES = "/v1/admin/webhook-deliveries"


async def detail(s: Shop, delivery_id: int) -> dict[str, Any]:
    """GET one delivery with the admin key."""
    response = await s.client.get(f"{DELIVERIES}/{delivery_id}", headers=s.auth(admin=True))
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


async def detail_once(s: Shop, delivery_id: int, status: str, within: float = 10.0) -> dict[str, Any]:
    """The delivery once it has the status (its outcome is recorded just after the receiver answered)."""
    deadline = time.monotonic() + within
    while (found := await detail(s, delivery_id))["status"] != status:
        assert time.monotonic() < deadline, f"delivery {delivery_id} still {found['status']} after {within} s"
        await asyncio.sleep(0.02)
    return found


async def delivered_count(s: Shop, count: int, within: float = 10.0) -> None:
    """Wait until `count` deliveries are recorded as delivered."""
    deadline = time.monotonic() + within
    while len(await s.deliveries("delivered")) < count:
        assert time.monotonic() < deadline, f"fewer than {count} deliveries delivered after {within} s"
        await asyncio.sleep(0.02)


async def test_a_failed_webhook_lets_later_ones_through_and_its_resend_keeps_the_attempt_history(
    tmp_path: Path, database_url: str,
) -> None:
    async with shop(tmp_path, Receiver(default=500), schedule=(0, 0), url=database_url) as s:
        await s.paid_payment()
        [failed] = await s.settled("failed", within=10)
        s.receiver.default = 200
        refund = await s.client.post(f"/v1/payments/{ORDER_NO}/refunds", headers=s.auth(),
                                     json={"refund_no": "R20261124001", "refund_amount": "99.90"})
        assert refund.status_code == 201, refund.text
        await s.receiver.wait_for(5)  # the refund's two webhooks, not held back by the failed one
        # Their outcomes recorded before the resend: a test client request blocks the loop the worker runs on,
        # so a request waiting for a row lock held by that worker would wait out the lock timeout.
        await delivered_count(s, 2)
        before = await detail_once(s, failed["delivery_id"], "failed")
        resent = await s.client.post(f"{DELIVERIES}/{failed['delivery_id']}/retry", headers=s.auth(admin=True))
        await s.receiver.wait_for(6)
        after = await detail_once(s, failed["delivery_id"], "delivered")
        payment = (await s.client.get(f"/v1/payments/{ORDER_NO}", headers=s.auth())).json()

    types = [r.json()["type"] for r in s.receiver.requests]
    assert types == ["payment.succeeded"] * 3 + ["refund.succeeded", "payment.refunded", "payment.succeeded"]
    assert s.receiver.requests[-1].json()["data"] == payment  # the whole payment as it is now: refunded

    history = before["attempts_history"]
    assert (before["attempts"], len(history)) == (3, 3)
    assert [(a["attempt"], a["outcome"], a["status_code"]) for a in history] == [
        (1, "pending", 500), (2, "pending", 500), (3, "failed", 500)]
    assert all(a["response_snippet"].startswith("receiver says no xxx") for a in history)
    assert all(len(a["response_snippet"]) == 200 for a in history)
    assert all(a["error"].startswith("HTTP 500: receiver says no") for a in history)
    assert all(isinstance(a["latency_ms"], int) and a["attempt_time"].endswith("Z") for a in history)
    assert all(a["url"] == s.receiver.url for a in history)

    assert resent.status_code == 200, resent.text
    assert (resent.json()["status"], resent.json()["attempts"]) == ("pending", 3)
    assert after["attempts"] == 4
    assert after["attempts_history"][:3] == history
    last = after["attempts_history"][3]
    assert (last["attempt"], last["outcome"], last["status_code"], last["response_snippet"], last["error"]) == (
        4, "delivered", 200, "ok", None)
    assert last["attempt_time"] >= history[2]["attempt_time"]


async def test_a_delivery_s_detail_needs_an_admin_key_and_a_known_id(tmp_path: Path, database_url: str) -> None:
    async with shop(tmp_path, Receiver(), url=database_url) as s:
        await s.paid_payment()
        [delivered] = await s.settled("delivered")
        shown = await detail(s, delivered["delivery_id"])
        forbidden = await s.client.get(f"{DELIVERIES}/{delivered['delivery_id']}", headers=s.auth())
        unknown = await s.client.get(f"{DELIVERIES}/999999", headers=s.auth(admin=True))
        chinese = await s.client.get(f"{DELIVERIES}/999999",
                                     headers={**s.auth(admin=True), "Accept-Language": "zh-CN"})
        schema = (await s.client.get("/schema/openapi.json")).json()

    assert {k: v for k, v in shown.items() if k != "attempts_history"} == delivered
    assert [a["status_code"] for a in shown["attempts_history"]] == [200]
    assert forbidden.status_code == 403
    assert (unknown.status_code, unknown.json()["code"]) == (404, "DELIVERY_NOT_FOUND")
    assert (chinese.status_code, chinese.json()["code"]) == (404, "DELIVERY_NOT_FOUND")
    assert "投递" in chinese.json()["detail"]
    assert "/v1/admin/webhook-deliveries/{delivery_id}" in schema["paths"]
