"""The HTTP flows of a payment, through the real app on SQLite."""

from __future__ import annotations

import re

from domain.kinds import PaymentType, PayMethod
from tests.e2e.conftest import PUBLIC_URL, Env, order


async def pay_at_provider(env: Env, order_no: str) -> None:
    """The buyer pays at the (fake) provider; paycore learns it through a sync query."""
    env.alipay.pay(order_no)
    response = await env.client.get(f"/v1/payments/{order_no}?sync=true", headers=env.auth())
    assert response.status_code == 200
    assert response.json()["trade_status"] == "TRADE_SUCCESS"


async def test_create_get_list_close(env: Env) -> None:
    created = await env.client.post("/v1/payments", json=order(), headers=env.auth())
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["trade_status"] == "WAIT_BUYER_PAY"
    assert body["total_amount"] == "99.90"
    assert body["refunded_amount"] == "0.00"
    assert body["pay_url"] == "https://fake.example/pay/T20261124001"
    assert re.fullmatch(rf"{PUBLIC_URL}/pay/T20261124001\?t=[A-Za-z0-9_-]{{27}}", body["cashier_url"])  # 160 bits
    assert body["create_time"].endswith("Z")

    fetched = await env.client.get("/v1/payments/T20261124001", headers=env.auth())
    assert fetched.status_code == 200
    assert fetched.json()["order_no"] == "T20261124001"

    listed = await env.client.get("/v1/payments", headers=env.auth())
    assert [p["order_no"] for p in listed.json()["items"]] == ["T20261124001"]
    assert listed.json()["next_cursor"] is None

    closed = await env.client.post("/v1/payments/T20261124001/close", headers=env.auth())
    assert closed.status_code == 200
    assert closed.json()["trade_status"] == "TRADE_CLOSED"
    again = await env.client.post("/v1/payments/T20261124001/close", headers=env.auth())
    assert again.status_code == 200
    assert again.json()["trade_status"] == "TRADE_CLOSED"

    events = await env.client.get("/v1/payments/T20261124001/events", headers=env.auth())
    assert [e["event_type"] for e in events.json()["items"]] == ["payment.created", "payment.closed"]
    assert events.json()["items"][1]["from_status"] == "WAIT_BUYER_PAY"


async def test_paid_payment_refunds_twice_then_an_over_refund_is_409(env: Env) -> None:
    await env.client.post("/v1/payments", json=order(total_amount="30.00"), headers=env.auth())
    await pay_at_provider(env, "T20261124001")

    first = await env.client.post("/v1/payments/T20261124001/refunds",
                                  json={"refund_no": "R1", "refund_amount": "10.00"}, headers=env.auth())
    assert first.status_code == 201, first.text
    assert first.json()["refund_status"] == "SUCCESS"
    second = await env.client.post("/v1/payments/T20261124001/refunds",
                                   json={"refund_no": "R2", "refund_amount": 15}, headers=env.auth())
    assert second.status_code == 201
    refunds_called = env.alipay.calls.count("refund")

    over = await env.client.post("/v1/payments/T20261124001/refunds",
                                 json={"refund_no": "R3", "refund_amount": "5.01"}, headers=env.auth())
    assert over.status_code == 409
    assert over.json()["code"] == "REFUND_EXCEEDS_PAID"
    assert env.alipay.calls.count("refund") == refunds_called  # the provider was not asked

    payment = (await env.client.get("/v1/payments/T20261124001", headers=env.auth())).json()
    assert payment["trade_status"] == "TRADE_SUCCESS"
    assert payment["refunded_amount"] == "25.00"
    assert payment["payment_time"] == "2026-11-24T12:00:00Z"  # the provider's time, not the clock

    last = await env.client.post("/v1/payments/T20261124001/refunds",
                                 json={"refund_no": "R3", "refund_amount": "5.00"}, headers=env.auth())
    assert last.status_code == 201
    payment = (await env.client.get("/v1/payments/T20261124001", headers=env.auth())).json()
    assert payment["trade_status"] == "REFUNDED"
    refunds = await env.client.get("/v1/payments/T20261124001/refunds", headers=env.auth())
    assert [r["refund_no"] for r in refunds.json()["items"]] == ["R1", "R2", "R3"]


async def test_a_repeated_refund_request_answers_200_with_the_same_refund(env: Env) -> None:
    await env.client.post("/v1/payments", json=order(), headers=env.auth())
    await pay_at_provider(env, "T20261124001")
    body = {"refund_no": "R1", "refund_amount": "1.00", "reason": "customer request"}
    first = await env.client.post("/v1/payments/T20261124001/refunds", json=body, headers=env.auth())
    again = await env.client.post("/v1/payments/T20261124001/refunds", json=body, headers=env.auth())
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    clash = await env.client.post("/v1/payments/T20261124001/refunds",
                                  json={**body, "refund_amount": "2.00"}, headers=env.auth())
    assert clash.status_code == 409
    assert clash.json()["code"] == "REFUND_NO_CONFLICT"


async def test_a_wechat_refund_stays_processing_until_a_sync_settles_it(env: Env) -> None:
    created = await env.client.post("/v1/payments", json=order(payment_type=PaymentType.WECHAT,
                                                               pay_method=PayMethod.NATIVE),
                                    headers=env.auth())
    assert created.json()["code_url"].startswith("weixin://")
    env.wechat.pay("T20261124001")
    await env.client.get("/v1/payments/T20261124001?sync=true", headers=env.auth())
    refund = await env.client.post("/v1/payments/T20261124001/refunds",
                                   json={"refund_no": "WR1", "refund_amount": "99.90"}, headers=env.auth())
    assert refund.json()["refund_status"] == "PROCESSING"
    env.wechat.refunds_settle_at_once = True
    settled = await env.client.get("/v1/refunds/WR1?sync=true", headers=env.auth())
    assert settled.json()["refund_status"] == "SUCCESS"
    payment = await env.client.get("/v1/payments/T20261124001", headers=env.auth())
    assert payment.json()["trade_status"] == "REFUNDED"


async def test_closing_a_paid_payment_is_409_payment_already_paid(env: Env) -> None:
    await env.client.post("/v1/payments", json=order(), headers=env.auth())
    await pay_at_provider(env, "T20261124001")
    response = await env.client.post("/v1/payments/T20261124001/close", headers=env.auth())
    assert response.status_code == 409
    assert response.json()["code"] == "PAYMENT_ALREADY_PAID"


async def test_refunding_an_unpaid_payment_is_409_payment_not_paid(env: Env) -> None:
    await env.client.post("/v1/payments", json=order(), headers=env.auth())
    response = await env.client.post("/v1/payments/T20261124001/refunds",
                                     json={"refund_no": "R1", "refund_amount": "1.00"}, headers=env.auth())
    assert response.status_code == 409
    assert response.json()["code"] == "PAYMENT_NOT_PAID"


async def test_list_pages_newest_first_with_a_cursor_and_filters(env: Env) -> None:
    for n in range(5):
        await env.client.post("/v1/payments", json=order(f"T2026112400{n}"), headers=env.auth())
    await env.client.post("/v1/payments/T20261124000/close", headers=env.auth())
    seen: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, str | int] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await env.client.get("/v1/payments", params=params, headers=env.auth())).json()
        seen += [p["order_no"] for p in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"T2026112400{n}" for n in reversed(range(5))]
    closed = await env.client.get("/v1/payments", params={"trade_status": "TRADE_CLOSED"}, headers=env.auth())
    assert [p["order_no"] for p in closed.json()["items"]] == ["T20261124000"]
