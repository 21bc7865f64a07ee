"""The cashier page: what the payer sees, escaped, with no key and nothing more than needed."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.e2e.conftest import Env, order


async def test_the_cashier_page_shows_the_order_and_links_to_the_pay_url(env: Env) -> None:
    await env.client.post("/v1/payments", json=order(subject="<script>alert(1)</script>"), headers=env.auth())
    page = await env.client.get("/pay/T20261124001")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "99.90" in page.text
    assert 'href="https://fake.example/pay/T20261124001"' in page.text
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;" in page.text
    assert "Bearer" not in page.text


async def test_the_cashier_page_shows_times_in_beijing_time_while_the_api_keeps_utc(env: Env) -> None:
    created = (await env.client.post("/v1/payments", json=order(), headers=env.auth())).json()
    assert created["expire_time"].endswith("Z")
    expires = datetime.fromisoformat(created["expire_time"].replace("Z", "+00:00"))
    page = (await env.client.get("/pay/T20261124001")).text
    assert (expires + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M (UTC+08:00)") in page  # the payer's clock
    assert expires.strftime("%Y-%m-%d %H:%M") not in page  # not UTC


async def test_the_status_endpoint_follows_the_payment(env: Env) -> None:
    await env.client.post("/v1/payments", json=order(), headers=env.auth())
    assert (await env.client.get("/pay/T20261124001/status")).json() == {"trade_status": "WAIT_BUYER_PAY"}
    await env.client.post("/v1/payments/T20261124001/close", headers=env.auth())
    assert (await env.client.get("/pay/T20261124001/status")).json() == {"trade_status": "TRADE_CLOSED"}
    closed_page = await env.client.get("/pay/T20261124001")
    assert 'id="pay"' not in closed_page.text


async def test_an_unknown_order_is_a_404_page(env: Env) -> None:
    page = await env.client.get("/pay/T20261124404")
    assert page.status_code == 404
    status = await env.client.get("/pay/T20261124404/status")
    assert status.status_code == 404
    assert status.json()["code"] == "PAYMENT_NOT_FOUND"
