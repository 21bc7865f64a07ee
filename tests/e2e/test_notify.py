"""Provider notifications through the real app: applied exactly once, refused when they must not count."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
import sqlalchemy as sa

from adapters.sql.tables import webhook_outbox
from domain.kinds import PaymentType, PayMethod
from tests.e2e.conftest import Env, order


def fake_notification(order_no: str = "T20261124001", **changes: str) -> dict[str, str]:
    """A notification the fake provider would send for a payment of 99.90."""
    form = {"order_no": order_no, "kind": "PAID", "amount": "99.90", "event_id": f"N-{order_no}",
            "trade_no": f"FAKE{order_no}", "sign": "fake-ok", "app_id": "2021000000000001"}
    form.update(changes)
    return form


async def notify(env: Env, form: dict[str, str], path: str = "/v1/notify/alipay") -> str:
    """POST a form notification; the body paycore answered."""
    response = await env.client.post(path, data=form)
    assert response.status_code == 200
    return response.text


async def events_of(env: Env, order_no: str = "T20261124001") -> list[str]:
    """The journal's event types."""
    response = await env.client.get(f"/v1/payments/{order_no}/events", headers=env.auth())
    return [e["event_type"] for e in response.json()["items"]]


async def test_a_verified_notification_pays_once_and_a_duplicate_changes_nothing(env: Env) -> None:
    await env.client.post("/v1/payments", json=order(), headers=env.auth())
    assert await notify(env, fake_notification()) == "success"
    assert await notify(env, fake_notification(), f"/v1/notify/alipay/{env.config.config_id}") == "success"
    payment = (await env.client.get("/v1/payments/T20261124001", headers=env.auth())).json()
    assert payment["trade_status"] == "TRADE_SUCCESS"
    assert payment["payment_time"] == "2026-11-24T12:00:00Z"
    assert payment["notify_time"] is not None
    assert await events_of(env) == ["payment.created", "payment.succeeded"]
    async with env.container.uow()() as uow:
        log = await uow.notifications.for_order("T20261124001")
        journal = await uow.payments.events("T20261124001")
    assert [r.outcome for r in log] == ["applied", "already_applied"]
    assert journal[-1].event.raw is not None
    assert journal[-1].event.raw["event_id"] == "N-T20261124001"


@pytest.mark.parametrize(("changes", "reason"), [
    ({"sign": "forged"}, "bad_signature"),
    ({"amount": "99.91"}, "amount_mismatch"),
    ({"order_no": "T20261124999"}, "unknown_order"),
    ({"app_id": "2021000000000666"}, "app_id_mismatch"),
])
async def test_a_notification_that_must_not_count_is_answered_fail_and_changes_nothing(
        env: Env, changes: dict[str, str], reason: str) -> None:
    await env.client.post("/v1/payments", json=order(), headers=env.auth())
    assert await notify(env, fake_notification(**changes)) == "fail"
    payment = (await env.client.get("/v1/payments/T20261124001", headers=env.auth())).json()
    assert payment["trade_status"] == "WAIT_BUYER_PAY"
    assert await events_of(env) == ["payment.created"]
    metrics = (await env.client.get("/metrics")).text
    assert f'outcome="rejected",provider="alipay",reason="{reason}"' in metrics


async def test_a_notification_for_an_unknown_config_id_is_refused(env: Env) -> None:
    await env.client.post("/v1/payments", json=order(), headers=env.auth())
    assert await notify(env, fake_notification(), "/v1/notify/alipay/999999") == "fail"


async def test_a_disabled_config_still_accepts_notifications_since_the_money_may_be_moving(env: Env) -> None:
    await env.client.post("/v1/payments", json=order(), headers=env.auth())
    async with env.container.uow()() as uow:
        await uow.configs.update(dataclasses.replace(env.config, enabled=False))
        await uow.commit()
    assert await notify(env, fake_notification()) == "success"


async def test_fifty_copies_of_one_notification_at_once_make_one_transition(env: Env) -> None:
    await env.client.post("/v1/payments", json=order(), headers=env.auth())
    answers = await asyncio.gather(*(notify(env, fake_notification()) for _ in range(50)))
    assert answers == ["success"] * 50
    assert await events_of(env) == ["payment.created", "payment.succeeded"]
    async with env.container.engine().connect() as conn:
        outbox = (await conn.execute(sa.select(webhook_outbox.c.event_type))).scalars().all()
    assert outbox == ["payment.succeeded"]


async def test_metrics_count_requests_by_route(env: Env) -> None:
    await env.client.get("/health")
    text = (await env.client.get("/metrics")).text
    assert 'paycore_http_requests_total{method="GET",route="/health",status="200"} 1' in text
    assert "paycore_http_request_duration_seconds_bucket" in text


async def test_wechat_is_answered_204_with_no_body_or_a_4xx_json_fail(env: Env) -> None:
    await env.client.post("/v1/payments", json=order(payment_type=PaymentType.WECHAT, pay_method=PayMethod.NATIVE),
                          headers=env.auth())
    wechat_form = fake_notification(app_id="wx0000000000000001")
    refused = await env.client.post("/v1/notify/wechat", data={**wechat_form, "sign": "forged"})
    assert refused.status_code == 400
    assert refused.json() == {"code": "FAIL", "message": "notification not accepted: bad_signature"}
    accepted = await env.client.post("/v1/notify/wechat", data=wechat_form)
    assert accepted.status_code == 204
    assert accepted.content == b""
    payment = (await env.client.get("/v1/payments/T20261124001", headers=env.auth())).json()
    assert payment["trade_status"] == "TRADE_SUCCESS"
