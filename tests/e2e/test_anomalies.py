"""Anomalies through the real app (SQLite, PostgreSQL, MySQL): webhook queued, counted in /metrics, listed for
operators at GET /v1/admin/anomalies, page by page."""

from __future__ import annotations

import sqlalchemy as sa

from adapters.sql.tables import webhook_outbox
from tests.e2e.conftest import Env, order
from tests.e2e.test_notify import fake_notification, notify


async def paid_after_close(env: Env, order_no: str) -> None:
    """Create, close (the fake provider has not seen a payment yet), then the late paid notification."""
    assert (await env.client.post("/v1/payments", json=order(order_no), headers=env.auth())).status_code == 201
    closed = await env.client.post(f"/v1/payments/{order_no}/close", headers=env.auth())
    assert closed.json()["trade_status"] == "TRADE_CLOSED", closed.text
    assert await notify(env, fake_notification(order_no)) == "success"


async def test_a_payment_paid_after_close_is_queued_as_a_webhook_counted_and_listed(env: Env) -> None:
    await paid_after_close(env, "T20261124001")

    async with env.container.engine().connect() as conn:
        queued = list(await conn.scalars(sa.select(webhook_outbox.c.event_type).order_by(webhook_outbox.c.id)))
    assert queued == ["payment.closed", "payment.anomaly", "payment.succeeded"]
    metrics = (await env.client.get("/metrics")).text
    assert 'paycore_anomalies_total{kind="paid_after_close"} 1' in metrics

    listed = await env.client.get("/v1/admin/anomalies", headers=env.auth(env.admin_key))
    assert listed.status_code == 200, listed.text
    (item,) = listed.json()["items"]
    assert listed.json()["next_cursor"] is None
    assert {k: item[k] for k in ("kind", "order_no", "payment_type", "amount", "trade_no", "trade_status", "source",
                                 "auto_refund")} == {
        "kind": "paid_after_close", "order_no": "T20261124001", "payment_type": "alipay", "amount": "99.90",
        "trade_no": "FAKET20261124001", "trade_status": "TRADE_SUCCESS", "source": "notify", "auto_refund": None}
    assert item["detail"]["reason"] == "paid after local close"


async def test_anomalies_are_listed_newest_first_page_by_page_and_only_to_admins(env: Env) -> None:
    for n in range(3):
        await paid_after_close(env, f"T2026112400{n}")
    admin = env.auth(env.admin_key)

    first = (await env.client.get("/v1/admin/anomalies", params={"limit": 2}, headers=admin)).json()
    rest = (await env.client.get("/v1/admin/anomalies", params={"limit": 2, "cursor": first["next_cursor"]},
                                 headers=admin)).json()

    assert [i["order_no"] for i in first["items"] + rest["items"]] == ["T20261124002", "T20261124001",
                                                                       "T20261124000"]
    assert rest["next_cursor"] is None
    forbidden = await env.client.get("/v1/admin/anomalies", headers=env.auth())
    assert forbidden.status_code == 403
    bad = await env.client.get("/v1/admin/anomalies", params={"cursor": "nonsense"}, headers=admin)
    assert (bad.status_code, bad.json()["code"]) == (400, "VALIDATION_ERROR")
